package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultUserAgent          = "chronicle/1.0"
	DefaultConcurrency        = 8
	DefaultPerHostParallelism = 2
	DefaultTimeout            = 30 * time.Second
	DefaultMaxPageBytes       = 10 << 20
	DefaultMaxAssetBytes      = 20 << 20

	maxRedirects    = 10
	maxSitemapDepth = 3
)

var (
	// ErrTooLarge is returned (wrapped with the URL and the limit) when a
	// response body, after decompression, is larger than the limit for its
	// kind (MaxPageBytes or MaxAssetBytes).
	ErrTooLarge = errors.New("response body too large")
	// ErrStatus is returned (wrapped with the URL and status) for a response
	// whose status is not 2xx; the Page is returned with it.
	ErrStatus = errors.New("unexpected http status")
	// ErrEncoding is returned (wrapped) for a response in a content-encoding
	// other than gzip, which the crawler neither asks for nor decodes.
	ErrEncoding = errors.New("unsupported content-encoding")
	// ErrDisallowed is returned (wrapped) when robots.txt forbids a URL.
	ErrDisallowed = errors.New("disallowed by robots.txt")
)

// Config tunes a Crawler. Zero fields take the Default* values above;
// PerHostDelay 0 means no delay.
type Config struct {
	UserAgent          string
	Concurrency        int           // fetches in flight, all hosts together
	PerHostParallelism int           // fetches in flight per host
	PerHostDelay       time.Duration // between the starts of two fetches to one host
	RespectRobots      bool
	Timeout            time.Duration // per request, body included
	MaxPageBytes       int64         // pages, feeds, sitemaps (decompressed)
	MaxAssetBytes      int64         // assets fetched through Fetcher
	Logger             zerolog.Logger
	// Links returns the absolute hrefs of the elements matching selector in
	// an HTML page (listings). Required when a Source has listings; the
	// crawler never parses HTML itself.
	Links func(body []byte, contentType string, base *url.URL, selector string) ([]string, error)
}

// Source is one configured news source.
type Source struct {
	Name     string
	Feeds    []string
	Sitemaps []string
	Listings []Listing
	Match    *regexp.Regexp // article URL filter (canonical URL); nil = every discovered link
}

// Listing is a listing page: Links selects the article links, Next the link
// to the following page, followed until MaxPages pages (0 means 1).
type Listing struct {
	URL, Links, Next string
	MaxPages         int
}

// Page is one fetched response.
type Page struct {
	Source    string
	URL       string      // requested (canonical for articles)
	FinalURL  string      // after redirects
	Status    int         // HTTP status
	Header    http.Header // as served (Content-Encoding/Length dropped when gzip was removed)
	Body      []byte      // bytes as served: original charset, gzip removed
	FetchedAt time.Time
}

// Fetcher fetches the assets of an article (images, posters) with the same
// politeness as pages, bounded by MaxAssetBytes. A non-2xx status gives the
// Page and an error wrapping ErrStatus.
type Fetcher interface {
	FetchAsset(ctx context.Context, rawURL string) (Page, error)
}

// Handler receives every article page fetched with a 2xx status. It may be
// called from several goroutines at once.
type Handler interface {
	Article(ctx context.Context, p Page, f Fetcher) error
}

// Stats counts what a Run did. PagesFetched counts 2xx pages (feeds,
// sitemaps, listings and articles; not assets). Errors counts failed or
// non-2xx fetches (assets included) and Handler errors. SourcesFailed counts
// sources that have seeds and none of which could be read.
type Stats struct {
	Sources, SourcesFailed, PagesFetched, Errors int
}

// Crawler runs crawls. It holds only configuration; each Run has its own
// collector, connections and frontier.
type Crawler struct {
	cfg Config
}

