package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/rs/zerolog"
)

type fetchKind int

const (
	kindPage   fetchKind = iota // feeds, sitemaps, listings, articles
	kindAsset                   // images, posters (MaxAssetBytes)
	kindRobots                  // robots.txt: no global slot, never checked against itself
)

const resultKey = "chronicle.result"

// result is filled by the collector's callbacks for one request.
type result struct {
	page *Page
	err  error
}

// conditional holds the validators of an earlier fetch.
type conditional struct {
	etag, lastModified string
}

// run is the state of one Run: the collector, the limits and the frontier.
type run struct {
	cfg   Config
	log   zerolog.Logger
	state State // nil: remembers nothing
	coll  *colly.Collector
	tr    *transport
	hosts *hostLimiter
	slots chan struct{} // global fetches in flight
	traps *trapGuard

	queuedMu sync.Mutex
	queued   map[string]bool

	robotsMu    sync.Mutex
	robotsCache map[string]*robotsEntry

	progressMu sync.Mutex

	pages, errors, notModified, skipped, deferred atomic.Int64
	queuedN, doneN, fetches, bytes                atomic.Int64
}

func newRun(ctx context.Context, cfg Config) *run {
	base := http.DefaultTransport.(*http.Transport).Clone()
	tr := newTransport(base, cfg.MaxPageBytes, cfg.MaxAssetBytes)
	r := &run{
		cfg:         cfg,
		log:         cfg.Logger,
		state:       cfg.State,
		tr:          tr,
		hosts:       newHostLimiter(cfg.PerHostParallelism, cfg.PerHostDelay),
		slots:       make(chan struct{}, cfg.Concurrency),
		traps:       newTrapGuard(cfg.tune.trap),
		queued:      make(map[string]bool),
		robotsCache: make(map[string]*robotsEntry),
	}

	coll := colly.NewCollector(colly.StdlibContext(ctx), colly.UserAgent(cfg.UserAgent))
	// Our own frontier decides what is fetched: Colly marks a URL visited
	// before fetching, so a failed URL could never be fetched again.
	coll.AllowURLRevisit = true
	// Limits are enforced after decompression by our transport; Colly's
	// limit truncates silently and applies before its own gunzip.
	coll.MaxBodySize = 0
	// Keep the bytes as served: no charset conversion.
	coll.DetectCharset = false
	// Statuses are judged by us; Colly treats >= 203 as an error.
	coll.ParseHTTPErrorResponse = true
	// robots.txt is ours (robots.go): cached in State, fetched through the
	// per-host limiter, 5xx handled as "not this run", Crawl-delay obeyed.
	coll.IgnoreRobotsTxt = true
	coll.Async = false
	coll.WithTransport(tr)
	// http.Client.Timeout: covers connecting, the headers and reading the
	// whole body, so a server trickling bytes is cut off.
	coll.SetRequestTimeout(cfg.Timeout)
	coll.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects: %w", maxRedirects, errTooManyRedirects)
		}
		seen := 0
		for _, v := range via {
			if v.URL.String() == req.URL.String() {
				seen++
			}
		}
		// Once is allowed (a site setting a cookie and sending us back).
		if seen >= 2 {
			return fmt.Errorf("%s visited %d times: %w", req.URL, seen, errRedirectLoop)
		}
		if cfg.RespectRobots && req.Header.Get(headerKind) != "robots" && r.robotsKnownDisallow(req.URL) {
			return fmt.Errorf("redirect to %s: %w", req.URL, ErrDisallowed)
		}
		return nil
	})
	coll.OnResponse(func(resp *colly.Response) {
		res, _ := resp.Ctx.GetAny(resultKey).(*result)
		if res == nil {
			return
		}
		h := http.Header{}
		if resp.Headers != nil {
			h = resp.Headers.Clone()
		}
		restoreContentType(h)
		res.page = &Page{
			FinalURL:  resp.Request.URL.String(),
			Status:    resp.StatusCode,
			Header:    h,
			Body:      resp.Body,
			FetchedAt: time.Now().UTC(),
		}
	})
	coll.OnError(func(resp *colly.Response, err error) {
		if resp == nil || resp.Ctx == nil {
			return
		}
		if res, _ := resp.Ctx.GetAny(resultKey).(*result); res != nil {
			res.err = err
		}
	})
	tr.pace = r.hosts.pace
	tr.sent = r.hosts.sent
	r.coll = coll
	return r
}

