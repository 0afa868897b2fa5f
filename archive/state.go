package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// What the crawler remembers between runs (docs/format.md): the frontier of
// discovered but unfinished article URLs, the validators and recheck
// schedule of every URL fetched, the robots.txt cache, and the record of
// every run. Each write is one short transaction.

// Fetch-state kinds.
const (
	KindArticle = "article"
	KindAsset   = "asset"
)

// FrontierEntry is an article URL discovered by a crawl and not yet
// finished.
type FrontierEntry struct {
	URL          string
	Source       string
	DiscoveredAt time.Time
	// Attempts counts the runs that took the URL up from the frontier
	// (Attempt) without finishing it.
	Attempts int
}

// FetchState is what the archive knows about the last fetches of a URL, an
// article's or an asset's.
type FetchState struct {
	URL  string
	Kind string // KindArticle or KindAsset
	// Article is the canonical URL of the article fetched at URL (the same
	// as URL unless the page named another rel=canonical); "" for an asset.
	Article            string
	ETag, LastModified string // validators of the last 2xx or 304 answer
	LastChecked        time.Time
	// LastChanged is when a new version (article) or new bytes (asset) were
	// last stored from URL.
	LastChanged time.Time
	// ChecksUnchanged counts the checks since LastChanged that found the
	// content unchanged (a 304, or identical content).
	ChecksUnchanged int
	// FirstSeen is the article's first sighting (from the articles bucket);
	// zero for an asset or an article no longer stored.
	FirstSeen time.Time
}

// RobotsEntry is a cached robots.txt answer of one host.
type RobotsEntry struct {
	Status           int
	Body             []byte
	Fetched, Expires time.Time
}

// RunCounts are the counts of one crawl run, as in the `crawl --json`
// summary.
type RunCounts struct {
	Sources           int   `json:"sources"`
	PagesFetched      int   `json:"pages_fetched"`
	ArticlesNew       int   `json:"articles_new"`
	ArticlesUpdated   int   `json:"articles_updated"`
	ArticlesUnchanged int   `json:"articles_unchanged"`
	AssetsNew         int   `json:"assets_new"`
	AssetsBytes       int64 `json:"assets_bytes"`
	Errors            int   `json:"errors"`
	DurationMS        int64 `json:"duration_ms"`
}

// Why a run stopped.
const (
	StoppedDone          = "done"
	StoppedMaxDuration   = "max-duration"
	StoppedInterrupted   = "interrupted"
	StoppedArchiveFailed = "archive-failed"
	StoppedFailed        = "failed" // every source failed
)

// Run is the record of one crawl run.
type Run struct {
	Start, End time.Time
	Sources    []string // names of the sources crawled
	Counts     RunCounts
	// Errors are the messages of what ended or marred the run as a whole
	// (page-level failures are only counted in Counts.Errors).
	Errors  []string
	Stopped string // one of the Stopped* constants
}

// frontierRecord is the value stored in the frontier bucket.
type frontierRecord struct {
	Source       string    `json:"source"`
	DiscoveredAt time.Time `json:"discovered_at"`
	Attempts     int       `json:"attempts"`
}

// fetchStateRecord is the value stored in the fetch_state bucket.
type fetchStateRecord struct {
	Kind            string    `json:"kind"`
	Article         string    `json:"article,omitempty"`
	ETag            string    `json:"etag"`
	LastModified    string    `json:"last_modified"`
	LastChecked     time.Time `json:"last_checked"`
	LastChanged     time.Time `json:"last_changed"`
	ChecksUnchanged int       `json:"checks_unchanged"`
}

// robotsRecord is the value stored in the robots bucket.
type robotsRecord struct {
	Status  int       `json:"status"`
	Body    []byte    `json:"body"`
	Fetched time.Time `json:"fetched"`
	Expires time.Time `json:"expires"`
}

// runRecord is the value stored in the runs bucket.
type runRecord struct {
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Sources       []string  `json:"sources"`
	Counts        RunCounts `json:"counts"`
	Errors        []string  `json:"errors"`
	StoppedReason string    `json:"stopped_reason"`
}

// stringKey checks that s can be a key of a bucket keyed by URL or host.
func stringKey(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty %s", what)
	case len(s) > bolt.MaxKeySize:
		return fmt.Errorf("%s of %d bytes is longer than a key may be", what, len(s))
	case !utf8.ValidString(s):
		return fmt.Errorf("%s %q is not valid utf-8", what, s)
	}
	return nil
}

