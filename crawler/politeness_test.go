package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeState is a State kept in maps: a frontier (enqueued, not yet done),
// recheck answers, validators and a robots.txt cache.
type fakeState struct {
	mu         sync.Mutex
	frontier   map[string]string // url -> source
	enqueued   []string
	done       []string
	notDue     map[string]bool
	validators map[string][2]string
	robots     map[string]fakeRobots
	saved      []fakeRobots
}

type fakeRobots struct {
	host             string
	status           int
	body             []byte
	fetched, expires time.Time
}

func newFakeState() *fakeState {
	return &fakeState{frontier: map[string]string{}, notDue: map[string]bool{},
		validators: map[string][2]string{}, robots: map[string]fakeRobots{}}
}

func (s *fakeState) Pending(source string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for u, src := range s.frontier {
		if src == source {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *fakeState) Enqueue(source string, urls []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range urls {
		s.frontier[u] = source
		s.enqueued = append(s.enqueued, u)
	}
	return nil
}

func (s *fakeState) Done(u string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.frontier, u)
	s.done = append(s.done, u)
	return nil
}

func (s *fakeState) Due(_, u string, _ time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.notDue[u], nil
}

func (s *fakeState) Validators(u string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.validators[u]
	return v[0], v[1], nil
}

func (s *fakeState) Robots(host string, now time.Time) (int, []byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.robots[host]
	if !ok || !now.Before(r.expires) {
		return 0, nil, false, nil
	}
	return r.status, r.body, true, nil
}

func (s *fakeState) SaveRobots(host string, status int, body []byte, fetched, expires time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := fakeRobots{host, status, body, fetched, expires}
	s.robots[host] = r
	s.saved = append(s.saved, r)
	return nil
}

func (s *fakeState) isEnqueued(u string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.enqueued, u)
}

func (s *fakeState) doneList() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.done)
}