func (r *run) close() {
	r.tr.base.CloseIdleConnections()
}

// fetch GETs target politely, unconditionally: see fetchCond.
func (r *run) fetch(ctx context.Context, target string, kind fetchKind, source string) (Page, error) {
	return r.fetchCond(ctx, target, kind, source, nil)
}

// fetchCond GETs target politely: robots.txt checked (when respected), the
// request conditional when cond is given, retried after transient failures
// (see retry.go) without holding any slot while waiting. It returns the
// Page with a nil error for a 2xx, and for a 304 when cond was given; a
// non-2xx response returns the Page and an error wrapping ErrStatus (and
// ErrDeferred when the host asked us to come back later than this run can
// wait).
func (r *run) fetchCond(ctx context.Context, target string, kind fetchKind, source string, cond *conditional) (Page, error) {
	u, err := url.Parse(target)
	if err != nil {
		return Page{}, fmt.Errorf("fetch %s: %w", target, err)
	}
	if r.cfg.RespectRobots && kind != kindRobots {
		if err := r.robotsAllow(ctx, u); err != nil {
			return Page{}, fmt.Errorf("fetch %s: %w", target, err)
		}
	}
	tune := r.cfg.tune
	for attempt := 0; ; attempt++ {
		p, err := r.once(ctx, target, kind, source, cond)
		if err == nil || ctx.Err() != nil {
			return p, err
		}
		now := time.Now()
		var wait time.Duration
		switch {
		case throttled(p.Status):
			ra, ok := retryAfter(p.Header, now)
			if !ok {
				ra = backoffFor(tune.backoff, attempt)
			}
			if p.Status == http.StatusTooManyRequests {
				d := r.hosts.raiseDelay(u.Host, min(max(2*r.hosts.delayOf(u.Host), tune.backoff), tune.maxCrawlDelay))
				r.log.Debug().Str("host", u.Host).Dur("delay", d).Msg("429: host delay raised for this run")
			}
			if ra > tune.maxRetryAfter || deadlineBefore(ctx, now, ra) || attempt >= tune.maxRetries {
				return p, fmt.Errorf("%w (Retry-After %s): %w", err, ra.Round(time.Second), ErrDeferred)
			}
			// The whole host waits, not only this URL.
			r.hosts.pause(u.Host, now.Add(ra))
			wait = ra
		case transient(ctx, p.Status, errWithoutStatus(p, err)):
			if attempt >= tune.maxRetries {
				return p, err
			}
			wait = backoffFor(tune.backoff, attempt)
			if deadlineBefore(ctx, now, wait) {
				return p, fmt.Errorf("%w: %w", err, ErrDeferred)
			}
		default:
			return p, err
		}
		r.log.Debug().Str("url", target).Int("status", p.Status).Err(err).Int("retry", attempt+1).
			Dur("wait", wait).Msg("retrying")
		if err := sleep(ctx, wait); err != nil {
			return Page{}, fmt.Errorf("fetch %s: %w", target, err)
		}
	}
}

// errWithoutStatus is the error to classify: nil when the server answered
// (its status decides).
func errWithoutStatus(p Page, err error) error {
	if p.Status != 0 {
		return nil
	}
	return err
}

