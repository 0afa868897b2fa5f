package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/chronicle-archive/chronicle/archive"
)

// Reader is what export needs from an archive; *archive.Store implements it.
// Errors from Snapshot and Asset (including archive.ErrCorrupt) abort the
// export: nothing is skipped silently.
type Reader interface {
	Articles(ctx context.Context) ([]archive.ArticleInfo, error)
	Snapshot(id archive.ID, version int) (*archive.Snapshot, error)
	Asset(sha archive.ID) ([]byte, archive.AssetInfo, error)
}

// SourceMeta is what the configuration says about a source, for the front
// matter.
type SourceMeta struct {
	Categories []string // written as the post's categories
	Author     string   // used when the page names no author
}

// Image modes for HexoOptions.Images; any other value must contain "{url}".
const (
	ImagesRemote = "remote"
	ImagesLocal  = "local"
)

// HexoOptions configure Hexo.
type HexoOptions struct {
	Out string // directory the posts are written to (created if missing)
	// Images is "remote" (default when empty), "local", or a template
	// containing "{url}", such as "https://proxy.example/?{url}".
	Images      string
	Sources     map[string]SourceMeta // per source name
	Only        []string              // source names to export; empty exports all
	Since       time.Time             // export only articles last seen at or after Since; zero = all
	AllVersions bool                  // one file per version (name, name-v2, ...) instead of the latest only
	// Date is the style of the front matter date: DateRFC1123 (the default:
	// "Sat, 20 Nov 2021 04:27:24 GMT", as the seed post) or DateLocal
	// ("2021-11-20 12:27:24", wall-clock time in Location). Hexo reads an
	// RFC 1123 date as an instant and then shifts it by the site's timezone
	// setting; a local date is read in that timezone, so with Location set
	// to the site's timezone every post shows the right time.
	Date     string
	Location *time.Location // zone of DateLocal dates; nil means UTC
	// Categories is CategoriesHierarchy (the default: the list is one
	// nested path, parent first, as Hexo reads a plain list) or
	// CategoriesSiblings (each category on its own: [[a], [b]]).
	Categories string
	Logger     zerolog.Logger
}

// Date styles and category modes for HexoOptions.
const (
	DateRFC1123         = "rfc1123"
	DateLocal           = "local"
	CategoriesHierarchy = "hierarchy"
	CategoriesSiblings  = "siblings"
)

// Stats counts what Hexo did.
type Stats struct {
	Written   int // post files created or rewritten
	Unchanged int // post files whose bytes were already up to date
	Assets    int // asset files copied (local image mode)
	Records   int // records written into a single-file export (json, warc)
}

// Hexo writes the articles of r as Hexo posts into opts.Out; see the package
// documentation for the layout. It rewrites only files whose content changed
// and records what it wrote in Out's manifest, which it saves even when it
// fails part way.
func Hexo(ctx context.Context, r Reader, opts HexoOptions) (st Stats, err error) {
	if opts.Out == "" {
		return st, fmt.Errorf("hexo export: no output directory")
	}
	mode, err := imageMode(opts.Images)
	if err != nil {
		return st, fmt.Errorf("hexo export: %w", err)
	}
	switch opts.Date {
	case "", DateRFC1123, DateLocal:
	default:
		return st, fmt.Errorf("hexo export: date %q: want rfc1123 or local", opts.Date)
	}
	switch opts.Categories {
	case "", CategoriesHierarchy, CategoriesSiblings:
	default:
		return st, fmt.Errorf("hexo export: categories %q: want hierarchy or siblings", opts.Categories)
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return st, fmt.Errorf("hexo export: output directory %s: %w", opts.Out, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return st, fmt.Errorf("hexo export: %w", err)
	}
	man, err := loadManifest(out, "hexo")
	if err != nil {
		return st, fmt.Errorf("hexo export: %w", err)
	}
	infos, err := r.Articles(ctx)
	if err != nil {
		return st, fmt.Errorf("hexo export: list articles: %w", err)
	}
	sortArticles(infos)

	e := &hexoExport{
		r: r, opts: opts, mode: mode, out: out, man: man,
		names: newNamer(man), log: opts.Logger,
		prefix: localPrefix(out), copied: map[archive.ID]string{},
	}
	defer func() {
		if !e.dirty {
			return
		}
		if serr := man.save(out); serr != nil && err == nil {
			err = fmt.Errorf("hexo export: %w", serr)
		}
	}()
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return e.stats, err
		}
		if !e.wanted(info) {
			continue
		}
		if err := e.article(info); err != nil {
			return e.stats, fmt.Errorf("hexo export: article %s (%s): %w", info.ID, info.URL, err)
		}
	}
	return e.stats, nil
}