// Enqueue adds article URLs discovered for source to the frontier, at time
// at. A URL already in the frontier keeps its record (source, discovery
// time, attempts). URLs that cannot be keys (empty, longer than bbolt's key
// limit, invalid UTF-8) are refused with an error before anything is written.
func (s *Store) Enqueue(ctx context.Context, source string, urls []string, at time.Time) error {
	for _, u := range urls {
		if err := stringKey("url", u); err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	rec := frontierRecord{Source: validUTF8(source), DiscoveredAt: at.UTC()}
	val, err := sealJSON(&rec)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketFrontier)
		if err != nil {
			return err
		}
		for _, u := range urls {
			if b.Get([]byte(u)) != nil {
				continue
			}
			if err := b.Put([]byte(u), val); err != nil {
				return fmt.Errorf("store %s: %w", u, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// Pending returns the frontier entries of source (all sources when source
// is ""), oldest discovery first.
func (s *Store) Pending(ctx context.Context, source string) ([]FrontierEntry, error) {
	var out []FrontierEntry
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFrontier)
		if b == nil {
			return nil // an archive from before the bucket, opened read-only
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(out)%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var rec frontierRecord
			if err := openJSON(v, &rec); err != nil {
				return fmt.Errorf("%w: frontier %q: %v", ErrCorrupt, k, err)
			}
			if source != "" && rec.Source != source {
				continue
			}
			out = append(out, FrontierEntry{URL: string(k), Source: rec.Source, DiscoveredAt: rec.DiscoveredAt, Attempts: rec.Attempts})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read frontier: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].DiscoveredAt.Equal(out[j].DiscoveredAt) {
			return out[i].DiscoveredAt.Before(out[j].DiscoveredAt)
		}
		return out[i].URL < out[j].URL
	})
	return out, nil
}

// Attempt records that a run took these frontier URLs up again: each one's
// Attempts grows by one. URLs not in the frontier are ignored.
func (s *Store) Attempt(ctx context.Context, urls []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketFrontier)
		if err != nil {
			return err
		}
		for _, u := range urls {
			if stringKey("url", u) != nil {
				continue
			}
			v := b.Get([]byte(u))
			if v == nil {
				continue
			}
			var rec frontierRecord
			if err := openJSON(v, &rec); err != nil {
				return fmt.Errorf("%w: frontier %q: %v", ErrCorrupt, u, err)
			}
			rec.Attempts++
			if err := putJSON(b, []byte(u), &rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	return nil
}

// Done removes URLs from the frontier. URLs not in it are ignored.
func (s *Store) Done(ctx context.Context, urls ...string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("frontier done: %w", err)
	}
	err := s.update(func(tx *bolt.Tx) error { return frontierDone(tx, urls) })
	if err != nil {
		return fmt.Errorf("frontier done: %w", err)
	}
	return nil
}

// frontierDone removes urls from the frontier inside a write transaction;
// URLs not in it (or that cannot be keys) are ignored.
func frontierDone(tx *bolt.Tx, urls []string) error {
	if len(urls) == 0 {
		return nil
	}
	b, err := bucket(tx, bucketFrontier)
	if err != nil {
		return err
	}
	for _, u := range urls {
		if stringKey("url", u) != nil {
			continue
		}
		if err := b.Delete([]byte(u)); err != nil {
			return fmt.Errorf("frontier: delete %s: %w", u, err)
		}
	}
	return nil
}

// FetchState returns what is known about the fetches of url; ok is false
// when it was never fetched (or not recorded: URLs too long to be keys).
func (s *Store) FetchState(url string) (st FetchState, ok bool, err error) {
	if stringKey("url", url) != nil {
		return FetchState{}, false, nil
	}
	err = s.view(func(tx *bolt.Tx) error {
		var rec fetchStateRecord
		if found, err := getRecord(tx, bucketFetchState, url, &rec); !found || err != nil {
			return err
		}
		ok = true
		st = FetchState{
			URL: url, Kind: rec.Kind, Article: rec.Article, ETag: rec.ETag, LastModified: rec.LastModified,
			LastChecked: rec.LastChecked, LastChanged: rec.LastChanged, ChecksUnchanged: rec.ChecksUnchanged,
		}
		if rec.Kind != KindArticle {
			return nil
		}
		articles, err := bucket(tx, bucketArticles)
		if err != nil {
			return err
		}
		art, err := readArticle(articles, Hash([]byte(articleOf(url, &rec))))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		st.FirstSeen = art.FirstSeen
		return nil
	})
	if err != nil {
		return FetchState{}, false, fmt.Errorf("read fetch state: %w", err)
	}
	return st, ok, nil
}

// articleOf is the article URL a fetch_state record of url belongs to.
func articleOf(url string, rec *fetchStateRecord) string {
	if rec.Article != "" {
		return rec.Article
	}
	return url
}

// recordFetch updates the fetch_state record of key inside a transaction:
// a check at seen that changed the content or not. The validators given
// replace the stored ones when full (a complete response: its validators,
// or none, are the current ones) or when any is given (a 304 may name new
// ones).
func recordFetch(b *bolt.Bucket, key, kind, article, etag, lastModified string, seen time.Time, changed, full bool) error {
	if stringKey("url", key) != nil {
		return nil // not recordable; the URL is fetched unconditionally
	}
	var rec fetchStateRecord
	if v := b.Get([]byte(key)); v != nil {
		if err := openJSON(v, &rec); err != nil {
			return fmt.Errorf("%w: fetch_state %q: %v", ErrCorrupt, key, err)
		}
	}
	rec.Kind = kind
	if kind == KindArticle && article != key {
		rec.Article = validUTF8(article)
	} else {
		rec.Article = ""
	}
	if full || etag != "" || lastModified != "" {
		rec.ETag, rec.LastModified = validUTF8(etag), validUTF8(lastModified)
	}
	if seen.After(rec.LastChecked) {
		rec.LastChecked = seen
	}
	switch {
	case changed:
		rec.LastChanged = seen
		rec.ChecksUnchanged = 0
	case rec.LastChanged.IsZero():
		rec.LastChanged = seen
	default:
		rec.ChecksUnchanged++
	}
	return putJSON(b, []byte(key), &rec)
}

// Touch records a re-check of url (the URL the crawler requested) at
// fetchedAt that found the article unchanged, a 304 answer: the article's
// LastSeen and the fetch state (validators, when given, replace the old
// ones) are updated in one transaction, and no version is added. The
// article is the one url was last archived as; it is an error wrapping
// ErrNotFound when url was never archived. The frontier URLs in done, when
// given, leave the frontier in the same transaction (see Done); a Touch
// that fails removes nothing.
func (s *Store) Touch(ctx context.Context, url string, fetchedAt time.Time, etag, lastModified string, done ...string) error {
	fail := func(err error) error { return fmt.Errorf("touch %s: %w", url, err) }
	if err := stringKey("url", url); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	seen := fetchedAt.UTC()
	if fetchedAt.IsZero() {
		seen = time.Now().UTC()
	}
	err := s.update(func(tx *bolt.Tx) error {
		fs, err := bucket(tx, bucketFetchState)
		if err != nil {
			return err
		}
		articles, err := bucket(tx, bucketArticles)
		if err != nil {
			return err
		}
		var rec fetchStateRecord
		if v := fs.Get([]byte(url)); v != nil {
			if err := openJSON(v, &rec); err != nil {
				return fmt.Errorf("%w: fetch_state %q: %v", ErrCorrupt, url, err)
			}
		}
		artURL := articleOf(url, &rec)
		id := Hash([]byte(artURL))
		art, err := readArticle(articles, id)
		if err != nil {
			return err
		}
		if seen.After(art.LastSeen) {
			art.LastSeen = seen
			if err := putJSON(articles, id[:], art); err != nil {
				return err
			}
		}
		if err := recordFetch(fs, url, KindArticle, artURL, etag, lastModified, seen, false, false); err != nil {
			return err
		}
		if err := frontierDone(tx, done); err != nil {
			return err
		}
		if artURL != url {
			return recordFetch(fs, artURL, KindArticle, artURL, etag, lastModified, seen, false, false)
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

// Robots returns the cached robots.txt of host; ok is false when none is
// cached. Expiry is the caller's to judge.
func (s *Store) Robots(host string) (e RobotsEntry, ok bool, err error) {
	if stringKey("host", host) != nil {
		return RobotsEntry{}, false, nil
	}
	err = s.view(func(tx *bolt.Tx) error {
		var rec robotsRecord
		if found, err := getRecord(tx, bucketRobots, host, &rec); !found || err != nil {
			return err
		}
		e, ok = RobotsEntry{Status: rec.Status, Body: rec.Body, Fetched: rec.Fetched, Expires: rec.Expires}, true
		return nil
	})
	if err != nil {
		return RobotsEntry{}, false, fmt.Errorf("read robots.txt cache: %w", err)
	}
	return e, ok, nil
}

// SaveRobots caches the robots.txt answer of host, replacing any earlier one.
func (s *Store) SaveRobots(ctx context.Context, host string, e RobotsEntry) error {
	if err := stringKey("host", host); err != nil {
		return fmt.Errorf("save robots.txt: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("save robots.txt: %w", err)
	}
	rec := robotsRecord{Status: e.Status, Body: e.Body, Fetched: e.Fetched.UTC(), Expires: e.Expires.UTC()}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRobots)
		if err != nil {
			return err
		}
		return putJSON(b, []byte(host), &rec)
	})
	if err != nil {
		return fmt.Errorf("save robots.txt of %s: %w", host, err)
	}
	return nil
}

// runKey is the runs-bucket key: the start time in nanoseconds since the
// Unix epoch, big-endian, so that runs are in the order they started.
func runKey(start time.Time) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, uint64(start.UnixNano()))
	return k
}

// AddRun records a crawl run. Two runs never share a key: a run starting in
// the same nanosecond as a recorded one is moved a nanosecond later.
func (s *Store) AddRun(ctx context.Context, r Run) error {
	if r.Start.IsZero() || r.Start.UnixNano() < 0 {
		return errors.New("record run: no start time")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	rec := runRecord{
		Start: r.Start.UTC(), End: r.End.UTC(), Sources: validList(r.Sources), Counts: r.Counts,
		Errors: validList(r.Errors), StoppedReason: validUTF8(r.Stopped),
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRuns)
		if err != nil {
			return err
		}
		for b.Get(runKey(rec.Start)) != nil {
			rec.Start = rec.Start.Add(time.Nanosecond)
		}
		return putJSON(b, runKey(rec.Start), &rec)
	})
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	return nil
}

