package crawler

import "time"

// State is what the crawler remembers between runs. The crawler only asks;
// the pipeline implements it over the archive, so a crawl killed at any
// instant resumes where it stopped and a re-crawl costs 304s, not bytes.
// Every method must be safe for concurrent use; a nil Config.State means a
// crawler that remembers nothing (every discovered URL is fetched
// unconditionally, robots.txt is fetched every run).
type State interface {
	// Pending returns the article URLs of the source that an earlier run
	// discovered (Enqueue) but did not finish (Done): they are fetched
	// first, before any new discovery.
	Pending(source string) ([]string, error)
	// Enqueue records newly discovered article URLs of a source before any
	// of them is fetched.
	Enqueue(source string, urls []string) error
	// Done records that an article URL was handled: archived, found
	// unchanged (304), or given up on after the retries. It leaves the
	// frontier.
	Done(url string) error

	// Due reports whether an article URL should be fetched in this run:
	// true for URLs never archived; for known ones, true when the source's
	// recheck policy says it is time (often while young or recently
	// changed, rarely once old, never past stop_after).
	Due(source, url string, now time.Time) (bool, error)
	// Validators returns the ETag and Last-Modified of the last fetch of a
	// URL (an article or an asset), for a conditional request; "" when
	// unknown.
	Validators(url string) (etag, lastModified string, err error)

	// Robots returns the cached robots.txt of a host (scheme://host:port):
	// its HTTP status and body, and when it expires; ok is false when none
	// is cached or it has expired.
	Robots(host string, now time.Time) (status int, body []byte, ok bool, err error)
	// SaveRobots caches a host's robots.txt until expires.
	SaveRobots(host string, status int, body []byte, fetched, expires time.Time) error
}
