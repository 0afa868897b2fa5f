package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones must resolve on hosts without a zoneinfo database

	"github.com/andybalholm/cascadia"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/robfig/cron/v3"
)

// maxErrors bounds the problems reported for one file.
const maxErrors = 50

// maxAliasDepth bounds alias and merge-key chains.
const maxAliasDepth = 16

var sourceNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// decoder walks the YAML syntax tree along the config schema, so that every
// problem is reported with its line and key path.
type decoder struct {
	file    string
	errs    []*Error
	anchors map[string]ast.Node
	merged  int // merge-key expansions and fields they copied, bounded against alias bombs

	mergeErr string // a problem found while expanding nested merge keys
	items    int    // list entries decoded, bounded against alias bombs
}

// maxMerged bounds the work merge keys may cause in one file.
const maxMerged = 10000

// maxItems bounds the list entries decoded from one file (aliases can
// repeat a long list many times).
const maxItems = 100000

// tooMany counts n more list entries and reports when there are too many.
func (d *decoder) tooMany(n, ln int, key string) bool {
	d.items += n
	if d.items > maxItems {
		d.errorf(ln, key, "too many list entries (more than %d in the file)", maxItems)
		return true
	}
	return false
}

// field is one key of a mapping.
type field struct {
	key   string
	path  string // dotted path of the key
	line  int    // line of the key
	value ast.Node
}

// parseYAML is parser.ParseBytes, with a panic in the parser (third-party
// code fed arbitrary bytes) turned into an error.
func parseYAML(b []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("cannot parse file: %v", r)
		}
	}()
	return parser.ParseBytes(b, 0)
}

// parseCron is cron.ParseStandard, with a panic turned into an error.
func parseCron(spec string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot parse: %v", r)
		}
	}()
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return err
	}
	// "@every 0s" would start a crawl the moment the last one ends; a
	// schedule that never fires (February 31st) is a mistake the user would
	// not notice.
	// (cron rounds a shorter @every up to a second without a word.)
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if every, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && every < minScheduleInterval {
			return fmt.Errorf("runs every %s: the shortest interval is %s", every, minScheduleInterval)
		}
	}
	if sched.Next(time.Now()).IsZero() {
		return errors.New("never runs: no such date")
	}
	return nil
}

// minScheduleInterval is the shortest @every a schedule may give.
const minScheduleInterval = time.Second

func parseBytes(b []byte, name string) (*Config, error) {
	d := &decoder{file: name, anchors: map[string]ast.Node{}}
	c := Default()
	c.Path = name
	b = bytes.TrimPrefix(b, []byte("\ufeff")) // byte order mark left by some editors
	f, perr := parseYAML(b)
	if perr != nil {
		return nil, d.yamlError(perr)
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			d.errorf(line(doc.Body), "", "only one YAML document is allowed")
			break
		}
		body = doc.Body
	}
	if body != nil {
		d.collectAnchors(body, 0)
		d.config(body, &c)
	}
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
		if len(d.errs) == 1 {
			return nil, d.errs[0]
		}
		return nil, ErrorList(d.errs)
	}
	dir := ""
	if name != "" {
		dir = filepath.Dir(name)
	}
	c.Archive = resolvePath(dir, c.Archive)
	c.Export.Hexo.Out = resolvePath(dir, c.Export.Hexo.Out)
	c.Export.Hugo.Out = resolvePath(dir, c.Export.Hugo.Out)
	if c.Export.JSON.Out != "-" {
		c.Export.JSON.Out = resolvePath(dir, c.Export.JSON.Out)
	}
	c.Export.WARC.Out = resolvePath(dir, c.Export.WARC.Out)
	return &c, nil
}

func resolvePath(dir, p string) string {
	if dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func (d *decoder) yamlError(err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		ln := 0
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			ln = tk.Position.Line
		}
		msg := ye.GetMessage()
		if strings.Contains(msg, "reserved character") {
			msg += " (quote the value)"
		}
		return &Error{File: d.file, Line: ln, Msg: "invalid YAML: " + msg}
	}
	return &Error{File: d.file, Msg: "invalid YAML: " + err.Error()}
}

func (d *decoder) errorf(line int, key, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		return
	}
	e := &Error{File: d.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
	for _, old := range d.errs {
		if *old == *e {
			return // the same place reached again through an alias
		}
	}
	d.errs = append(d.errs, e)
}

