package pipeline

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/crawler"
	"github.com/chronicle-archive/chronicle/internal/config"
)

// maxAttempts is how many runs may take a frontier URL up without finishing
// it before it is dropped: a page that kills the crawler every time it is
// fetched must not stop every later run at the same place. A URL dropped
// this way is fetched again when a listing still links it.
const maxAttempts = 5

// State is the crawler's memory between runs, kept in the archive: the
// frontier, each URL's validators and recheck schedule, and robots.txt
// answers. It implements crawler.State; every method is one short archive
// transaction, safe for concurrent use.
type State struct {
	store   *archive.Store
	recheck map[string]config.Recheck // by source name
	log     zerolog.Logger
	// failed, when set, is told of every archive error: the crawl stops,
	// as a failed Put stops it.
	failed func(error)
	// finished, when set, holds the frontier URLs that the handler's Put or
	// Touch already removed from the frontier in its own transaction: Done
	// of one of them writes nothing.
	finished *sync.Map // url -> struct{}
}

var _ crawler.State = (*State)(nil)

// NewState returns the State of store with the recheck policies of the
// sources of cfg.
func NewState(store *archive.Store, cfg *config.Config, log zerolog.Logger) *State {
	s := &State{store: store, recheck: map[string]config.Recheck{}, log: log}
	if cfg != nil {
		for _, src := range cfg.Sources {
			s.recheck[src.Name] = src.Recheck
		}
	}
	return s
}

// state returns the State of a crawl by h: an archive error stops it.
func (h *handler) state(cfg *config.Config) *State {
	s := NewState(h.store, cfg, h.log)
	s.finished = &h.finished
	s.failed = func(err error) {
		h.stop(fmt.Errorf("%w: %s: %w", ErrArchiveFailed, h.store.Path(), err))
	}
	return s
}

// check passes err on, telling s.failed of it first.
func (s *State) check(err error) error {
	if err != nil && s.failed != nil {
		s.failed(err)
	}
	return err
}

// Pending returns the frontier URLs of source and records that this run
// takes them up; URLs taken up maxAttempts times already are dropped.
func (s *State) Pending(source string) ([]string, error) {
	ctx := context.Background()
	entries, err := s.store.Pending(ctx, source)
	if err != nil {
		return nil, s.check(err)
	}
	var urls, dropped []string
	for _, e := range entries {
		if e.Attempts >= maxAttempts {
			dropped = append(dropped, e.URL)
			s.log.Warn().Str("source", source).Str("url", e.URL).Int("attempts", e.Attempts).
				Msg("article dropped from the frontier: no run finished it")
			continue
		}
		urls = append(urls, e.URL)
	}
	if len(dropped) > 0 {
		if err := s.store.Done(ctx, dropped...); err != nil {
			return nil, s.check(err)
		}
	}
	if len(urls) > 0 {
		if err := s.store.Attempt(ctx, urls); err != nil {
			return nil, s.check(err)
		}
	}
	return urls, nil
}

// Enqueue adds newly discovered article URLs of source to the frontier.
func (s *State) Enqueue(source string, urls []string) error {
	return s.check(s.store.Enqueue(context.Background(), source, urls, time.Now()))
}

// Done removes a handled article URL from the frontier. The handler's Put or
// Touch removes the URL it archived in its own transaction; Done writes only
// for the others (given up on, refused, failed).
func (s *State) Done(url string) error {
	if s.finished != nil {
		if _, ok := s.finished.LoadAndDelete(url); ok {
			return nil
		}
	}
	return s.check(s.store.Done(context.Background(), url))
}

// Due applies the recheck policy of source to url (see Due).
func (s *State) Due(source, url string, now time.Time) (bool, error) {
	fs, ok, err := s.store.FetchState(url)
	if err != nil {
		return true, s.check(err)
	}
	if !ok {
		return true, nil
	}
	policy, known := s.recheck[source]
	if !known {
		policy = config.DefaultRecheck()
	}
	return Due(policy, fs, now), nil
}

// Due reports whether an article with fetch state fs is to be fetched again
// at now under policy. It is due when now - LastChecked reaches the
// interval, which starts at After and doubles with every check that found
// it unchanged, up to MaxInterval (a change resets the count, so the
// interval falls back to After). It is never due once now - FirstSeen
// exceeds StopAfter (0: no limit). A URL never archived as an article (no
// FirstSeen) is always due.
func Due(policy config.Recheck, fs archive.FetchState, now time.Time) bool {
	if fs.Kind != archive.KindArticle || fs.FirstSeen.IsZero() || fs.LastChecked.IsZero() {
		return true
	}
	if policy.StopAfter > 0 && now.Sub(fs.FirstSeen) > policy.StopAfter {
		return false
	}
	return now.Sub(fs.LastChecked) >= recheckInterval(policy, fs.ChecksUnchanged)
}

// recheckInterval is After doubled n times, at most MaxInterval (when set).
func recheckInterval(policy config.Recheck, n int) time.Duration {
	interval := policy.After
	limit := policy.MaxInterval
	if limit <= 0 {
		limit = 1<<63 - 1
	}
	for i := 0; i < n && interval > 0 && interval < limit; i++ {
		if interval > limit/2 {
			interval = limit
			break
		}
		interval *= 2
	}
	return min(interval, limit)
}

// Validators returns the ETag and Last-Modified of the last fetch of url.
func (s *State) Validators(url string) (etag, lastModified string, err error) {
	fs, ok, err := s.store.FetchState(url)
	if err != nil || !ok {
		return "", "", s.check(err)
	}
	return fs.ETag, fs.LastModified, nil
}

// Robots returns the cached robots.txt of host unless it expired.
func (s *State) Robots(host string, now time.Time) (status int, body []byte, ok bool, err error) {
	e, ok, err := s.store.Robots(host)
	if err != nil || !ok || !now.Before(e.Expires) {
		return 0, nil, false, s.check(err)
	}
	return e.Status, e.Body, true, nil
}

// SaveRobots caches the robots.txt answer of host until expires.
func (s *State) SaveRobots(host string, status int, body []byte, fetched, expires time.Time) error {
	err := s.store.SaveRobots(context.Background(), host, archive.RobotsEntry{Status: status, Body: body, Fetched: fetched, Expires: expires})
	if err != nil {
		return s.check(fmt.Errorf("cache robots.txt: %w", err))
	}
	return nil
}
