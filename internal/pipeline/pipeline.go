package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/crawler"
	"github.com/chronicle-archive/chronicle/extract"
	"github.com/chronicle-archive/chronicle/internal/canon"
	"github.com/chronicle-archive/chronicle/internal/config"
)

// maxAssetsPerArticle bounds the images fetched for one article, so a page
// with thousands of <img> cannot turn one article into an unbounded crawl.
const maxAssetsPerArticle = 64

// Summary is the result of one crawl; its JSON form is the `crawl --json`
// contract: the counts a run records in the archive, which define it once.
type Summary struct {
	archive.RunCounts

	// SourcesFailed counts sources none of whose seeds could be read; when
	// it equals Sources the crawl failed as a whole.
	SourcesFailed int `json:"-"`
}

// ErrArchiveFailed stops a crawl: once a write to the archive fails (a full
// disk, a damaged file), every further page would fail the same way.
var ErrArchiveFailed = errors.New("archive write failed, crawl stopped")

// ErrAllSourcesFailed is returned by Crawl when no source could be read at
// all (every listing, feed and sitemap failed).
var ErrAllSourcesFailed = errors.New("every source failed")

// Crawl crawls the named sources of cfg (all when names is empty) once and
// archives what is new or changed into store.
func Crawl(ctx context.Context, cfg *config.Config, store *archive.Store, names []string, log zerolog.Logger) (Summary, error) {
	return CrawlWithProgress(ctx, cfg, store, names, log, nil)
}

// Progress is a crawl's state after one more finished request, for a
// progress display.
type Progress struct {
	Queued int   // article URLs queued so far
	Done   int   // article URLs finished (archived, unchanged or given up on)
	Errors int   // failures so far
	Bytes  int64 // bytes received so far
}