// line returns the line a node starts on, 0 if unknown.
func line(n ast.Node) int {
	if n == nil {
		return 0
	}
	if _, ok := n.(*ast.DocumentNode); ok {
		return 0 // GetToken of a document dereferences its body
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0
	}
	return tk.Position.Line
}

func (d *decoder) collectAnchors(n ast.Node, depth int) {
	if n == nil || depth > 64 {
		return
	}
	switch v := n.(type) {
	case *ast.AnchorNode:
		if v.Name != nil {
			d.anchors[v.Name.GetToken().Value] = v.Value
		}
		d.collectAnchors(v.Value, depth+1)
	case *ast.TagNode:
		d.collectAnchors(v.Value, depth+1)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			d.collectAnchors(mv.Value, depth+1)
		}
	case *ast.MappingValueNode:
		d.collectAnchors(v.Value, depth+1)
	case *ast.SequenceNode:
		for _, x := range v.Values {
			d.collectAnchors(x, depth+1)
		}
	}
}

// resolve strips tags and anchors and follows aliases. It returns nil for
// a missing value and for an alias it cannot follow (after reporting it).
func (d *decoder) resolve(n ast.Node, key string) ast.Node {
	for range maxAliasDepth {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.GetToken().Value
			}
			target, ok := d.anchors[name]
			if !ok {
				d.errorf(line(v), key, "unknown alias *%s", name)
				return nil
			}
			n = target
		default:
			return n
		}
	}
	d.errorf(line(n), key, "aliases nested too deeply")
	return nil
}

// kind names a node's YAML type for messages.
func kind(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "null"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "mapping"
	case *ast.SequenceNode:
		return "list"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "number"
	case *ast.BoolNode:
		return "boolean"
	default:
		return "string"
	}
}

// keyName is the text of a mapping key.
func keyName(k ast.MapKeyNode) string {
	var n ast.Node = k
	for range maxAliasDepth {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
			continue
		case *ast.AnchorNode:
			n = v.Value
			continue
		case *ast.StringNode:
			return v.Value
		}
		break
	}
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// fields returns the keys of the mapping n, with merge keys (<<) expanded.
// ok is false when n is not a mapping (reported against path at ln).
func (d *decoder) fields(n ast.Node, path string, ln, depth int) ([]field, bool) {
	n = d.resolve(n, path)
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case nil, *ast.NullNode:
		return nil, true
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		d.errorf(ln, path, "must be a mapping, not a %s", kind(n))
		return nil, false
	}
	var out, merged []field
	seen := map[string]bool{}
	for _, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		kl := line(mv.Key)
		if mv.Key.IsMergeKey() {
			if depth >= maxAliasDepth {
				d.mergeErr = "merge keys nested too deeply (or a merge refers to itself)"
				continue
			}
			v := d.resolve(mv.Value, path)
			srcs := []ast.Node{v}
			if seq, ok := v.(*ast.SequenceNode); ok {
				srcs = seq.Values
			}
			for _, src := range srcs {
				if d.merged > maxMerged {
					d.mergeErr = fmt.Sprintf("merge keys expand to more than %d keys", maxMerged)
					break
				}
				sub, _ := d.fields(src, path, kl, depth+1)
				d.merged += 1 + len(sub)
				merged = append(merged, sub...)
			}
			if depth == 0 && d.mergeErr != "" {
				// Reported once, at the merge key that started it.
				d.errorf(kl, path, "%s", d.mergeErr)
				d.mergeErr = ""
			}
			continue
		}
		name := keyName(mv.Key)
		seen[name] = true
		out = append(out, field{key: name, path: join(path, name), line: kl, value: mv.Value})
	}
	for _, f := range merged {
		if !seen[f.key] {
			seen[f.key] = true
			out = append(out, f)
		}
	}
	return out, true
}

// unknown reports a key that is not part of the schema.
func (d *decoder) unknown(f field, known []string) {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(strings.ToLower(f.key), k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		d.errorf(f.line, f.path, "unknown key (did you mean %q?)", best)
		return
	}
	d.errorf(f.line, f.path, "unknown key (known keys: %s)", strings.Join(known, ", "))
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// scalar returns the text of a scalar value. set is false for a missing or
// null value (keep the default); ok is false when the value is a mapping or
// a list (reported as "must be a <want>").
func (d *decoder) scalar(n ast.Node, key string, ln int, want string) (s string, set, ok bool) {
	n = d.resolve(n, key)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "", false, true
	case *ast.StringNode:
		return v.Value, true, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true, true
		}
		return v.Value.Value, true, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true, true
	default:
		d.errorf(ln, key, "must be %s, not a %s", want, kind(n))
		return "", false, false
	}
}