func (s *fakeState) pendingList() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for u := range s.frontier {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// logEntry is one request as the server saw it.
type logEntry struct {
	path       string
	start, end time.Time
	header     http.Header
	status     int
}

// logServer is a test server that keeps its own request log: what it was
// asked, when, and how many requests it was serving at once.
type logServer struct {
	*httptest.Server
	mu       sync.Mutex
	log      []logEntry
	inflight int
	peak     int
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() { w.ResponseWriter.(http.Flusher).Flush() }

func newLogServer(t *testing.T, h http.HandlerFunc) *logServer {
	t.Helper()
	s := &logServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.inflight++
		s.peak = max(s.peak, s.inflight)
		s.mu.Unlock()
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h(sw, r)
		s.mu.Lock()
		s.inflight--
		s.log = append(s.log, logEntry{path: r.URL.RequestURI(), start: start, end: time.Now(), header: r.Header.Clone(), status: sw.status})
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

// entries returns the log sorted by start, optionally only the paths with
// prefix.
func (s *logServer) entries(prefix string) []logEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []logEntry
	for _, e := range s.log {
		if strings.HasPrefix(e.path, prefix) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b logEntry) int { return a.start.Compare(b.start) })
	return out
}

func (s *logServer) count(path string) int {
	n := 0
	for _, e := range s.entries("") {
		if e.path == path {
			n++
		}
	}
	return n
}

// checkPace checks that the request starts in es are spaced by delay: the
// span of the whole sequence is at least (n-1)*delay (minus tolerance) and
// no two starts are closer than half of it. The server sees a start later
// than the client paced it whenever the scheduler or a new connection
// delays its handler, so a single gap can look short by that much; the
// span cannot.
func checkPace(t *testing.T, what string, es []logEntry, delay time.Duration) {
	t.Helper()
	if len(es) < 2 {
		t.Errorf("%s: %d requests", what, len(es))
		return
	}
	if span, want := es[len(es)-1].start.Sub(es[0].start), time.Duration(len(es)-1)*delay-tolerance; span < want {
		t.Errorf("%s: %d requests started within %s, want >= %s", what, len(es), span, want)
	}
	if g := minGap(es); g < delay/2 {
		t.Errorf("%s: two requests started %s apart, delay is %s", what, g, delay)
		for _, e := range es {
			t.Logf("%s %s .. %s", e.path, e.start.Format("15:04:05.000000"), e.end.Format("15:04:05.000000"))
		}
	}
}

// minGap is the shortest time between two consecutive request starts.
func minGap(es []logEntry) time.Duration {
	gap := time.Duration(1 << 62)
	for i := 1; i < len(es); i++ {
		gap = min(gap, es[i].start.Sub(es[i-1].start))
	}
	return gap
}

func feedOf(paths ...string) string {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel>`)
	for _, p := range paths {
		fmt.Fprintf(&b, `<item><link>%s</link></item>`, p)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func articlePaths(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

// tolerance absorbs the difference between when the client paces a
// request and when the server's handler starts.
const tolerance = 15 * time.Millisecond

func TestPerHostParallelismAndDelayFromServerLog(t *testing.T) {
	const n = 10
	handler := func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow:\n")
		case "/feed.xml":
			fmt.Fprint(w, feedOf(articlePaths("/a/", n)...))
		default:
			time.Sleep(60 * time.Millisecond)
			fmt.Fprint(w, "<html>ok</html>")
		}
	}
	a, b := newLogServer(t, handler), newLogServer(t, handler)
	const delay = 40 * time.Millisecond
	c := newCrawler(t, Config{Concurrency: 8, PerHostParallelism: 2, PerHostDelay: delay, RespectRobots: true})
	h := &recorder{}
	sources := []Source{{Name: "a", Feeds: []string{a.URL + "/feed.xml"}}, {Name: "b", Feeds: []string{b.URL + "/feed.xml"}}}
	if _, err := c.Run(context.Background(), sources, h); err != nil {
		t.Fatal(err)
	}
	if got := len(h.urls()); got != 2*n {
		t.Fatalf("handled %d articles, want %d", got, 2*n)
	}
	for _, s := range []*logServer{a, b} {
		if s.peak > 2 {
			t.Errorf("server saw %d requests at once, per-host parallelism is 2", s.peak)
		}
		es := s.entries("")
		if len(es) != n+2 {
			t.Errorf("server saw %d requests, want %d", len(es), n+2)
		}
		checkPace(t, "per-host delay", es, delay)
		if es[0].path != "/robots.txt" {
			t.Errorf("first request %s, want /robots.txt", es[0].path)
		}
	}
}

func TestCrawlDelayHonouredAndCapped(t *testing.T) {
	for _, tc := range []struct {
		name       string
		crawlDelay string
		cap, want  time.Duration
	}{
		{"honoured", "0.2", 0, 200 * time.Millisecond},
		{"capped", "3600", 250 * time.Millisecond, 250 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/robots.txt":
					// Our group wins over *, and a bad line does not void the file.
					fmt.Fprintf(w, "User-agent: *\nDisallow: /\n\nUser-agent: chronicle\nCrawl-delay: %s\nCrawl-delay: soon\nDisallow: /private/\n", tc.crawlDelay)
				case "/feed.xml":
					fmt.Fprint(w, feedOf("/a/1", "/a/2", "/a/3", "/private/1"))
				default:
					fmt.Fprint(w, "<html>ok</html>")
				}
			})
			cfg := Config{Concurrency: 4, PerHostParallelism: 4, PerHostDelay: 10 * time.Millisecond, RespectRobots: true}
			cfg.tune.maxCrawlDelay = tc.cap
			c := newCrawler(t, cfg)
			h := &recorder{}
			if _, err := c.Run(context.Background(), []Source{{Name: "cd", Feeds: []string{s.URL + "/feed.xml"}}}, h); err != nil {
				t.Fatal(err)
			}
			if got := len(h.urls()); got != 3 {
				t.Fatalf("handled %q, want the 3 allowed articles", h.urls())
			}
			// After robots.txt, every start is Crawl-delay after the one before.
			es := s.entries("")[1:]
			checkPace(t, "crawl-delay", es, tc.want)
			if tc.cap > 0 {
				if span := es[len(es)-1].start.Sub(es[0].start); span > 10*tc.want {
					t.Errorf("span %s: Crawl-delay not capped at %s", span, tc.want)
				}
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	var mu sync.Mutex
	served := map[string]int{}
	s := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served[r.URL.Path]++
		n := served[r.URL.Path]
		mu.Unlock()
		switch {
		case r.URL.Path == "/feed.xml":
			fmt.Fprint(w, feedOf("/a/slow-down", "/a/2", "/a/3", "/a/gone-for-an-hour"))
		case r.URL.Path == "/a/slow-down" && n == 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case r.URL.Path == "/a/gone-for-an-hour":
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			fmt.Fprint(w, "<html>ok</html>")
		}
	})
	st := newFakeState()
	c := newCrawler(t, Config{Concurrency: 1, PerHostParallelism: 1, State: st})
	h := &recorder{}
	begin := time.Now()
	stats, err := c.Run(context.Background(), []Source{{Name: "ra", Feeds: []string{s.URL + "/feed.xml"}}}, h)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("run took %s: a 1h Retry-After must not be waited for", d)
	}
	es := s.entries("/a/slow-down")
	if len(es) != 2 || es[1].status != 200 {
		t.Fatalf("/a/slow-down requested %d times, want 2", len(es))
	}
	if gap := es[1].start.Sub(es[0].end); gap < time.Second-tolerance {
		t.Errorf("retried %s after a 429 with Retry-After: 1", gap)
	}
	// The whole host paused: nothing started during the second.
	for _, e := range s.entries("/a/") {
		if e.start.After(es[0].end) && e.start.Before(es[0].end.Add(time.Second-tolerance)) {
			t.Errorf("%s requested %s after the 429", e.path, e.start.Sub(es[0].end))
		}
	}
	if _, ok := h.pages[s.URL+"/a/slow-down"]; !ok {
		t.Error("article not handled after its Retry-After")
	}
	if stats.Deferred != 1 || stats.Errors != 0 {
		t.Errorf("stats = %+v, want one deferred, no errors", stats)
	}
	if got := st.pendingList(); !slices.Equal(got, []string{s.URL + "/a/gone-for-an-hour"}) {
		t.Errorf("pending after the run = %q, want the 1h Retry-After URL", got)
	}
	if s.count("/a/gone-for-an-hour") != 1 {
		t.Errorf("1h Retry-After URL requested %d times, want 1", s.count("/a/gone-for-an-hour"))
	}
}

func TestRetryAfterBeyondDeadlineAndRepeated429(t *testing.T) {
	s := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/deadline":
			w.Header().Set("Retry-After", "2")
		case "/date":
			w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(http.StatusTooManyRequests)
	})
	cfg := Config{}
	cfg.tune.backoff = 20 * time.Millisecond
	c := newCrawler(t, cfg)
	r := newRun(context.Background(), c.cfg)
	defer r.close()
	host := strings.TrimPrefix(s.URL, "http://")

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	begin := time.Now()
	for _, path := range []string{"/deadline", "/date"} {
		if _, err := r.fetch(ctx, s.URL+path, kindPage, "t"); !errors.Is(err, ErrDeferred) {
			t.Errorf("%s: err = %v, want ErrDeferred", path, err)
		}
	}
	if d := time.Since(begin); d > 300*time.Millisecond {
		t.Errorf("gave up after %s; a wait past the deadline or the cap should not start", d)
	}
	before := r.hosts.delayOf(host)
	// No Retry-After: exponential backoff, and the host's delay doubles per 429.
	if _, err := r.fetch(context.Background(), s.URL+"/plain", kindPage, "t"); !errors.Is(err, ErrDeferred) {
		t.Errorf("/plain: err = %v, want ErrDeferred after %d tries", err, MaxRetries+1)
	}
	if n := s.count("/plain"); n != MaxRetries+1 {
		t.Errorf("/plain tried %d times, want %d", n, MaxRetries+1)
	}
	if after := r.hosts.delayOf(host); after < 8*cfg.tune.backoff || after <= before {
		t.Errorf("host delay %s -> %s after repeated 429s, want raised", before, after)
	}
	if g := minGap(s.entries("/plain")); g < 20*time.Millisecond-tolerance/2 {
		t.Errorf("retries %s apart, backoff starts at 20ms", g)
	}
}

func TestFlakyServerRetried(t *testing.T) {
	var mu sync.Mutex
	served := map[string]int{}
	s := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served[r.URL.Path]++
		n := served[r.URL.Path]
		mu.Unlock()
		switch {
		case r.URL.Path == "/feed.xml" && n == 1:
			http.Error(w, "oops", http.StatusBadGateway)
		case r.URL.Path == "/feed.xml":
			fmt.Fprint(w, feedOf("/a/flaky", "/a/broken", "/a/dropped"))
		case r.URL.Path == "/a/flaky" && n <= 2:
			http.Error(w, "oops", http.StatusInternalServerError)
		case r.URL.Path == "/a/broken":
			http.Error(w, "oops", http.StatusInternalServerError)
		case r.URL.Path == "/a/dropped" && n == 1:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		default:
			fmt.Fprint(w, "<html>ok</html>")
		}
	})
	st := newFakeState()
	cfg := Config{State: st}
	cfg.tune.backoff = 30 * time.Millisecond
	c := newCrawler(t, cfg)
	h := &recorder{}
	stats, err := c.Run(context.Background(), []Source{{Name: "f", Feeds: []string{s.URL + "/feed.xml"}}}, h)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.urls(), []string{s.URL + "/a/dropped", s.URL + "/a/flaky"}; !slices.Equal(got, want) {
		t.Errorf("handled %q, want %q", got, want)
	}
	es := s.entries("/a/flaky")
	if len(es) != 3 {
		t.Fatalf("/a/flaky requested %d times, want 3", len(es))
	}
	if g1, g2 := es[1].start.Sub(es[0].end), es[2].start.Sub(es[1].end); g1 < 30*time.Millisecond-tolerance/3 || g2 < 60*time.Millisecond-tolerance/3 {
		t.Errorf("backoff %s then %s, want >= 30ms then >= 60ms", g1, g2)
	}
	if n := s.count("/a/broken"); n != MaxRetries+1 {
		t.Errorf("/a/broken requested %d times, want %d", n, MaxRetries+1)
	}
	if stats.Errors != 1 {
		t.Errorf("errors = %d, want 1 (the URL still failing after the retries)", stats.Errors)
	}
	// A permanent failure is finished with, like a success.
	done := st.doneList()
	slices.Sort(done)
	if want := []string{s.URL + "/a/broken", s.URL + "/a/dropped", s.URL + "/a/flaky"}; !slices.Equal(done, want) {
		t.Errorf("done = %q, want %q", done, want)
	}
}

func TestSlowTrickleCutOff(t *testing.T) {
	s := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.xml" {
			fmt.Fprint(w, feedOf("/a/trickle", "/a/fine"))
			return
		}
		if r.URL.Path == "/a/fine" {
			fmt.Fprint(w, "<html>ok</html>")
			return
		}
		w.Header().Set("Content-Type", "text/html")
		for range 50 { // 10s in all
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	cfg := Config{Timeout: time.Second}
	cfg.tune.maxRetries = -1
	c := newCrawler(t, cfg)
	h := &recorder{}
	begin := time.Now()
	stats, err := c.Run(context.Background(), []Source{{Name: "t", Feeds: []string{s.URL + "/feed.xml"}}}, h)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 2500*time.Millisecond {
		t.Errorf("run took %s with a 1s timeout", d)
	}
	if got := h.urls(); !slices.Equal(got, []string{s.URL + "/a/fine"}) {
		t.Errorf("handled %q, want only /a/fine", got)
	}
	if stats.Errors != 1 {
		t.Errorf("errors = %d, want 1", stats.Errors)
	}
	// The server's handler sees the connection closed shortly after.
	var es []logEntry
	for range 100 {
		if es = s.entries("/a/trickle"); len(es) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(es) != 1 || es[0].end.Sub(es[0].start) > 1500*time.Millisecond {
		t.Errorf("trickle requests %+v, want one cut off after about 1s", es)
	}
}

func TestRobotsDisallowAndUnavailable(t *testing.T) {
	var mu sync.Mutex
	robotsStatus := http.StatusServiceUnavailable
	down := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		status := robotsStatus
		mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			w.WriteHeader(status)
		case "/feed.xml":
			fmt.Fprint(w, feedOf("/a/1"))
		default:
			fmt.Fprint(w, "<html>ok</html>")
		}
	})
	up := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.Redirect(w, r, "/real-robots.txt", http.StatusMovedPermanently)
		case "/real-robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case "/feed.xml":
			fmt.Fprint(w, feedOf("/a/1", "/private/1", down.URL+"/a/2"))
		default:
			fmt.Fprint(w, "<html>ok</html>")
		}
	})
	st := newFakeState()
	c := newCrawler(t, Config{RespectRobots: true, State: st})
	sources := []Source{{Name: "up", Feeds: []string{up.URL + "/feed.xml"}}, {Name: "down", Feeds: []string{down.URL + "/feed.xml"}}}
	h := &recorder{}
	stats, err := c.Run(context.Background(), sources, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.urls(); !slices.Equal(got, []string{up.URL + "/a/1"}) {
		t.Errorf("handled %q, want only %s/a/1", got, up.URL)
	}
	if up.count("/private/1") != 0 {
		t.Error("robots-disallowed page fetched")
	}
	if es := down.entries(""); len(es) != 1 || es[0].path != "/robots.txt" {
		t.Errorf("host with a 503 robots.txt was asked %d things, want only /robots.txt", len(es))
	}
	// Disallowed: finished (logged, not an error). Unreadable robots.txt: pending.
	if done := st.doneList(); !slices.Contains(done, up.URL+"/private/1") {
		t.Errorf("done = %q, want the disallowed URL in it", done)
	}
	if got := st.pendingList(); !slices.Equal(got, []string{down.URL + "/a/2"}) {
		t.Errorf("pending = %q, want %s/a/2", got, down.URL)
	}
	if stats.Errors != 1 || stats.SourcesFailed != 1 || stats.Deferred != 1 {
		t.Errorf("stats = %+v, want 1 error (the 503 robots.txt), 1 failed source, 1 deferred", stats)
	}
	// The 2xx robots.txt (after its redirect) is cached for RobotsTTL; the 503 is not.
	if len(st.saved) != 1 || st.saved[0].host != up.URL || st.saved[0].expires.Sub(st.saved[0].fetched) != RobotsTTL {
		t.Errorf("robots saved = %+v, want only %s's, for %s", st.saved, up.URL, RobotsTTL)
	}

	// Next run: the cached robots.txt is used, the 503 one is asked again
	// and now a 404 (everything allowed), and the pending URL is fetched.
	mu.Lock()
	robotsStatus = http.StatusNotFound
	mu.Unlock()
	h = &recorder{}
	if _, err := c.Run(context.Background(), sources, h); err != nil {
		t.Fatal(err)
	}
	if n := up.count("/robots.txt"); n != 1 {
		t.Errorf("cached robots.txt fetched again: %d requests", n)
	}
	if n := down.count("/robots.txt"); n != 2 {
		t.Errorf("robots.txt after a 503 requested %d times in two runs, want 2", n)
	}
	if _, ok := h.pages[down.URL+"/a/2"]; !ok {
		t.Errorf("pending URL not fetched once robots.txt was readable: %q", h.urls())
	}
	if len(st.pendingList()) != 0 {
		t.Errorf("pending after the second run: %q", st.pendingList())
	}
}

func TestRedirectLoopStopped(t *testing.T) {
	s := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop/a":
			http.Redirect(w, r, "/loop/b", http.StatusFound)
		case "/loop/b":
			http.Redirect(w, r, "/loop/a", http.StatusFound)
		}
	})
	c := newCrawler(t, Config{})
	r := newRun(context.Background(), c.cfg)
	defer r.close()
	_, err := r.fetch(context.Background(), s.URL+"/loop/a", kindPage, "t")
	if !errors.Is(err, errRedirectLoop) {
		t.Errorf("err = %v, want a redirect loop", err)
	}
	if n := len(s.entries("/loop/")); n > 4 {
		t.Errorf("%d requests in the loop", n)
	}
}

func TestSpiderTrapsBounded(t *testing.T) {
	long := "/a/" + strings.Repeat("x", MaxURLBytes)
	var links []string
	links = append(links, "/a/b/a/b/a/b", "/a/ok;jsessionid=0123456789abcdef", "/a/ok?PHPSESSID=1", "/a/ok?sid=0123456789abcdef0123", "/a/ok?sid=7", long)
	for i := range MaxQueryVariants + 10 {
		links = append(links, fmt.Sprintf("/a/cal?day=%d", i))
	}
	s := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/list":
			// Endless pagination: every page links to the next.
			n := 0
			fmt.Sscan(r.URL.Query().Get("page"), &n)
			fmt.Fprintf(w, `<html><a class="next" href="/list?page=%d">next</a></html>`, n+1)
		case "/feed.xml":
			fmt.Fprint(w, feedOf(links...))
		default:
			fmt.Fprint(w, "<html>ok</html>")
		}
	})
	c := newCrawler(t, Config{Concurrency: 8, PerHostParallelism: 8})
	h := &recorder{}
	src := Source{Name: "trap", Feeds: []string{s.URL + "/feed.xml"},
		Listings: []Listing{{URL: s.URL + "/list?page=0", Links: "a.art", Next: "a.next", MaxPages: 100000}}}
	stats, err := c.Run(context.Background(), []Source{src}, h)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.entries("/list")); n != MaxQueryVariants+1 {
		t.Errorf("listing pages fetched %d, want %d (the seed and %d variations)", n, MaxQueryVariants+1, MaxQueryVariants)
	}
	if n := len(s.entries("/a/cal")); n != MaxQueryVariants {
		t.Errorf("calendar pages fetched %d, want %d", n, MaxQueryVariants)
	}
	if n := s.count("/a/b/a/b/a/b"); n != 0 {
		t.Error("repeating path fetched")
	}
	if n := len(s.entries("/a/ok")); n != 1 { // only ?sid=7, a short story id
		t.Errorf("/a/ok fetched %d times, want 1: %v", n, s.entries("/a/ok"))
	}
	if n := len(s.entries("/a/xxx")); n != 0 {
		t.Error("over-long URL fetched")
	}
	// 1 repeating path, 3 session ids, 1 long, 10 calendar, 1 listing page.
	if want := 1 + 3 + 1 + 10 + 1; stats.Skipped != want {
		t.Errorf("skipped = %d, want %d", stats.Skipped, want)
	}
}

func TestRepeatingSegments(t *testing.T) {
	for path, want := range map[string]bool{
		"/a/b/a/b/a/b":         true,
		"/x/a/b/c/a/b/c/a/b/c": true,
		"/news/news/news/1":    true,
		"/a/b/a/b":             false,
		"/2024/01/01/story":    false,
		"/":                    false,
	} {
		if got := repeatingSegments(path, pathRepeats); got != want {
			t.Errorf("repeatingSegments(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"120":                           2 * time.Minute,
		"Wed, 01 May 2024 12:00:30 GMT": 30 * time.Second,
		"Wed, 01 May 2024 11:00:00 GMT": 0,
		"soon":                          -1,
		"-5":                            -1,
	} {
		got, ok := retryAfter(http.Header{"Retry-After": {v}}, now)
		if (want < 0) == ok || (ok && got != want) {
			t.Errorf("Retry-After %q = %s %v, want %s", v, got, ok, want)
		}
	}
}

func TestIncrementalWithState(t *testing.T) {
	var st *fakeState
	var enqueueViolations []string
	var vmu sync.Mutex
	s := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/feed.xml":
			fmt.Fprint(w, feedOf("/a/new", "/a/known", "/a/not-due"))
		case r.URL.Path == "/img/1.jpg":
			if r.Header.Get("If-None-Match") == `"img1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write([]byte{0xff, 0xd8, 0xff})
		case strings.HasPrefix(r.URL.Path, "/a/"):
			if !strings.HasPrefix(r.URL.Path, "/a/pending") && !st.isEnqueued("http://"+r.Host+r.URL.Path) {
				vmu.Lock()
				enqueueViolations = append(enqueueViolations, r.URL.Path)
				vmu.Unlock()
			}
			if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Wed, 01 May 2024 12:00:00 GMT" {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v2"`)
			fmt.Fprint(w, "<html>article</html>")
		}
	})
	st = newFakeState()
	st.Enqueue("inc", []string{s.URL + "/a/pending1", s.URL + "/a/pending2"})
	st.enqueued = nil
	st.validators[s.URL+"/a/known"] = [2]string{`"v1"`, "Wed, 01 May 2024 12:00:00 GMT"}
	st.validators[s.URL+"/img/1.jpg"] = [2]string{`"img1"`, ""}
	st.notDue[s.URL+"/a/not-due"] = true

	var assetPages []Page
	var amu sync.Mutex
	h := &recorder{fn: func(ctx context.Context, p Page, f Fetcher) error {
		ap, err := f.FetchAsset(ctx, s.URL+"/img/1.jpg")
		if err != nil {
			return err
		}
		amu.Lock()
		assetPages = append(assetPages, ap)
		amu.Unlock()
		return nil
	}}
	var events []ProgressEvent
	c := newCrawler(t, Config{Concurrency: 1, PerHostParallelism: 1, State: st,
		Progress: func(e ProgressEvent) { events = append(events, e) }})
	stats, err := c.Run(context.Background(), []Source{{Name: "inc", Feeds: []string{s.URL + "/feed.xml"}}}, h)
	if err != nil {
		t.Fatal(err)
	}

	var order []string
	for _, e := range s.entries("/a/") {
		order = append(order, e.path)
	}
	if want := []string{"/a/pending1", "/a/pending2", "/a/new", "/a/known"}; !slices.Equal(order, want) {
		t.Errorf("articles requested in order %q, want %q (pending first, not-due skipped)", order, want)
	}
	if len(enqueueViolations) > 0 {
		t.Errorf("fetched before State.Enqueue: %q", enqueueViolations)
	}
	if got := st.enqueued; !slices.Equal(got, []string{s.URL + "/a/new", s.URL + "/a/known"}) {
		t.Errorf("enqueued %q: want the due, newly discovered URLs only", got)
	}
	known := s.entries("/a/known")[0]
	if known.status != http.StatusNotModified {
		t.Errorf("/a/known answered %d, want a 304 to the stored validators (sent %q, %q)",
			known.status, known.header.Get("If-None-Match"), known.header.Get("If-Modified-Since"))
	}
	if h.n304 == nil || h.n304[0] != s.URL+"/a/known" || len(h.n304) != 1 {
		t.Errorf("NotModified calls %q, want /a/known", h.n304)
	}
	if _, ok := h.pages[s.URL+"/a/known"]; ok {
		t.Error("a 304 was handed to Article")
	}
	if e := s.entries("/a/new")[0]; e.header.Get("If-None-Match") != "" || e.header.Get("If-Modified-Since") != "" {
		t.Error("conditional request without stored validators")
	}
	if e := s.entries("/feed.xml")[0]; e.header.Get("If-None-Match") != "" {
		t.Error("feed fetched conditionally")
	}
	if len(assetPages) != 3 {
		t.Fatalf("%d asset fetches", len(assetPages))
	}
	for _, ap := range assetPages {
		if ap.Status != http.StatusNotModified || len(ap.Body) != 0 {
			t.Errorf("asset page status %d, %d bytes, want a 304 without body", ap.Status, len(ap.Body))
		}
	}
	if stats.NotModified != 1 || stats.Errors != 0 || stats.PagesFetched != 4 {
		t.Errorf("stats = %+v", stats)
	}
	done := st.doneList()
	slices.Sort(done)
	if want := []string{s.URL + "/a/known", s.URL + "/a/new", s.URL + "/a/pending1", s.URL + "/a/pending2"}; !slices.Equal(done, want) {
		t.Errorf("done = %q, want %q", done, want)
	}

	// Progress: one event per request, totals never going back.
	if len(events) != len(s.entries("")) {
		t.Errorf("%d progress events for %d requests", len(events), len(s.entries("")))
	}
	for i := 1; i < len(events); i++ {
		a, b := events[i-1], events[i]
		if b.Queued < a.Queued || b.Done < a.Done || b.Fetches != a.Fetches+1 || b.Bytes < a.Bytes {
			t.Errorf("progress went back: %+v then %+v", a, b)
		}
	}
	if last := events[len(events)-1]; last.Queued != 4 || last.Done < 3 || last.Bytes == 0 {
		t.Errorf("last progress %+v", last)
	}
}

func TestCancelLeavesInterruptedPending(t *testing.T) {
	started := make(chan string, 100)
	s := newLogServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			fmt.Fprint(w, feedOf(articlePaths("/a/", 20)...))
		case "/a/0":
			fmt.Fprint(w, "<html>quick</html>")
		default:
			started <- r.URL.Path
			<-r.Context().Done()
		}
	})
	st := newFakeState()
	c := newCrawler(t, Config{Concurrency: 2, PerHostParallelism: 2, State: st})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	h := &recorder{}
	_, err := c.Run(ctx, []Source{{Name: "c", Feeds: []string{s.URL + "/feed.xml"}}}, h)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	done := st.doneList()
	for _, u := range done {
		if _, ok := h.pages[u]; !ok {
			t.Errorf("Done(%s) for a URL that was not handled", u)
		}
	}
	pending := st.pendingList()
	if len(pending) != 20-len(done) {
		t.Errorf("%d pending and %d done of 20 enqueued", len(pending), len(done))
	}
	for _, e := range s.entries("/a/") {
		if e.path != "/a/0" && !slices.Contains(pending, s.URL+e.path) {
			t.Errorf("interrupted %s not left pending", e.path)
		}
	}
}