// New checks cfg and fills in defaults.
func New(cfg Config) (*Crawler, error) {
	switch {
	case cfg.Concurrency < 0:
		return nil, fmt.Errorf("crawler config: concurrency %d is negative", cfg.Concurrency)
	case cfg.PerHostParallelism < 0:
		return nil, fmt.Errorf("crawler config: per-host parallelism %d is negative", cfg.PerHostParallelism)
	case cfg.PerHostDelay < 0:
		return nil, fmt.Errorf("crawler config: per-host delay %s is negative", cfg.PerHostDelay)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("crawler config: timeout %s is negative", cfg.Timeout)
	case cfg.MaxPageBytes < 0:
		return nil, fmt.Errorf("crawler config: max page bytes %d is negative", cfg.MaxPageBytes)
	case cfg.MaxAssetBytes < 0:
		return nil, fmt.Errorf("crawler config: max asset bytes %d is negative", cfg.MaxAssetBytes)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.PerHostParallelism == 0 {
		cfg.PerHostParallelism = DefaultPerHostParallelism
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxPageBytes == 0 {
		cfg.MaxPageBytes = DefaultMaxPageBytes
	}
	if cfg.MaxAssetBytes == 0 {
		cfg.MaxAssetBytes = DefaultMaxAssetBytes
	}
	return &Crawler{cfg: cfg}, nil
}

// sourceState is the per-source bookkeeping of a run.
type sourceState struct {
	src                 *Source
	seeds, seedsOK      atomic.Int64
	discovered, fetched atomic.Int64
	errors              atomic.Int64
}

type job struct {
	url string
	src *sourceState
}

// Run crawls sources once and calls h.Article for every article fetched with
// a 2xx status. It returns when all work is done, or, when ctx ends, after
// the fetches in flight have stopped, with the Stats so far and ctx's error.
func (c *Crawler) Run(ctx context.Context, sources []Source, h Handler) (Stats, error) {
	if h == nil {
		return Stats{}, errors.New("crawl: nil handler")
	}
	for _, s := range sources {
		if len(s.Listings) > 0 && c.cfg.Links == nil {
			return Stats{}, fmt.Errorf("crawl source %s: listings need a Links function", s.Name)
		}
	}
	r := newRun(ctx, c.cfg)
	defer r.close()

	states := make([]*sourceState, len(sources))
	for i := range sources {
		states[i] = &sourceState{src: &sources[i]}
	}

	jobs := make(chan job, c.cfg.Concurrency)
	var workers sync.WaitGroup
	for range c.cfg.Concurrency {
		workers.Go(func() { r.work(ctx, jobs, h) })
	}

	var discovery sync.WaitGroup
	sem := make(chan struct{}, c.cfg.Concurrency)
	for _, st := range states {
		discovery.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			r.discover(ctx, st, jobs)
		})
	}
	discovery.Wait()
	close(jobs)
	workers.Wait()

	stats := Stats{
		Sources:      len(sources),
		PagesFetched: int(r.pages.Load()),
		Errors:       int(r.errors.Load()),
	}
	for _, st := range states {
		failed := st.seeds.Load() > 0 && st.seedsOK.Load() == 0
		if failed {
			stats.SourcesFailed++
		}
		r.log.Info().Str("source", st.src.Name).
			Int64("discovered", st.discovered.Load()).
			Int64("fetched", st.fetched.Load()).
			Int64("errors", st.errors.Load()).
			Bool("failed", failed).
			Msg("source crawled")
	}
	if err := ctx.Err(); err != nil {
		return stats, fmt.Errorf("crawl: %w", err)
	}
	return stats, nil
}

// work fetches queued articles until jobs is closed; after ctx ends it only
// drains the queue.
func (r *run) work(ctx context.Context, jobs <-chan job, h Handler) {
	for j := range jobs {
		if ctx.Err() != nil {
			continue
		}
		p, err := r.fetch(ctx, j.url, kindPage, j.src.src.Name)
		if err != nil {
			r.fail(ctx, j.src, j.url, "fetch article", err)
			continue
		}
		j.src.fetched.Add(1)
		f := &fetcher{r: r, src: j.src}
		if err := h.Article(ctx, p, f); err != nil {
			r.fail(ctx, j.src, j.url, "handle article", err)
		}
	}
}

// fetcher is the Fetcher handed to Handler.Article.
type fetcher struct {
	r   *run
	src *sourceState
}

func (f *fetcher) FetchAsset(ctx context.Context, rawURL string) (Page, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		err = fmt.Errorf("fetch asset %q: not an absolute http(s) url", rawURL)
		f.r.fail(ctx, f.src, rawURL, "fetch asset", err)
		return Page{}, err
	}
	p, err := f.r.fetch(ctx, u.String(), kindAsset, f.src.src.Name)
	if err != nil {
		f.r.fail(ctx, f.src, rawURL, "fetch asset", err)
	}
	return p, err
}

// fail counts and logs an error, except for cancellation by ctx (not a
// failure of the site) and robots.txt refusals (logged, not counted).
func (r *run) fail(ctx context.Context, st *sourceState, u, what string, err error) {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return
	}
	if errors.Is(err, ErrDisallowed) {
		r.log.Info().Str("source", st.src.Name).Str("url", u).Msg(what + ": disallowed by robots.txt")
		return
	}
	r.errors.Add(1)
	st.errors.Add(1)
	r.log.Warn().Str("source", st.src.Name).Str("url", u).Err(err).Msg(what + " failed")
}