func (d *decoder) str(f field, dst *string) bool {
	s, set, _ := d.scalar(f.value, f.path, f.line, "a string")
	if set {
		*dst = s
	}
	return set
}

// item is one string of a list, with its key path and line.
type item struct {
	s, key string
	line   int
}

// strItems decodes a list of strings; entries in error are reported and left out.
func (d *decoder) strItems(n ast.Node, path string, ln int) []item {
	n = d.resolve(n, path)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return nil
	case *ast.SequenceNode:
		if d.tooMany(len(v.Values), ln, path) {
			return nil
		}
		out := make([]item, 0, len(v.Values))
		for i, it := range v.Values {
			key, il := index(path, i), line(it)
			if il == 0 {
				il = ln
			}
			s, set, ok := d.scalar(it, key, il, "a string")
			if !ok {
				continue
			}
			if !set {
				d.errorf(il, key, "must not be empty")
				continue
			}
			out = append(out, item{s: s, key: key, line: il})
		}
		return out
	default:
		d.errorf(ln, path, "must be a list of strings, not a %s", kind(n))
		return nil
	}
}

func strs(items []item) []string {
	if len(items) == 0 {
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.s
	}
	return out
}

func (d *decoder) strList(n ast.Node, path string, ln int) []string {
	return strs(d.strItems(n, path, ln))
}

func (d *decoder) integer(f field, dst *int) bool {
	n := d.resolve(f.value, f.path)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return false
	case *ast.IntegerNode:
		var i int64
		switch x := v.Value.(type) {
		case int64:
			i = x
		case uint64:
			i = math.MaxInt64
			if x < math.MaxInt64 {
				i = int64(x)
			}
		}
		if i > math.MaxInt32 || i < math.MinInt32 {
			d.errorf(f.line, f.path, "%d is out of range", i)
			return false
		}
		*dst = int(i)
		return true
	default:
		d.errorf(f.line, f.path, "must be an integer, not a %s", kind(n))
		return false
	}
}

func (d *decoder) boolean(f field, dst *bool) {
	n := d.resolve(f.value, f.path)
	switch v := n.(type) {
	case nil, *ast.NullNode:
	case *ast.BoolNode:
		*dst = v.Value
	default:
		d.errorf(f.line, f.path, "must be true or false, not a %s", kind(n))
	}
}

func (d *decoder) duration(f field, dst *time.Duration) bool {
	s, set, ok := d.scalar(f.value, f.path, f.line, "a duration")
	if !set || !ok {
		return false
	}
	v, err := ParseDuration(s)
	if err != nil {
		d.errorf(f.line, f.path, "invalid duration %q: %v", s, err)
		return false
	}
	*dst = v
	return true
}

func (d *decoder) size(f field, dst *int64) {
	s, set, ok := d.scalar(f.value, f.path, f.line, "a size")
	if !set || !ok {
		return
	}
	v, err := ParseSize(s)
	if err != nil {
		d.errorf(f.line, f.path, "invalid size %q: %v", s, err)
		return
	}
	if v <= 0 {
		d.errorf(f.line, f.path, "must be more than 0 bytes")
		return
	}
	*dst = v
}

// positive reports a value below 1.
func (d *decoder) positive(f field, v int) {
	if v < 1 {
		d.errorf(f.line, f.path, "must be at least 1, got %d", v)
	}
}

func (d *decoder) url(s, key string, ln int) {
	u, err := url.Parse(s)
	if err != nil {
		d.errorf(ln, key, "invalid URL %q: %v", s, errors.Unwrap(err))
		return
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		d.errorf(ln, key, "invalid URL %q: must be an absolute http or https URL", s)
	}
}

func (d *decoder) urls(n ast.Node, path string, ln int) []string {
	items := d.strItems(n, path, ln)
	for _, it := range items {
		d.url(it.s, it.key, it.line)
	}
	return strs(items)
}

func (d *decoder) selector(s, key string, ln int) {
	if s == "" {
		return
	}
	if _, err := cascadia.Compile(s); err != nil {
		d.errorf(ln, key, "invalid CSS selector %q: %v", s, err)
	}
}