type hexoExport struct {
	r      Reader
	opts   HexoOptions
	mode   string
	out    string
	man    *manifest
	names  *namer
	log    zerolog.Logger
	prefix string                // link prefix of local images
	copied map[archive.ID]string // asset -> link, for this run
	stats  Stats
	dirty  bool // the manifest changed
}

func (e *hexoExport) wanted(info archive.ArticleInfo) bool {
	return wanted(info, e.opts.Only, e.opts.Since)
}

// wanted reports whether an article passes the source and time filters.
func wanted(info archive.ArticleInfo, only []string, since time.Time) bool {
	if len(only) > 0 && !slices.Contains(only, info.Source) {
		return false
	}
	if !since.IsZero() {
		seen := info.LastSeen
		if seen.IsZero() {
			seen = info.FirstSeen
		}
		if seen.Before(since) {
			return false
		}
	}
	return true
}

// versionsOf lists the versions to export of an article: 0 (the latest)
// or every version.
func versionsOf(info archive.ArticleInfo, all bool) []int {
	if !all {
		return []int{0}
	}
	var vs []int
	for v := 1; v <= info.Versions; v++ {
		vs = append(vs, v)
	}
	return vs
}

// sortArticles orders articles by first sighting, then URL: a stable order
// that gives older articles the plain file names.
func sortArticles(infos []archive.ArticleInfo) {
	slices.SortStableFunc(infos, func(a, b archive.ArticleInfo) int {
		if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
			return c
		}
		return strings.Compare(a.URL, b.URL)
	})
}

func (e *hexoExport) article(info archive.ArticleInfo) error {
	for _, v := range versionsOf(info, e.opts.AllVersions) {
		snap, err := e.r.Snapshot(info.ID, v)
		if err != nil {
			return fmt.Errorf("version %d: %w", v, err)
		}
		data, err := e.render(info, snap)
		if err != nil {
			return fmt.Errorf("version %d: %w", snap.Version, err)
		}
		key := "latest"
		if v > 0 {
			key = "v" + strconv.Itoa(v)
		}
		if err := e.write(info, snap, key, v, data); err != nil {
			return fmt.Errorf("version %d: %w", snap.Version, err)
		}
	}
	return nil
}

// render builds the post's bytes.
func (e *hexoExport) render(info archive.ArticleInfo, snap *archive.Snapshot) ([]byte, error) {
	c := snap.Content
	src := snap.Source
	if src == "" {
		src = info.Source
	}
	meta := e.opts.Sources[src]

	links := map[string]string{} // original URL -> URL to write
	if e.mode == ImagesLocal {
		for _, ref := range snap.Assets {
			if _, done := links[ref.URL]; done {
				continue
			}
			link, err := e.copyAsset(ref)
			if err != nil {
				return nil, err
			}
			links[ref.URL] = link
		}
	}
	link := func(u string) string {
		switch {
		case u == "":
			return u
		case e.mode == ImagesLocal:
			if l, ok := links[u]; ok {
				return l
			}
			return u
		case e.mode == ImagesRemote:
			return u
		default:
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return u
			}
			return strings.ReplaceAll(e.mode, "{url}", u)
		}
	}

	title := c.Title
	if strings.TrimSpace(title) == "" {
		title = info.Title
	}
	if strings.TrimSpace(title) == "" {
		title = info.URL
	}
	author := c.Author
	if strings.TrimSpace(author) == "" {
		author = meta.Author
	}
	date := c.Published
	if date.IsZero() {
		date = info.FirstSeen
	}
	if date.IsZero() {
		date = snap.FetchedAt
	}
	lead := link(c.LeadImage)
	fm := frontMatter{
		Title: title, Categories: meta.Categories, HeadImg: lead,
		Author: author, Date: date, Thumbnail: lead,
		Siblings: e.opts.Categories == CategoriesSiblings,
	}
	if e.opts.Date == DateLocal {
		fm.Location = e.opts.Location
		if fm.Location == nil {
			fm.Location = time.UTC
		}
	}
	var b strings.Builder
	fm.render(&b)
	b.WriteString("\n{% raw %}\n")
	b.WriteString(hexoBody(rewriteImages(c.BodyHTML, link)))
	b.WriteString("{% endraw %}\n")
	return []byte(b.String()), nil
}