// once makes one polite request: a per-host slot, the host's pace, a
// global slot (except for robots.txt), then Colly.
func (r *run) once(ctx context.Context, target string, kind fetchKind, source string, cond *conditional) (Page, error) {
	if err := ctx.Err(); err != nil {
		return Page{}, fmt.Errorf("fetch %s: %w", target, err)
	}
	u, err := url.Parse(target)
	if err != nil {
		return Page{}, fmt.Errorf("fetch %s: %w", target, err)
	}
	release, err := r.hosts.acquire(ctx, u.Host)
	if err != nil {
		return Page{}, fmt.Errorf("fetch %s: %w", target, err)
	}
	defer release()
	// The host's pace is waited for here, before the global slot and
	// outside the request's timeout; the transport paces redirects.
	if err := r.hosts.pace(ctx, u.Host); err != nil {
		return Page{}, fmt.Errorf("fetch %s: %w", target, err)
	}
	if kind != kindRobots {
		select {
		case r.slots <- struct{}{}:
		case <-ctx.Done():
			return Page{}, fmt.Errorf("fetch %s: %w", target, ctx.Err())
		}
		defer func() { <-r.slots }()
	}

	res := &result{}
	cctx := colly.NewContext()
	cctx.Put(resultKey, res)
	hdr := http.Header{}
	hdr.Set("User-Agent", r.cfg.UserAgent)
	switch kind {
	case kindAsset:
		hdr.Set(headerKind, "asset")
	case kindRobots:
		hdr.Set(headerKind, "robots")
	}
	if cond != nil {
		if cond.etag != "" {
			hdr.Set("If-None-Match", cond.etag)
		}
		if cond.lastModified != "" {
			hdr.Set("If-Modified-Since", cond.lastModified)
		}
	}
	id, done := r.tr.register(ctx)
	defer done()
	hdr.Set(headerCall, id)

	start := time.Now()
	err = r.coll.Request(http.MethodGet, target, nil, cctx, hdr)
	if err == nil && res.page == nil {
		err = res.err
		if err == nil {
			err = errors.New("no response")
		}
	}
	defer r.progress(target)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		r.log.Debug().Str("source", source).Str("url", target).Err(err).
			Dur("took", time.Since(start)).Msg("fetch failed")
		return Page{}, fmt.Errorf("fetch %s: %w", target, err)
	}
	p := *res.page
	p.Source = source
	p.URL = target
	r.bytes.Add(int64(len(p.Body)))
	r.log.Debug().Str("source", source).Str("url", target).Int("status", p.Status).
		Int("bytes", len(p.Body)).Dur("took", time.Since(start)).Msg("fetched")
	if p.Status == http.StatusNotModified && cond != nil {
		p.Body = nil
		return p, nil
	}
	if p.Status < 200 || p.Status > 299 {
		return p, fmt.Errorf("fetch %s: status %d: %w", target, p.Status, ErrStatus)
	}
	if kind == kindPage {
		r.pages.Add(1)
	}
	return p, nil
}

// validators returns the conditional request for a URL from State, nil
// when there is none.
func (r *run) validators(u string) *conditional {
	if r.state == nil {
		return nil
	}
	etag, lm, err := r.state.Validators(u)
	if err != nil {
		r.log.Warn().Str("url", u).Err(err).Msg("read validators; fetching unconditionally")
		return nil
	}
	if etag == "" && lm == "" {
		return nil
	}
	return &conditional{etag: etag, lastModified: lm}
}

// progress reports the totals so far to Config.Progress, one call at a
// time.
func (r *run) progress(u string) {
	r.fetches.Add(1)
	if r.cfg.Progress == nil {
		return
	}
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	r.cfg.Progress(ProgressEvent{
		URL:     u,
		Queued:  int(r.queuedN.Load()),
		Done:    int(r.doneN.Load()),
		Fetches: int(r.fetches.Load()),
		Errors:  int(r.errors.Load()),
		Bytes:   r.bytes.Load(),
	})
}

// limitFor returns the body limit for a request kind header value.
func limitFor(kind string, page, asset int64) int64 {
	if kind == "asset" {
		return asset
	}
	return page
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