var (
	topKeys     = []string{"archive", "user_agent", "concurrency", "per_host", "respect_robots", "timeout", "lock_timeout", "max_page_bytes", "max_asset_bytes", "sources", "export"}
	perHostKeys = []string{"parallelism", "delay"}
	sourceKeys  = []string{"name", "categories", "author", "schedule", "timezone", "recheck", "feeds", "sitemaps", "listings", "article"}
	recheckKeys = []string{"after", "max_interval", "stop_after"}
	listingKeys = []string{"url", "links", "next", "max_pages"}
	articleKeys = []string{"match", "title", "body", "author", "date", "remove"}
	exportKeys  = []string{"hexo", "hugo", "json", "warc"}
	hexoKeys    = []string{"out", "images", "date", "timezone", "categories"}
	hugoKeys    = []string{"out", "images"}
	outKeys     = []string{"out"}
)

func (d *decoder) config(n ast.Node, c *Config) {
	fs, ok := d.fields(n, "", line(n), 0)
	if !ok {
		return
	}
	for _, f := range fs {
		switch f.key {
		case "archive":
			if d.str(f, &c.Archive) && c.Archive == "" {
				d.errorf(f.line, f.path, "must not be empty")
			}
		case "user_agent":
			if d.str(f, &c.UserAgent) && strings.TrimSpace(c.UserAgent) == "" {
				d.errorf(f.line, f.path, "must not be empty")
			}
		case "concurrency":
			if d.integer(f, &c.Concurrency) {
				d.positive(f, c.Concurrency)
			}
		case "per_host":
			d.perHost(f, &c.PerHost)
		case "respect_robots":
			d.boolean(f, &c.RespectRobots)
		case "timeout":
			if d.duration(f, &c.Timeout) && c.Timeout <= 0 {
				d.errorf(f.line, f.path, "must be more than 0")
			}
		case "lock_timeout":
			if d.duration(f, &c.LockTimeout) && c.LockTimeout <= 0 {
				d.errorf(f.line, f.path, "must be more than 0")
			}
		case "max_page_bytes":
			d.size(f, &c.MaxPageBytes)
		case "max_asset_bytes":
			d.size(f, &c.MaxAssetBytes)
		case "sources":
			c.sourcesLine = f.line
			c.Sources = d.sources(f)
		case "export":
			d.export(f, &c.Export)
		default:
			if strings.HasPrefix(f.key, "x-") {
				continue // extension keys hold YAML anchors for reuse
			}
			d.unknown(f, topKeys)
		}
	}
}

func (d *decoder) perHost(parent field, p *PerHost) {
	fs, _ := d.fields(parent.value, parent.path, parent.line, 0)
	for _, f := range fs {
		switch f.key {
		case "parallelism":
			if d.integer(f, &p.Parallelism) {
				d.positive(f, p.Parallelism)
			}
		case "delay":
			d.duration(f, &p.Delay)
		default:
			d.unknown(f, perHostKeys)
		}
	}
}

func (d *decoder) export(parent field, e *Export) {
	fs, _ := d.fields(parent.value, parent.path, parent.line, 0)
	for _, f := range fs {
		switch f.key {
		case "hexo":
			hs, _ := d.fields(f.value, f.path, f.line, 0)
			for _, h := range hs {
				switch h.key {
				case "out":
					d.out(h, &e.Hexo.Out)
				case "images":
					d.images(h, &e.Hexo.Images)
				case "date":
					if d.str(h, &e.Hexo.Date) && e.Hexo.Date != "rfc1123" && e.Hexo.Date != "local" {
						d.errorf(h.line, h.path, "must be rfc1123 or local, not %q", e.Hexo.Date)
					}
				case "timezone":
					if d.str(h, &e.Hexo.Timezone) {
						if _, err := time.LoadLocation(e.Hexo.Timezone); err != nil || e.Hexo.Timezone == "" {
							d.errorf(h.line, h.path, "unknown time zone %q (want an IANA name such as Asia/Shanghai)", e.Hexo.Timezone)
						}
					}
				case "categories":
					if d.str(h, &e.Hexo.Categories) && e.Hexo.Categories != "hierarchy" && e.Hexo.Categories != "siblings" {
						d.errorf(h.line, h.path, "must be hierarchy or siblings, not %q", e.Hexo.Categories)
					}
				default:
					d.unknown(h, hexoKeys)
				}
			}
		case "hugo":
			hs, _ := d.fields(f.value, f.path, f.line, 0)
			for _, h := range hs {
				switch h.key {
				case "out":
					d.out(h, &e.Hugo.Out)
				case "images":
					d.images(h, &e.Hugo.Images)
				default:
					d.unknown(h, hugoKeys)
				}
			}
		case "json", "warc":
			dst := &e.JSON.Out
			if f.key == "warc" {
				dst = &e.WARC.Out
			}
			hs, _ := d.fields(f.value, f.path, f.line, 0)
			for _, h := range hs {
				switch h.key {
				case "out":
					d.out(h, dst)
				default:
					d.unknown(h, outKeys)
				}
			}
		default:
			d.unknown(f, exportKeys)
		}
	}
}