// CrawlWithProgress is Crawl calling progress (when not nil) after every
// finished request; progress must return at once.
func CrawlWithProgress(ctx context.Context, cfg *config.Config, store *archive.Store, names []string, log zerolog.Logger, progress func(Progress)) (Summary, error) {
	start := time.Now()
	sources, err := selectSources(cfg, names)
	if err != nil {
		return Summary{}, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	h := newHandler(store, sources, log, cancel)
	c, err := crawler.New(crawler.Config{
		UserAgent:          cfg.UserAgent,
		Concurrency:        cfg.Concurrency,
		PerHostParallelism: cfg.PerHost.Parallelism,
		PerHostDelay:       cfg.PerHost.Delay,
		RespectRobots:      cfg.RespectRobots,
		Timeout:            cfg.Timeout,
		MaxPageBytes:       cfg.MaxPageBytes,
		MaxAssetBytes:      cfg.MaxAssetBytes,
		Logger:             log,
		Links:              listingLinks,
		State:              h.state(cfg),
		Progress:           crawlerProgress(progress),
	})
	if err != nil {
		return Summary{}, fmt.Errorf("set up crawler: %w", err)
	}
	var specs []crawler.Source
	for _, s := range sources {
		specs = append(specs, crawlerSource(s))
	}
	stats, runErr := c.Run(ctx, specs, h)
	if cause := context.Cause(ctx); errors.Is(cause, ErrArchiveFailed) {
		runErr = cause
	}

	sum := h.summary()
	sum.Sources = len(sources)
	sum.SourcesFailed = stats.SourcesFailed
	sum.PagesFetched = stats.PagesFetched
	sum.Errors += stats.Errors
	sum.DurationMS = time.Since(start).Milliseconds()
	switch {
	case runErr != nil:
		err = runErr
	case sum.Sources > 0 && sum.SourcesFailed == sum.Sources:
		err = ErrAllSourcesFailed
	}
	recordRun(ctx, store, start, sources, sum, err, log)
	return sum, err
}

func crawlerProgress(progress func(Progress)) func(crawler.ProgressEvent) {
	if progress == nil {
		return nil
	}
	return func(e crawler.ProgressEvent) {
		progress(Progress{Queued: e.Queued, Done: e.Done, Errors: e.Errors, Bytes: e.Bytes})
	}
}

func selectSources(cfg *config.Config, names []string) ([]*config.Source, error) {
	if len(names) == 0 {
		out := make([]*config.Source, 0, len(cfg.Sources))
		for i := range cfg.Sources {
			out = append(out, &cfg.Sources[i])
		}
		return out, nil
	}
	var out []*config.Source
	for _, n := range names {
		s, ok := cfg.Source(n)
		if !ok {
			return nil, fmt.Errorf("no source named %q in %s", n, cfg.Path)
		}
		out = append(out, s)
	}
	return out, nil
}

func crawlerSource(s *config.Source) crawler.Source {
	cs := crawler.Source{
		Name:     s.Name,
		Feeds:    s.Feeds,
		Sitemaps: s.Sitemaps,
		Match:    s.Article.MatchRE,
	}
	for _, l := range s.Listings {
		cs.Listings = append(cs.Listings, crawler.Listing{URL: l.URL, Links: l.Links, Next: l.Next, MaxPages: l.MaxPages})
	}
	return cs
}

// listingLinks is the crawler's link finder: the crawler never parses HTML
// itself, extraction does.
func listingLinks(body []byte, contentType string, base *url.URL, selector string) ([]string, error) {
	return extract.Links(extract.Input{Body: body, ContentType: contentType, URL: base}, selector)
}

// RulesFor returns the extraction rules and the zone for dates of a source.
func RulesFor(s *config.Source) (extract.Rules, *time.Location) {
	if s == nil {
		return extract.Rules{}, nil
	}
	return extract.Rules{
		Title:  s.Article.Title,
		Body:   s.Article.Body,
		Author: s.Article.Author,
		Date:   s.Article.Date,
		Remove: s.Article.Remove,
	}, s.Location
}

// handler implements crawler.Handler: one fetched article page in, one
// archive write out. The crawler calls it from several goroutines.
type handler struct {
	store   *archive.Store
	sources map[string]*config.Source
	log     zerolog.Logger
	stop    context.CancelCauseFunc // ends the crawl when the archive fails

	newArticles, updated, unchanged, assetsNew, errs atomic.Int64
	assetsBytes                                      atomic.Int64

	// assetMu serialises downloads of one asset URL so two articles sharing
	// an image fetch it once.
	assetMu sync.Map // url -> *sync.Mutex

	// finished holds the article URLs whose Put or Touch also removed them
	// from the frontier, until the crawler's State.Done for them.
	finished sync.Map // url -> struct{}
}

var _ crawler.Handler = (*handler)(nil)

func newHandler(store *archive.Store, sources []*config.Source, log zerolog.Logger, stop context.CancelCauseFunc) *handler {
	h := &handler{store: store, sources: map[string]*config.Source{}, log: log, stop: stop}
	for _, s := range sources {
		h.sources[s.Name] = s
	}
	return h
}

func (h *handler) summary() Summary {
	return Summary{RunCounts: archive.RunCounts{
		ArticlesNew:       int(h.newArticles.Load()),
		ArticlesUpdated:   int(h.updated.Load()),
		ArticlesUnchanged: int(h.unchanged.Load()),
		AssetsNew:         int(h.assetsNew.Load()),
		AssetsBytes:       h.assetsBytes.Load(),
		Errors:            int(h.errs.Load()),
	}}
}

// Article extracts one fetched page, downloads the images it references and
// archives the result. An error it returns is counted and logged by the
// crawler, which goes on with the next page.
func (h *handler) Article(ctx context.Context, p crawler.Page, f crawler.Fetcher) error {
	log := h.log.With().Str("source", p.Source).Str("url", p.URL).Logger()
	return h.article(ctx, p, f, log)
}

// NotModified records an article whose conditional re-fetch was answered
// 304 as seen again and unchanged (notmodified.go).
func (h *handler) NotModified(ctx context.Context, p crawler.Page) error {
	return h.notModified(ctx, p)
}

func (h *handler) article(ctx context.Context, p crawler.Page, f crawler.Fetcher, log zerolog.Logger) error {
	ct := p.Header.Get("Content-Type")
	if !isHTML(ct, p.Body) {
		return fmt.Errorf("not an HTML page (Content-Type %q)", ct)
	}
	pageURL, err := url.Parse(p.FinalURL)
	if err != nil || p.FinalURL == "" {
		pageURL, err = url.Parse(p.URL)
		if err != nil {
			return fmt.Errorf("parse page url: %w", err)
		}
	}
	rules, loc := RulesFor(h.sources[p.Source])
	art, err := extract.Extract(extract.Input{
		Body:        p.Body,
		ContentType: ct,
		URL:         pageURL,
		FetchedAt:   p.FetchedAt,
		Rules:       rules,
		Location:    loc,
	})
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if why := refusal(art.Title, art.BodyText, p.Body); why != "" {
		return fmt.Errorf("%w: %s", ErrRefused, why)
	}
	// A gallery or a video is an article too: its images and captions (in
	// the HTML, not the text) or its player are the content.
	if strings.TrimSpace(art.BodyText) == "" && len(art.Videos) == 0 && len(art.Images) == 0 {
		return errors.New("no article body found (selectors matched nothing and generic extraction found no text, image or video)")
	}

	refs, fresh := h.assets(ctx, f, art, log)
	capture := archive.Capture{
		URL:       articleURL(fetchedURL(p), art.Canonical),
		Requested: p.URL,
		Source:    p.Source,
		Fetch: archive.Fetch{
			URL:       pageURL.String(),
			FetchedAt: p.FetchedAt,
			Status:    p.Status,
			Header:    p.Header,
			Raw:       p.Body,
		},
		Content:   content(art),
		Assets:    fresh,
		AssetRefs: refs,
	}
	res, err := h.store.Put(ctx, capture, p.URL)
	if err != nil {
		if ctx.Err() == nil {
			h.stop(fmt.Errorf("%w: %s: %w", ErrArchiveFailed, h.store.Path(), err))
		}
		return fmt.Errorf("archive: %w", err)
	}
	switch {
	case res.NewArticle:
		h.newArticles.Add(1)
		log.Debug().Str("id", res.Article.Short()).Msg("new article")
	case res.Changed:
		h.updated.Add(1)
		log.Info().Str("id", res.Article.Short()).Int("version", res.Version).Msg("article changed")
	default:
		h.unchanged.Add(1)
	}
	h.finished.Store(p.URL, struct{}{})
	h.assetsNew.Add(int64(res.AssetsNew))
	h.assetsBytes.Add(res.AssetsBytes)
	return nil
}

// fetchedURL is the canonical form of the URL a page was finally served
// from: a link that redirects to an article is that article, not another.
func fetchedURL(p crawler.Page) string {
	if p.FinalURL != "" {
		if c, err := canon.URL(p.FinalURL); err == nil {
			return c
		}
	}
	return p.URL
}

// articleURL picks the URL that identifies the article: rel=canonical when
// the page gives a usable one, else the URL it was fetched under. A
// canonical is ignored when it points at another site (a page could
// otherwise overwrite any archived article by naming it) or at a site's
// front page (a common misconfiguration that would fold every article into
// one).
func articleURL(fetched, canonical string) string {
	if canonical == "" {
		return fetched
	}
	c, err := canon.URL(canonical)
	if err != nil {
		return fetched
	}
	cu, err := url.Parse(c)
	if err != nil || (cu.Scheme != "http" && cu.Scheme != "https") || !canon.SameSite(fetched, c) {
		return fetched
	}
	if cu.Path == "" || cu.Path == "/" {
		if fu, err := url.Parse(fetched); err == nil && fu.Path != "" && fu.Path != "/" {
			return fetched
		}
	}
	return c
}

// assets returns a reference for every image of the article that is in the
// archive or could be downloaded now, and the bytes of those downloaded.
// A failed image is logged and counted; the article is archived without it.
func (h *handler) assets(ctx context.Context, f crawler.Fetcher, art *extract.Article, log zerolog.Logger) ([]archive.AssetRef, []archive.AssetData) {
	var refs []archive.AssetRef
	var fresh []archive.AssetData
	seen := map[string]bool{}
	urls := assetURLs(art)
	if len(urls) > maxAssetsPerArticle {
		log.Warn().Int("images", len(urls)).Int("archived", maxAssetsPerArticle).Msg("article has more images than are archived per article; the rest stay remote")
	}
	for _, u := range urls {
		if seen[u] || len(seen) >= maxAssetsPerArticle {
			continue
		}
		seen[u] = true
		ref, data, err := h.asset(ctx, f, u)
		if err != nil {
			if ctx.Err() != nil {
				return refs, fresh
			}
			var fe fetchError
			if !errors.As(err, &fe) { // the crawler counts and logs failed fetches itself
				h.errs.Add(1)
				log.Warn().Err(err).Str("asset", u).Msg("image not archived")
			}
			continue
		}
		refs = append(refs, ref)
		if data != nil {
			fresh = append(fresh, *data)
		}
	}
	return refs, fresh
}

func (h *handler) asset(ctx context.Context, f crawler.Fetcher, u string) (archive.AssetRef, *archive.AssetData, error) {
	mu, _ := h.assetMu.LoadOrStore(u, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	if sha, ok, err := h.store.AssetByURL(u); err != nil {
		h.stop(fmt.Errorf("%w: %s: %w", ErrArchiveFailed, h.store.Path(), err))
		return archive.AssetRef{}, nil, fmt.Errorf("look up asset: %w", err)
	} else if ok {
		return archive.AssetRef{URL: u, SHA: sha}, nil, nil
	}
	page, err := f.FetchAsset(ctx, u)
	if err != nil {
		return archive.AssetRef{}, nil, fetchError{err}
	}
	if page.Status == http.StatusNotModified {
		return h.assetNotModified(u)
	}
	if page.Status != http.StatusOK {
		return archive.AssetRef{}, nil, fmt.Errorf("fetch asset: HTTP %d", page.Status)
	}
	ct := page.Header.Get("Content-Type")
	if !isImageOrVideo(ct, page.Body) {
		return archive.AssetRef{}, nil, fmt.Errorf("not an image (Content-Type %q, content sniffed as %q)", ct, http.DetectContentType(page.Body))
	}
	sha := archive.Hash(page.Body)
	return archive.AssetRef{URL: u, SHA: sha}, &archive.AssetData{URL: u, ContentType: ct, Data: page.Body, Header: page.Header}, nil
}

// fetchError is a failed asset download, already counted and logged by the
// crawler.
type fetchError struct{ err error }

func (e fetchError) Error() string { return e.err.Error() }
func (e fetchError) Unwrap() error { return e.err }

// assetURLs lists what an article's snapshot keeps a copy of: its lead
// image, every body image and every video poster.
func assetURLs(art *extract.Article) []string {
	var out []string
	if art.LeadImage != "" {
		out = append(out, art.LeadImage)
	}
	for _, im := range art.Images {
		out = append(out, im.URL)
	}
	for _, v := range art.Videos {
		if v.Poster != "" {
			out = append(out, v.Poster)
		}
	}
	return out
}

func content(a *extract.Article) archive.Content {
	c := archive.Content{
		Title:      a.Title,
		Author:     a.Author,
		Published:  a.Published,
		Categories: a.Categories,
		LeadImage:  a.LeadImage,
		BodyHTML:   a.BodyHTML,
		BodyText:   a.BodyText,
	}
	for _, im := range a.Images {
		c.Images = append(c.Images, im.URL)
	}
	for _, v := range a.Videos {
		c.Videos = append(c.Videos, v.URL)
	}
	return c
}

// isHTML requires a page to be declared HTML (or not declared at all) and
// to look like text: binary bytes served as text/html are no article.
func isHTML(contentType string, body []byte) bool {
	sniffed := http.DetectContentType(body)
	if !strings.HasPrefix(sniffed, "text/") {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt == "" {
		return strings.HasPrefix(sniffed, "text/html")
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// isImageOrVideo requires the declared type and the bytes to agree that this
// is media, so an HTML error or captcha page served at an image URL is
// refused. A server that declares nothing useful (octet-stream) is judged
// by the bytes alone.
func isImageOrVideo(contentType string, body []byte) bool {
	sniffed := http.DetectContentType(body)
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "image/svg+xml":
		return bytes.Contains(body[:min(len(body), 4096)], []byte("<svg"))
	case strings.HasPrefix(mt, "image/"), strings.HasPrefix(mt, "video/"):
		return !strings.HasPrefix(sniffed, "text/")
	case mt == "", mt == "application/octet-stream", mt == "binary/octet-stream":
		return strings.HasPrefix(sniffed, "image/") || strings.HasPrefix(sniffed, "video/")
	default:
		return false
	}
}
