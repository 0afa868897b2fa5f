package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// errRobotsUnavailable marks fetches refused because the host's robots.txt
// could not be read; the failure itself is logged and counted once per
// host, the refusals are not.
var errRobotsUnavailable = errors.New("robots.txt unavailable")

// robotsEntry is what a run knows of one host's robots.txt.
type robotsEntry struct {
	mu    sync.Mutex
	known bool
	data  *robotstxt.RobotsData // nil with err set: unreadable this run
	err   error
}

// robotsKey is the State key of a URL's host: scheme://host[:port].
func robotsKey(u *url.URL) string {
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// robotsAllow returns nil when robots.txt lets us fetch u, an error
// wrapping ErrDisallowed when it does not, and one wrapping ErrDeferred
// when the host's robots.txt could not be read (5xx, network error): then
// nothing is fetched from that host this run.
func (r *run) robotsAllow(ctx context.Context, u *url.URL) error {
	e, err := r.robots(ctx, u)
	if err != nil {
		return err
	}
	if e.err != nil {
		return e.err
	}
	if !e.data.TestAgent(u.RequestURI(), r.cfg.UserAgent) {
		return ErrDisallowed
	}
	return nil
}

// robotsKnown reports, without fetching, whether robots.txt is known to
// forbid u (used on redirects, where fetching could wait on slots the
// redirecting request holds).
func (r *run) robotsKnownDisallow(u *url.URL) bool {
	r.robotsMu.Lock()
	e := r.robotsCache[robotsKey(u)]
	r.robotsMu.Unlock()
	if e == nil || !e.mu.TryLock() {
		return false
	}
	defer e.mu.Unlock()
	return e.known && e.data != nil && !e.data.TestAgent(u.RequestURI(), r.cfg.UserAgent)
}

// robots returns the host's entry, loading it once per run: from State when
// it holds an unexpired copy, else fetched (and then saved to State).
func (r *run) robots(ctx context.Context, u *url.URL) (*robotsEntry, error) {
	key := robotsKey(u)
	r.robotsMu.Lock()
	e := r.robotsCache[key]
	if e == nil {
		e = &robotsEntry{}
		r.robotsCache[key] = e
	}
	r.robotsMu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.known {
		return e, nil
	}
	if r.state != nil {
		status, body, ok, err := r.state.Robots(key, time.Now())
		if err != nil {
			r.log.Warn().Str("host", key).Err(err).Msg("read cached robots.txt")
		} else if ok {
			r.setRobots(e, u.Host, key, status, body)
			return e, nil
		}
	}
	p, err := r.once(ctx, key+"/robots.txt", kindRobots, "", nil)
	if err != nil && p.Status == 0 {
		if ctx.Err() != nil {
			return nil, ctx.Err() // not known: the run is ending
		}
		e.known, e.err = true, fmt.Errorf("%w: %s: %w: %w", errRobotsUnavailable, key, err, ErrDeferred)
		r.robotsFailed(key, e.err)
		return e, nil
	}
	switch {
	case p.Status == http.StatusTooManyRequests:
		// Not "no robots.txt": a host pushing back. Like a 5xx.
	case p.Status >= 200 && p.Status <= 299, p.Status >= 400 && p.Status <= 499:
		r.setRobots(e, u.Host, key, p.Status, p.Body)
		if r.state != nil {
			now := time.Now()
			if err := r.state.SaveRobots(key, p.Status, p.Body, now, now.Add(r.cfg.tune.robotsTTL)); err != nil {
				r.log.Warn().Str("host", key).Err(err).Msg("cache robots.txt")
			}
		}
	}
	if !e.known { // 5xx, 429, or a 3xx left after the redirects: try again next run
		e.known, e.err = true, fmt.Errorf("%w: %s: status %d: %w", errRobotsUnavailable, key, p.Status, ErrDeferred)
		r.robotsFailed(key, e.err)
	}
	return e, nil
}

// robotsFailed logs and counts, once per host and run, a robots.txt that
// could not be read.
func (r *run) robotsFailed(key string, err error) {
	r.errors.Add(1)
	r.log.Warn().Str("host", key).Err(err).Msg("robots.txt unavailable: nothing is fetched from this host in this run")
}

// setRobots parses a robots.txt answer into e and applies its Crawl-delay.
// The parser refuses a whole file for one bad line; such lines are dropped
// (as the major crawlers ignore them) and the rest obeyed. A file that
// still does not parse is taken as allowing everything, as a missing one
// is.
func (r *run) setRobots(e *robotsEntry, host, key string, status int, body []byte) {
	data, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil {
		r.log.Debug().Str("host", key).Err(err).Msg("robots.txt has invalid lines; they are ignored")
		data, err = robotstxt.FromStatusAndBytes(status, validRobotsLines(body))
	}
	if err != nil || data == nil {
		r.log.Info().Str("host", key).Err(err).Msg("robots.txt unparsable, treated as allowing everything")
		data, _ = robotstxt.FromStatusAndBytes(404, nil)
	}
	e.known, e.data, e.err = true, data, nil
	if g := data.FindGroup(r.cfg.UserAgent); g != nil && g.CrawlDelay > 0 {
		d := min(g.CrawlDelay, r.cfg.tune.maxCrawlDelay)
		got := r.hosts.raiseDelay(host, d)
		r.log.Debug().Str("host", key).Dur("crawl_delay", g.CrawlDelay).Dur("delay", got).Msg("robots.txt crawl-delay")
	}
}

// validRobotsLines keeps the lines of a robots.txt the parser accepts:
// rules before any User-agent and lines that fail on their own (a
// non-numeric Crawl-delay, a bad pattern) are dropped.
func validRobotsLines(body []byte) []byte {
	var out []byte
	seenAgent := false
	for line := range bytes.Lines(body) {
		field, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(":"))
		switch strings.ToLower(string(bytes.TrimSpace(field))) {
		case "user-agent":
			seenAgent = true
		case "allow", "disallow", "crawl-delay", "crawldelay":
			if !seenAgent {
				continue
			}
			if _, err := robotstxt.FromBytes(append([]byte("User-agent: x\n"), line...)); err != nil {
				continue
			}
		}
		out = append(out, line...)
		if len(line) > 0 && line[len(line)-1] != '\n' {
			out = append(out, '\n')
		}
	}
	return out
}