// out decodes an export output directory.
func (d *decoder) out(f field, dst *string) {
	if d.str(f, dst) && *dst == "" {
		d.errorf(f.line, f.path, "must not be empty")
	}
}

// images decodes an image mode: remote, local or a {url} template.
func (d *decoder) images(f field, dst *string) {
	if d.str(f, dst) {
		switch img := *dst; {
		case img == "remote", img == "local", strings.Contains(img, "{url}"):
		default:
			d.errorf(f.line, f.path, "must be remote, local or a template containing {url}, not %q", img)
		}
	}
}

func (d *decoder) sources(f field) []Source {
	n := d.resolve(f.value, f.path)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return nil
	case *ast.SequenceNode:
		if d.tooMany(len(v.Values), f.line, f.path) {
			return nil
		}
		out := make([]Source, 0, len(v.Values))
		names := map[string]int{}
		for i, item := range v.Values {
			path := index(f.path, i)
			ln := line(d.resolve(item, path))
			if ln == 0 {
				ln = f.line
			}
			s, nameLine := d.source(item, path, ln)
			if s.Name != "" && sourceNameRE.MatchString(s.Name) {
				if first, dup := names[s.Name]; dup {
					d.errorf(nameLine, join(path, "name"), "duplicate source name %q (first at line %d)", s.Name, first)
				} else {
					names[s.Name] = nameLine
				}
			}
			out = append(out, s)
		}
		if len(out) == 0 {
			return nil
		}
		return out
	default:
		d.errorf(f.line, f.path, "must be a list of sources, not a %s", kind(n))
		return nil
	}
}

// source decodes one entry of sources; it returns the line of its name key.
func (d *decoder) source(n ast.Node, path string, ln int) (Source, int) {
	s := Source{Timezone: DefaultTimezone, Recheck: DefaultRecheck()}
	nameLine, tzLine := ln, ln
	discoveryErr := false // a feeds, sitemaps or listings key was present but wrong
	fs, ok := d.fields(n, path, ln, 0)
	if !ok {
		return s, nameLine
	}
	for _, f := range fs {
		switch f.key {
		case "name":
			nameLine = f.line
			d.str(f, &s.Name)
		case "categories":
			s.Categories = d.strList(f.value, f.path, f.line)
		case "author":
			d.str(f, &s.Author)
		case "schedule":
			if d.str(f, &s.Schedule) {
				d.schedule(s.Schedule, f)
			}
		case "timezone":
			tzLine = f.line
			d.str(f, &s.Timezone)
		case "recheck":
			d.recheck(f, &s.Recheck)
		case "feeds":
			n := len(d.errs)
			s.Feeds = d.urls(f.value, f.path, f.line)
			discoveryErr = discoveryErr || len(d.errs) > n
		case "sitemaps":
			n := len(d.errs)
			s.Sitemaps = d.urls(f.value, f.path, f.line)
			discoveryErr = discoveryErr || len(d.errs) > n
		case "listings":
			n := len(d.errs)
			s.Listings = d.listings(f)
			discoveryErr = discoveryErr || len(d.errs) > n
		case "article":
			d.article(f, &s.Article)
		default:
			d.unknown(f, sourceKeys)
		}
	}
	switch {
	case s.Name == "":
		d.errorf(nameLine, join(path, "name"), "required: a name made of letters, digits, - and _")
	case !sourceNameRE.MatchString(s.Name):
		d.errorf(nameLine, join(path, "name"), "invalid name %q: use only letters, digits, - and _", s.Name)
	}
	if s.Timezone == "" {
		s.Timezone = DefaultTimezone
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil || s.Timezone == "Local" {
		d.errorf(tzLine, join(path, "timezone"), "unknown time zone %q (use an IANA name such as Asia/Shanghai or UTC)", s.Timezone)
	}
	s.Location = loc
	if len(s.Feeds) == 0 && len(s.Sitemaps) == 0 && len(s.Listings) == 0 && !discoveryErr {
		d.errorf(ln, path, "source needs at least one of feeds, sitemaps or listings")
	}
	return s, nameLine
}

func (d *decoder) schedule(spec string, f field) {
	t := strings.TrimSpace(spec)
	if t == "" {
		return
	}
	if strings.HasPrefix(t, "TZ=") || strings.HasPrefix(t, "CRON_TZ=") {
		d.errorf(f.line, f.path, "invalid cron expression %q: set the source's timezone instead of a TZ= prefix", spec)
		return
	}
	if err := parseCron(t); err != nil {
		d.errorf(f.line, f.path, "invalid cron expression %q: %v", spec, err)
	}
}

func (d *decoder) recheck(parent field, r *Recheck) {
	fs, _ := d.fields(parent.value, parent.path, parent.line, 0)
	var maxField field
	for _, f := range fs {
		switch f.key {
		case "after":
			d.duration(f, &r.After)
		case "max_interval":
			maxField = f
			d.duration(f, &r.MaxInterval)
		case "stop_after":
			d.duration(f, &r.StopAfter)
		default:
			d.unknown(f, recheckKeys)
		}
	}
	if r.MaxInterval < r.After {
		ln, key := parent.line, join(parent.path, "max_interval")
		if maxField.path != "" {
			ln = maxField.line
		}
		d.errorf(ln, key, "must not be shorter than recheck.after (%v)", r.After)
	}
}

func (d *decoder) listings(f field) []Listing {
	n := d.resolve(f.value, f.path)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return nil
	case *ast.SequenceNode:
		if d.tooMany(len(v.Values), f.line, f.path) {
			return nil
		}
		out := make([]Listing, 0, len(v.Values))
		for i, item := range v.Values {
			path := index(f.path, i)
			ln := line(d.resolve(item, path))
			if ln == 0 {
				ln = f.line
			}
			out = append(out, d.listing(item, path, ln))
		}
		if len(out) == 0 {
			return nil
		}
		return out
	default:
		d.errorf(f.line, f.path, "must be a list of listings, not a %s", kind(n))
		return nil
	}
}

