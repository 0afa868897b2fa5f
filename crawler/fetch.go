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
	kindPage fetchKind = iota
	kindAsset
)

const resultKey = "chronicle.result"

// result is filled by the collector's callbacks for one request.
type result struct {
	page *Page
	err  error
}

// run is the state of one Run: the collector, the limits and the frontier.
type run struct {
	cfg   Config
	log   zerolog.Logger
	coll  *colly.Collector
	tr    *transport
	hosts *hostLimiter
	slots chan struct{} // global fetches in flight

	queuedMu sync.Mutex
	queued   map[string]bool

	pages, errors atomic.Int64
}

func newRun(ctx context.Context, cfg Config) *run {
	base := http.DefaultTransport.(*http.Transport).Clone()
	tr := newTransport(base, cfg.MaxPageBytes, cfg.MaxAssetBytes)

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
	coll.IgnoreRobotsTxt = !cfg.RespectRobots
	coll.Async = false
	coll.WithTransport(tr)
	coll.SetRequestTimeout(cfg.Timeout)
	coll.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
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

	hosts := newHostLimiter(cfg.PerHostParallelism, cfg.PerHostDelay)
	tr.pace = hosts.pace
	return &run{
		cfg:    cfg,
		log:    cfg.Logger,
		coll:   coll,
		tr:     tr,
		hosts:  hosts,
		slots:  make(chan struct{}, cfg.Concurrency),
		queued: make(map[string]bool),
	}
}

func (r *run) close() {
	r.tr.base.CloseIdleConnections()
}

// fetch GETs target politely. A non-2xx response returns the Page and an
// error wrapping ErrStatus.
func (r *run) fetch(ctx context.Context, target string, kind fetchKind, source string) (Page, error) {
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
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return Page{}, fmt.Errorf("fetch %s: %w", target, ctx.Err())
	}
	defer func() { <-r.slots }()

	res := &result{}
	cctx := colly.NewContext()
	cctx.Put(resultKey, res)
	hdr := http.Header{}
	hdr.Set("User-Agent", r.cfg.UserAgent)
	if kind == kindAsset {
		hdr.Set(headerKind, "asset")
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
	if err != nil {
		if errors.Is(err, colly.ErrRobotsTxtBlocked) {
			err = ErrDisallowed
		}
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
	r.log.Debug().Str("source", source).Str("url", target).Int("status", p.Status).
		Int("bytes", len(p.Body)).Dur("took", time.Since(start)).Msg("fetched")
	if p.Status < 200 || p.Status > 299 {
		return p, fmt.Errorf("fetch %s: status %d: %w", target, p.Status, ErrStatus)
	}
	if kind == kindPage {
		r.pages.Add(1)
	}
	return p, nil
}

// limitFor returns the body limit for a request kind header value.
func limitFor(kind string, page, asset int64) int64 {
	if kind == "asset" {
		return asset
	}
	return page
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
