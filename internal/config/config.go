package config

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config is the whole of config.yaml, with defaults applied, relative paths
// resolved and every value validated.
type Config struct {
	Path          string // file it was read from ("" for Parse without a name)
	Archive       string // the bbolt archive; relative paths are relative to the config file's directory
	UserAgent     string
	Concurrency   int // fetches in flight, all hosts together (>= 1)
	PerHost       PerHost
	RespectRobots bool
	Timeout       time.Duration // per request (> 0)
	LockTimeout   time.Duration // longest wait for the archive lock (> 0)
	MaxPageBytes  int64
	MaxAssetBytes int64
	Sources       []Source
	Export        Export

	sourcesLine int // line of the sources key, for RequireSources
}

// PerHost is the politeness applied to each host.
type PerHost struct {
	Parallelism int           // requests in flight per host (>= 1)
	Delay       time.Duration // pause between requests to one host
}

// Source is one configured news site.
type Source struct {
	Name       string         // [A-Za-z0-9_-]+, unique
	Categories []string       // copied into exported front matter
	Author     string         // used when a page names none
	Schedule   string         // standard 5-field cron expression or descriptor ("@hourly"); "" = not scheduled
	Timezone   string         // IANA zone for dates without one; default "Asia/Shanghai"
	Location   *time.Location // loaded from Timezone; never nil after Parse
	Recheck    Recheck
	Feeds      []string // RSS or Atom feed URLs (absolute http(s))
	Sitemaps   []string // sitemap or sitemap index URLs (absolute http(s))
	Listings   []Listing
	Article    Article
}

// Recheck says when known articles are fetched again to catch edits: first
// After their first sighting, then less often while unchanged (at most
// MaxInterval apart), never once older than StopAfter.
type Recheck struct {
	After, MaxInterval, StopAfter time.Duration
}

// Listing is a listing page followed for article links.
type Listing struct {
	URL      string // absolute http(s)
	Links    string // CSS selector of article links ("" = every link, filtered by Article.Match)
	Next     string // CSS selector of the next listing page ("" = first page only)
	MaxPages int    // listing pages followed; 5 when left out
}

// Article holds the per-source extraction rules.
type Article struct {
	Match   string         // regexp on the URL: pages that are articles ("" = every discovered link)
	MatchRE *regexp.Regexp // compiled Match; nil when Match is ""
	Title   string         // CSS selectors; "" = generic extraction
	Body    string
	Author  string
	Date    string
	Remove  []string // CSS selectors dropped from the document before anything else
}

// Export holds the settings of the export formats.
type Export struct {
	Hexo Hexo
	Hugo Hugo
	JSON JSONExport
	WARC WARCExport
}

// Hexo configures `export --format hexo`.
type Hexo struct {
	Out    string // posts directory; relative paths are relative to the config file's directory
	Images string // "remote", "local" or a template containing "{url}"
	// Date is the style of the front matter date: "rfc1123" (GMT, as the
	// seed post) or "local" (wall-clock time in Timezone, which Hexo reads in
	// the site's own timezone setting).
	Date string
	// Timezone is the IANA zone of "local" dates; set it to the Hexo site's
	// timezone.
	Timezone string
	// Categories is "hierarchy" (one nested category path, the seed's
	// meaning) or "siblings" (each category on its own).
	Categories string
}

// Hugo configures `export --format hugo`.
type Hugo struct {
	Out    string // the Hugo site directory: posts go to content/posts/<slug>/index.md
	Images string // "remote", "local" or a template containing "{url}"
}

// JSONExport configures `export --format json`.
type JSONExport struct {
	Out string // directory of chronicle.jsonl
}

// WARCExport configures `export --format warc`.
type WARCExport struct {
	Out string // directory of chronicle.warc.gz
}

// Default values.
const (
	DefaultArchive        = "data/chronicle.db"
	DefaultUserAgent      = "chronicle/1.0 (+https://github.com/chronicle-archive/chronicle)"
	DefaultTimezone       = "Asia/Shanghai"
	DefaultListingPages   = 5
	DefaultHexoOut        = "blog/source/_posts"
	DefaultHexoImages     = "remote"
	DefaultHexoDate       = "rfc1123"
	DefaultHexoTimezone   = "UTC"
	DefaultHexoCategories = "hierarchy"
	DefaultHugoOut        = "hugo"
	DefaultJSONOut        = "export"
	DefaultWARCOut        = "export"
	defaultConcurrency    = 8
	defaultMaxPageBytes   = 10 << 20
	defaultMaxAssetBytes  = 20 << 20
)

// Default returns the built-in configuration: what an empty config.yaml
// means (with paths still relative to the working directory).
func Default() Config {
	return Config{
		Archive:       DefaultArchive,
		UserAgent:     DefaultUserAgent,
		Concurrency:   defaultConcurrency,
		PerHost:       PerHost{Parallelism: 2, Delay: 250 * time.Millisecond},
		RespectRobots: true,
		Timeout:       30 * time.Second,
		LockTimeout:   5 * time.Second,
		MaxPageBytes:  defaultMaxPageBytes,
		MaxAssetBytes: defaultMaxAssetBytes,
		Export: Export{
			Hexo: Hexo{Out: DefaultHexoOut, Images: DefaultHexoImages, Date: DefaultHexoDate,
				Timezone: DefaultHexoTimezone, Categories: DefaultHexoCategories},
			Hugo: Hugo{Out: DefaultHugoOut, Images: DefaultHexoImages},
			JSON: JSONExport{Out: DefaultJSONOut},
			WARC: WARCExport{Out: DefaultWARCOut},
		},
	}
}

// DefaultRecheck is the recheck policy of a source that sets none.
func DefaultRecheck() Recheck {
	return Recheck{After: 30 * time.Minute, MaxInterval: 7 * 24 * time.Hour, StopAfter: 90 * 24 * time.Hour}
}

// Load reads and validates the config file at path. A file that cannot be
// read is returned as a wrapped os error (errors.Is(err, fs.ErrNotExist)
// works); a file that is not a valid config yields an *Error or ErrorList.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return parseBytes(b, path)
}

// Parse reads and validates a config from r. name is the file name used in
// errors and to resolve relative paths ("" = relative to the working
// directory). It fails with an *Error, or an ErrorList when there are
// several problems.
func Parse(r io.Reader, name string) (*Config, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", displayName(name), err)
	}
	return parseBytes(b, name)
}

// Source returns the source with the given name.
func (c *Config) Source(name string) (*Source, bool) {
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i], true
		}
	}
	return nil, false
}

// RequireSources returns an *Error when no source is configured; commands
// that crawl call it, commands that only read the archive do not.
func (c *Config) RequireSources() error {
	if len(c.Sources) > 0 {
		return nil
	}
	return &Error{File: c.Path, Line: c.sourcesLine, Key: "sources", Msg: "no sources configured"}
}

// Error is a configuration problem at a place in the file.
type Error struct {
	File string // file name as given to Parse or Load
	Line int    // 1-based; 0 when the problem has no single line
	Key  string // dotted key path, e.g. sources[0].article.match; "" for syntax errors
	Msg  string
}

// Error returns "file:line: key: msg", leaving out the line when it is 0
// and the key when it is empty. A nameless file is called "config".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(displayName(e.File))
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is several configuration problems, sorted by line. errors.As
// with an *Error target finds the first.
type ErrorList []*Error

// Error returns one problem per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap returns the problems for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

var _ interface{ Unwrap() []error } = ErrorList(nil)

func displayName(name string) string {
	if name == "" {
		return "config"
	}
	return name
}
