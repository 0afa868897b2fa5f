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
	// State is what the crawler remembers between runs (the frontier,
	// recheck schedule, validators, robots.txt); nil remembers nothing.
	State State
	// Progress, when set, is called after every finished request with the
	// run's totals so far. Calls come one at a time, from the crawling
	// goroutines: it must return quickly and never block.
	Progress func(ProgressEvent)

	tune tuning // retry, politeness and trap limits; zero fields = constants
}

// ProgressEvent is the state of a run after one more finished request.
type ProgressEvent struct {
	URL     string // the request that just finished
	Queued  int    // article URLs queued so far (pending ones included)
	Done    int    // article URLs finished: handled, unchanged, or given up on
	Fetches int    // requests finished, of every kind, retries included
	Errors  int    // as Stats.Errors so far
	Bytes   int64  // body bytes received (after decompression)
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

// Handler receives every article page fetched. It may be called from
// several goroutines at once.
type Handler interface {
	// Article is called for an article fetched with a 2xx status.
	Article(ctx context.Context, p Page, f Fetcher) error
	// NotModified is called for an article whose conditional request was
	// answered 304 Not Modified: p has Status 304, the response headers and
	// no body.
	NotModified(ctx context.Context, p Page) error
}

// Stats counts what a Run did. PagesFetched counts 2xx pages (feeds,
// sitemaps, listings and articles; not assets). NotModified counts articles
// answered 304. Errors counts failed or non-2xx fetches (assets included),
// Handler errors and unreadable robots.txt files (once per host).
// SourcesFailed counts sources that have seeds and none of which could be
// read. Skipped counts discovered URLs refused as spider traps. Deferred
// counts article URLs given up on for this run only (ErrDeferred): they
// stay pending.
type Stats struct {
	Sources, SourcesFailed, PagesFetched, Errors int
	NotModified, Skipped, Deferred               int
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
	cfg.tune.fill()
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

// Run crawls sources once: for each source, the URLs State holds as pending
// first, then its feeds, sitemaps and listings. It calls h.Article for
// every article fetched with a 2xx status and h.NotModified for every one
// answered 304. It returns when all work is done, or, when ctx ends, after
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
			r.pending(ctx, st, jobs)
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
		NotModified:  int(r.notModified.Load()),
		Skipped:      int(r.skipped.Load()),
		Deferred:     int(r.deferred.Load()),
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
// drains the queue. Each URL ends in State.Done unless it was interrupted
// (ctx) or deferred to the next run: those stay pending.
func (r *run) work(ctx context.Context, jobs <-chan job, h Handler) {
	for j := range jobs {
		if ctx.Err() != nil {
			continue
		}
		if r.article(ctx, j, h) {
			r.done(j.url)
		}
	}
}

// article fetches and hands over one article; it reports whether the URL is
// finished for good (false: leave it pending).
func (r *run) article(ctx context.Context, j job, h Handler) (finished bool) {
	name := j.src.src.Name
	p, err := r.fetchCond(ctx, j.url, kindPage, name, r.validators(j.url))
	switch {
	case interrupted(ctx, err):
		return false
	case errors.Is(err, ErrDeferred):
		r.deferred.Add(1)
		r.log.Warn().Str("source", name).Str("url", j.url).Err(err).Msg("article deferred to the next run")
		return false
	case err != nil:
		r.fail(ctx, j.src, j.url, "fetch article", err)
		return true
	}
	j.src.fetched.Add(1)
	if p.Status == http.StatusNotModified {
		r.notModified.Add(1)
		err = h.NotModified(ctx, p)
	} else {
		err = h.Article(ctx, p, &fetcher{r: r, src: j.src})
	}
	if err != nil {
		if interrupted(ctx, err) {
			return false
		}
		r.fail(ctx, j.src, j.url, "handle article", err)
	}
	return true
}

// interrupted tells whether err is the run's context ending.
func interrupted(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() != nil
}

// done records a finished article URL.
func (r *run) done(u string) {
	r.doneN.Add(1)
	if r.state == nil {
		return
	}
	if err := r.state.Done(u); err != nil {
		r.errors.Add(1)
		r.log.Warn().Str("url", u).Err(err).Msg("record article done")
	}
}

// fetcher is the Fetcher handed to Handler.Article.
type fetcher struct {
	r   *run
	src *sourceState
}

// FetchAsset fetches an asset, conditionally when State has validators for
// it: a 304 returns the Page (Status 304, no body) and no error.
func (f *fetcher) FetchAsset(ctx context.Context, rawURL string) (Page, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		err = fmt.Errorf("fetch asset %q: not an absolute http(s) url", rawURL)
		f.r.fail(ctx, f.src, rawURL, "fetch asset", err)
		return Page{}, err
	}
	target := u.String()
	p, err := f.r.fetchCond(ctx, target, kindAsset, f.src.src.Name, f.r.validators(target))
	if err != nil {
		f.r.fail(ctx, f.src, rawURL, "fetch asset", err)
	}
	return p, err
}

// fail counts and logs an error, except for cancellation by ctx (not a
// failure of the site) and robots.txt refusals or a host whose robots.txt
// is unreadable (logged, not counted: robots.go counts the latter once).
func (r *run) fail(ctx context.Context, st *sourceState, u, what string, err error) {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return
	}
	if errors.Is(err, ErrDisallowed) {
		r.log.Info().Str("source", st.src.Name).Str("url", u).Msg(what + ": disallowed by robots.txt")
		return
	}
	if errors.Is(err, errRobotsUnavailable) {
		r.log.Debug().Str("source", st.src.Name).Str("url", u).Err(err).Msg(what + ": not this run")
		return
	}
	r.errors.Add(1)
	st.errors.Add(1)
	r.log.Warn().Str("source", st.src.Name).Str("url", u).Err(err).Msg(what + " failed")
}
