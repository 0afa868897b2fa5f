package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/rs/zerolog"

	"github.com/chronicle-archive/chronicle/archive"
)

// HugoPosts is where Hugo writes page bundles, relative to HugoOptions.Out.
const HugoPosts = "content/posts"

// HugoOptions configure Hugo.
type HugoOptions struct {
	Out         string                // the Hugo site directory
	Images      string                // as HexoOptions.Images; local copies images into each bundle
	Sources     map[string]SourceMeta // per source name
	Only        []string              // source names to export; empty exports all
	Since       time.Time             // articles last seen at or after Since; zero = all
	AllVersions bool                  // one bundle per version (slug, slug-v2, ...)
	Logger      zerolog.Logger
}

// Hugo writes each article as a Hugo page bundle,
// Out/content/posts/<slug>/index.md, with YAML front matter (title, date in
// RFC 3339, categories from the source's config, tags from the page's own
// categories, author, images: the lead image) and the body converted from
// the cleaned HTML to CommonMark by html-to-markdown. Video embeds (iframe,
// video) are kept as raw HTML: Hugo shows them only with
// markup.goldmark.renderer.unsafe set to true. "{{<" and "{{%" in article
// text are broken up with a character reference so Hugo never runs them as
// shortcodes. In local image mode each image is copied into the bundle,
// named by its SHA-256 prefix, and linked by that bare name. Bundle names
// are stable and recorded, as for Hexo, in Out/.chronicle-export.json; only
// changed files are rewritten.
func Hugo(ctx context.Context, r Reader, opts HugoOptions) (st Stats, err error) {
	if opts.Out == "" {
		return st, fmt.Errorf("hugo export: no output directory")
	}
	mode, err := imageMode(opts.Images)
	if err != nil {
		return st, fmt.Errorf("hugo export: %w", err)
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return st, fmt.Errorf("hugo export: output directory %s: %w", opts.Out, err)
	}
	if err := os.MkdirAll(filepath.Join(out, filepath.FromSlash(HugoPosts)), 0o755); err != nil {
		return st, fmt.Errorf("hugo export: %w", err)
	}
	man, err := loadManifest(out, "hugo")
	if err != nil {
		return st, fmt.Errorf("hugo export: %w", err)
	}
	infos, err := r.Articles(ctx)
	if err != nil {
		return st, fmt.Errorf("hugo export: list articles: %w", err)
	}
	sortArticles(infos)
	e := &hugoExport{r: r, opts: opts, mode: mode, out: out, man: man, names: newNamer(man), conv: newMarkdownConverter()}
	defer func() {
		if !e.dirty {
			return
		}
		if serr := man.save(out); serr != nil && err == nil {
			err = fmt.Errorf("hugo export: %w", serr)
		}
	}()
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return e.stats, err
		}
		if !wanted(info, opts.Only, opts.Since) {
			continue
		}
		for _, v := range versionsOf(info, opts.AllVersions) {
			if err := e.version(info, v); err != nil {
				return e.stats, fmt.Errorf("hugo export: article %s (%s) version %d: %w", info.ID, info.URL, v, err)
			}
		}
	}
	return e.stats, nil
}

type hugoExport struct {
	r     Reader
	opts  HugoOptions
	mode  string
	out   string
	man   *manifest
	names *namer
	conv  *converter.Converter
	stats Stats
	dirty bool
}

// newMarkdownConverter is html-to-markdown's CommonMark converter, keeping
// iframes and videos as raw HTML.
func newMarkdownConverter() *converter.Converter {
	conv := converter.NewConverter(converter.WithPlugins(base.NewBasePlugin(), commonmark.NewCommonmarkPlugin()))
	for _, tag := range []string{"iframe", "video"} {
		conv.Register.TagType(tag, converter.TagTypeBlock, converter.PriorityEarly)
		conv.Register.RendererFor(tag, converter.TagTypeBlock, base.RenderAsHTML, converter.PriorityEarly)
	}
	return conv
}

func (e *hugoExport) version(info archive.ArticleInfo, v int) error {
	snap, err := e.r.Snapshot(info.ID, v)
	if err != nil {
		return err
	}
	id := info.ID.String()
	art := e.man.Articles[id]
	if art == nil {
		stem, err := e.newStem(info, snap)
		if err != nil {
			return err
		}
		art = &manifestArticle{Stem: stem, Files: map[string]manifestFile{}}
		e.man.Articles[id] = art
		e.dirty = true
	}
	key, bundle := "latest", art.Stem
	if v > 0 {
		key = "v" + strconv.Itoa(v)
	}
	if v > 1 {
		bundle = art.Stem + "-v" + strconv.Itoa(v)
	}
	dir := HugoPosts + "/" + bundle
	data, err := e.render(info, snap, dir)
	if err != nil {
		return err
	}
	name := dir + "/index.md"
	sum := sha256.Sum256(data)
	if entry, ok := art.Files[key]; ok && entry.Name == name && entry.SHA256 == hex.EncodeToString(sum[:]) && regularSize(e.out, name) == int64(len(data)) {
		e.stats.Unchanged++
		return nil
	}
	if _, same, err := sameContent(e.out, name, data); err != nil {
		return err
	} else if same {
		e.stats.Unchanged++
	} else {
		if err := os.MkdirAll(filepath.Join(e.out, filepath.FromSlash(dir)), 0o755); err != nil {
			return err
		}
		if err := writeAtomic(e.out, name, data); err != nil {
			return err
		}
		e.stats.Written++
	}
	art.Files[key] = manifestFile{Name: name, SHA256: hex.EncodeToString(sum[:])}
	e.dirty = true
	return nil
}