// copyAsset copies one asset into Out/images once and returns its link.
func (e *hexoExport) copyAsset(ref archive.AssetRef) (string, error) {
	if l, ok := e.copied[ref.SHA]; ok {
		return l, nil
	}
	key := ref.SHA.String()
	if a, ok := e.man.Assets[key]; ok && strings.HasPrefix(a.Name, imagesDir+"/") && regularSize(e.out, a.Name) == a.Size {
		l := e.prefix + strings.TrimPrefix(a.Name, imagesDir+"/")
		e.copied[ref.SHA] = l
		return l, nil
	}
	data, info, err := e.r.Asset(ref.SHA)
	if err != nil {
		return "", fmt.Errorf("asset %s (%s): %w", ref.SHA, ref.URL, err)
	}
	if sha256.Sum256(data) != ref.SHA {
		return "", fmt.Errorf("asset %s (%s): bytes do not match their hash", ref.SHA, ref.URL)
	}
	file := ref.SHA.Short() + assetExt(info.ContentType, data)
	name := imagesDir + "/" + file
	if sum, ok := fileHash(e.out, name); !ok || sum != ref.SHA {
		if err := os.MkdirAll(filepath.Join(e.out, imagesDir), 0o755); err != nil {
			return "", fmt.Errorf("asset %s: %w", ref.SHA, err)
		}
		if err := writeAtomic(e.out, name, data); err != nil {
			return "", fmt.Errorf("asset %s: %w", ref.SHA, err)
		}
		e.stats.Assets++
		e.log.Debug().Str("asset", name).Str("url", ref.URL).Msg("asset copied")
	}
	e.man.Assets[key] = manifestAsset{Name: name, Size: int64(len(data))}
	e.dirty = true
	l := e.prefix + file
	e.copied[ref.SHA] = l
	return l, nil
}

// write stores data under the article's stable file name for key, unless the
// file already holds it.
func (e *hexoExport) write(info archive.ArticleInfo, snap *archive.Snapshot, key string, v int, data []byte) error {
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	id := info.ID.String()
	art := e.man.Articles[id]
	if art == nil {
		stem, err := e.newStem(info, snap, data)
		if err != nil {
			return err
		}
		art = &manifestArticle{Stem: stem, Files: map[string]manifestFile{}}
		e.man.Articles[id] = art
		e.dirty = true
	}
	entry, known := art.Files[key]
	if !known {
		name := art.Stem + ".md"
		if v > 1 {
			name = art.Stem + "-v" + strconv.Itoa(v) + ".md"
		}
		exists, same, err := sameContent(e.out, name, data)
		if err != nil {
			return err
		}
		if exists && !same && !e.ownsName(art, name) {
			// Someone else's file: never overwrite it.
			name = strings.TrimSuffix(name, ".md") + "-" + info.ID.Short() + ".md"
		}
		entry = manifestFile{Name: name}
	}
	if entry.SHA256 == hash && regularSize(e.out, entry.Name) == int64(len(data)) {
		e.stats.Unchanged++
		return nil
	}
	if _, same, err := sameContent(e.out, entry.Name, data); err != nil {
		return err
	} else if !same {
		if err := writeAtomic(e.out, entry.Name, data); err != nil {
			return err
		}
		e.stats.Written++
		e.log.Debug().Str("file", entry.Name).Str("article", info.ID.Short()).Int("version", snap.Version).Msg("post written")
	} else {
		e.stats.Unchanged++
	}
	entry.SHA256 = hash
	art.Files[key] = entry
	e.dirty = true
	return nil
}

// ownsName reports whether another key of the same article already uses name.
func (e *hexoExport) ownsName(art *manifestArticle, name string) bool {
	for _, f := range art.Files {
		if f.Name == name {
			return true
		}
	}
	return false
}

// newStem picks the file-name stem of an article exported for the first
// time: the slug of its title, else its short ID; on a collision with another
// article or with a foreign file in Out, the short ID is appended.
func (e *hexoExport) newStem(info archive.ArticleInfo, snap *archive.Snapshot, first []byte) (string, error) {
	title := snap.Content.Title
	if strings.TrimSpace(title) == "" {
		title = info.Title
	}
	base := Slug(title)
	if base == "" {
		base = info.ID.Short()
	}
	for _, stem := range []string{base, base + "-" + info.ID.Short(), info.ID.String()} {
		if !e.names.free(stem) {
			continue
		}
		exists, same, err := sameContent(e.out, stem+".md", first)
		if err != nil {
			return "", err
		}
		if exists && !same {
			continue
		}
		e.names.add(stem)
		return stem, nil
	}
	return "", fmt.Errorf("no free file name for %q", title)
}

// localPrefix is the link prefix of images copied to out/images: the site
// path when out lies inside a Hexo source directory, else relative.
func localPrefix(out string) string {
	els := strings.Split(filepath.ToSlash(out), "/")
	for i := len(els) - 1; i >= 0; i-- {
		if els[i] != "source" {
			continue
		}
		var b strings.Builder
		b.WriteString("/")
		for _, el := range els[i+1:] {
			if el == "" {
				continue
			}
			b.WriteString(url.PathEscape(el) + "/")
		}
		return b.String() + imagesDir + "/"
	}
	return imagesDir + "/"
}
