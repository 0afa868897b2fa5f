package crawler

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Retry and politeness limits. They are constants so that every run, and
// every site, is treated the same; doc.go explains each.
const (
	// MaxRetries is how many times a fetch is tried again after a 5xx, a
	// 429, a timeout or a connection error (so at most MaxRetries+1 tries).
	MaxRetries = 3
	// RetryBackoff is the first wait before a retry; it doubles with each
	// retry (1s, 2s, 4s) and up to half of it again is added at random, so
	// that workers hitting one failing host do not retry in step.
	RetryBackoff = time.Second
	// MaxRetryAfter is the longest Retry-After the crawler waits for. A
	// longer one (or one that would outlast the run's deadline) makes the
	// crawler give up on the URL for this run; it stays pending.
	MaxRetryAfter = 5 * time.Minute
	// MaxCrawlDelay caps the per-host delay a robots.txt Crawl-delay or
	// repeated 429s can impose, so that one host cannot stall a run for
	// hours; a host wanting more is still fetched, only at this pace.
	MaxCrawlDelay = 30 * time.Second
	// RobotsTTL is how long a fetched robots.txt is trusted (cached in
	// State; without a State, for the run).
	RobotsTTL = 24 * time.Hour
)

// ErrDeferred is returned (wrapped) when the crawler gives up on a URL for
// this run only: the host asked to be left alone for longer than the run
// may wait (Retry-After), kept answering 429/503, or its robots.txt could
// not be read. An article URL given up on this way stays pending in State.
var ErrDeferred = errors.New("deferred to the next run")

// errRedirectLoop stops a chain of redirects that comes back to an
// address it has already visited twice.
var errRedirectLoop = errors.New("redirect loop")

// errTooManyRedirects stops a chain of more than maxRedirects redirects.
var errTooManyRedirects = errors.New("too many redirects")

// tuning holds the limits above for one Crawler. Tests shorten them; New
// fills zero fields from the constants.
type tuning struct {
	maxRetries    int // < 0: no retries
	backoff       time.Duration
	maxRetryAfter time.Duration
	maxCrawlDelay time.Duration
	robotsTTL     time.Duration
	trap          trapLimits
}

func (t *tuning) fill() {
	if t.maxRetries == 0 {
		t.maxRetries = MaxRetries
	}
	if t.maxRetries < 0 {
		t.maxRetries = 0
	}
	if t.backoff == 0 {
		t.backoff = RetryBackoff
	}
	if t.maxRetryAfter == 0 {
		t.maxRetryAfter = MaxRetryAfter
	}
	if t.maxCrawlDelay == 0 {
		t.maxCrawlDelay = MaxCrawlDelay
	}
	if t.robotsTTL == 0 {
		t.robotsTTL = RobotsTTL
	}
	t.trap.fill()
}

// backoffFor is the wait before retry number attempt+1: base doubled
// attempt times, plus up to half of that at random.
func backoffFor(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt, 16)
	if half := int64(d / 2); half > 0 {
		d += time.Duration(rand.Int64N(half))
	}
	return d
}

// retryAfter parses a Retry-After header: delta seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// throttled tells whether a status asks the client to slow down.
func throttled(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// transient tells whether a failed attempt may succeed if tried again: a
// 5xx, a timeout (the site's, not the run's) or a broken connection.
func transient(ctx context.Context, status int, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err == nil {
		return status >= 500 && status <= 599
	}
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrEncoding) || errors.Is(err, ErrDisallowed) ||
		errors.Is(err, errRedirectLoop) || errors.Is(err, errTooManyRedirects) || errors.Is(err, ErrStatus) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true // the per-request timeout while reading the body
	}
	var op *net.OpError
	return errors.As(err, &op) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// deadlineBefore tells whether ctx ends before now+d.
func deadlineBefore(ctx context.Context, now time.Time, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && dl.Before(now.Add(d))
}