// newStem picks a bundle name for an article exported for the first time:
// the slug of its title, else its short ID, avoiding bundles that exist.
func (e *hugoExport) newStem(info archive.ArticleInfo, snap *archive.Snapshot) (string, error) {
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
		if _, err := os.Lstat(filepath.Join(e.out, filepath.FromSlash(HugoPosts), stem)); err == nil {
			continue // someone else's bundle
		}
		e.names.add(stem)
		return stem, nil
	}
	return "", fmt.Errorf("no free bundle name for %q", title)
}

func (e *hugoExport) render(info archive.ArticleInfo, snap *archive.Snapshot, dir string) ([]byte, error) {
	c := snap.Content
	src := snap.Source
	if src == "" {
		src = info.Source
	}
	meta := e.opts.Sources[src]
	links := map[string]string{}
	if e.mode == ImagesLocal {
		for _, ref := range snap.Assets {
			if _, done := links[ref.URL]; done {
				continue
			}
			file, err := e.copyAsset(dir, ref)
			if err != nil {
				return nil, err
			}
			links[ref.URL] = file
		}
	}
	link := imageLinker(e.mode, links)
	title := firstNonBlank(c.Title, info.Title, info.URL)
	author := firstNonBlank(c.Author, meta.Author)
	date := c.Published
	if date.IsZero() {
		date = info.FirstSeen
	}
	if date.IsZero() {
		date = snap.FetchedAt
	}
	var b strings.Builder
	b.WriteString("---\n")
	b.WriteString("title: " + yamlQuote(title) + "\n")
	b.WriteString("date: " + date.UTC().Format(time.RFC3339) + "\n")
	b.WriteString("categories: " + yamlList(meta.Categories) + "\n")
	b.WriteString("tags: " + yamlList(c.Categories) + "\n")
	b.WriteString("author: " + yamlQuote(author) + "\n")
	var images []string
	if lead := link(c.LeadImage); lead != "" {
		images = append(images, lead)
	}
	b.WriteString("images: " + yamlList(images) + "\n")
	b.WriteString("---\n\n")
	md, err := e.conv.ConvertString(rewriteImages(c.BodyHTML, link))
	if err != nil {
		return nil, fmt.Errorf("convert body to Markdown: %w", err)
	}
	md = strings.NewReplacer("{{<", "{&#123;<", "{{%", "{&#123;%").Replace(md)
	b.WriteString(strings.TrimSpace(md))
	b.WriteString("\n")
	return []byte(b.String()), nil
}

// copyAsset copies an asset into the bundle dir and returns its file name.
func (e *hugoExport) copyAsset(dir string, ref archive.AssetRef) (string, error) {
	key := dir + "/" + ref.SHA.String()
	if a, ok := e.man.Assets[key]; ok && strings.HasPrefix(a.Name, dir+"/") && regularSize(e.out, a.Name) == a.Size {
		return strings.TrimPrefix(a.Name, dir+"/"), nil
	}
	data, info, err := e.r.Asset(ref.SHA)
	if err != nil {
		return "", fmt.Errorf("asset %s (%s): %w", ref.SHA, ref.URL, err)
	}
	if sha256.Sum256(data) != ref.SHA {
		return "", fmt.Errorf("asset %s (%s): bytes do not match their hash", ref.SHA, ref.URL)
	}
	file := ref.SHA.Short() + assetExt(info.ContentType, data)
	name := dir + "/" + file
	if sum, ok := fileHash(e.out, name); !ok || sum != ref.SHA {
		if err := os.MkdirAll(filepath.Join(e.out, filepath.FromSlash(dir)), 0o755); err != nil {
			return "", err
		}
		if err := writeAtomic(e.out, name, data); err != nil {
			return "", fmt.Errorf("asset %s: %w", ref.SHA, err)
		}
		e.stats.Assets++
	}
	e.man.Assets[key] = manifestAsset{Name: name, Size: int64(len(data))}
	e.dirty = true
	return file, nil
}

// imageLinker returns the function that maps an original image URL to the
// URL written, for an image mode and the local links made.
func imageLinker(mode string, links map[string]string) func(string) string {
	return func(u string) string {
		switch {
		case u == "":
			return u
		case mode == ImagesLocal:
			if l, ok := links[u]; ok {
				return l
			}
			return u
		case mode == ImagesRemote:
			return u
		default:
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return u
			}
			return strings.ReplaceAll(mode, "{url}", u)
		}
	}
}

func firstNonBlank(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// yamlList writes a flow sequence of double-quoted strings.
func yamlList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = yamlQuote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