func (d *decoder) listing(n ast.Node, path string, ln int) Listing {
	var l Listing
	fs, ok := d.fields(n, path, ln, 0)
	if !ok {
		return l
	}
	urlSet := false
	for _, f := range fs {
		switch f.key {
		case "url":
			if d.str(f, &l.URL) {
				urlSet = true
				d.url(l.URL, f.path, f.line)
			}
		case "links":
			d.str(f, &l.Links)
			d.selector(l.Links, f.path, f.line)
		case "next":
			d.str(f, &l.Next)
			d.selector(l.Next, f.path, f.line)
		case "max_pages":
			if d.integer(f, &l.MaxPages) && l.MaxPages < 0 {
				d.errorf(f.line, f.path, "must not be negative")
			}
		default:
			d.unknown(f, listingKeys)
		}
	}
	if !urlSet {
		d.errorf(ln, join(path, "url"), "required")
	}
	if l.MaxPages == 0 {
		l.MaxPages = DefaultListingPages
	}
	return l
}

func (d *decoder) article(parent field, a *Article) {
	fs, _ := d.fields(parent.value, parent.path, parent.line, 0)
	for _, f := range fs {
		switch f.key {
		case "match":
			if d.str(f, &a.Match) && a.Match != "" {
				re, err := regexp.Compile(a.Match)
				if err != nil {
					msg := err.Error()
					var se *syntax.Error
					if errors.As(err, &se) {
						msg = fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
					}
					d.errorf(f.line, f.path, "invalid regexp %q: %s", a.Match, msg)
				}
				a.MatchRE = re
			}
		case "title":
			d.str(f, &a.Title)
			d.selector(a.Title, f.path, f.line)
		case "body":
			d.str(f, &a.Body)
			d.selector(a.Body, f.path, f.line)
		case "author":
			d.str(f, &a.Author)
			d.selector(a.Author, f.path, f.line)
		case "date":
			d.str(f, &a.Date)
			d.selector(a.Date, f.path, f.line)
		case "remove":
			items := d.strItems(f.value, f.path, f.line)
			for _, it := range items {
				d.selector(it.s, it.key, it.line)
			}
			a.Remove = strs(items)
		default:
			d.unknown(f, articleKeys)
		}
	}
}