// Runs returns the recorded crawl runs, oldest first.
func (s *Store) Runs(ctx context.Context) ([]Run, error) {
	var out []Run
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRuns)
		if b == nil {
			return nil // an archive from before the bucket, opened read-only
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(out)%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			rec, err := decodeRun(k, v)
			if err != nil {
				return err
			}
			out = append(out, Run{
				Start: rec.Start, End: rec.End, Sources: rec.Sources, Counts: rec.Counts,
				Errors: rec.Errors, Stopped: rec.StoppedReason,
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// decodeRun checks and decodes a runs-bucket entry.
func decodeRun(k, v []byte) (*runRecord, error) {
	if len(k) != 8 {
		return nil, fmt.Errorf("%w: run key %x: %d bytes, want 8", ErrCorrupt, k, len(k))
	}
	var rec runRecord
	if err := openJSON(v, &rec); err != nil {
		return nil, fmt.Errorf("%w: run %x: %v", ErrCorrupt, k, err)
	}
	if !bytes.Equal(runKey(rec.Start), k) {
		return nil, fmt.Errorf("%w: run %x: record starts at %s", ErrCorrupt, k, rec.Start.Format(time.RFC3339Nano))
	}
	return &rec, nil
}

// quoteKey names a string-keyed record in problems: bucket/"key".
func quoteKey(bucket []byte, k []byte) string {
	var sb strings.Builder
	sb.Write(bucket)
	sb.WriteByte('/')
	fmt.Fprintf(&sb, "%q", k)
	return sb.String()
}

// getRecord opens the record at key of the named bucket into rec; found is
// false when there is none, or no bucket (an archive from before it,
// opened read-only).
func getRecord(tx *bolt.Tx, name []byte, key string, rec any) (found bool, err error) {
	b := tx.Bucket(name)
	if b == nil {
		return false, nil
	}
	v := b.Get([]byte(key))
	if v == nil {
		return false, nil
	}
	if err := openJSON(v, rec); err != nil {
		return false, fmt.Errorf("%w: %s %q: %v", ErrCorrupt, name, key, err)
	}
	return true, nil
}
