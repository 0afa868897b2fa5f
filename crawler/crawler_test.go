package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// recorder is a Handler that records the pages it is given.
type recorder struct {
	mu    sync.Mutex
	pages map[string]Page
	dups  []string
	fn    func(ctx context.Context, p Page, f Fetcher) error
	n304  []string
}

func (r *recorder) NotModified(ctx context.Context, p Page) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.Status != http.StatusNotModified || len(p.Body) != 0 {
		return fmt.Errorf("NotModified given status %d, %d bytes", p.Status, len(p.Body))
	}
	r.n304 = append(r.n304, p.URL)
	return nil
}

func (r *recorder) Article(ctx context.Context, p Page, f Fetcher) error {
	r.mu.Lock()
	if r.pages == nil {
		r.pages = map[string]Page{}
	}
	if _, ok := r.pages[p.URL]; ok {
		r.dups = append(r.dups, p.URL)
	}
	r.pages[p.URL] = p
	r.mu.Unlock()
	if r.fn != nil {
		return r.fn(ctx, p, f)
	}
	return nil
}

func (r *recorder) urls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for u := range r.pages {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

var anchorRe = regexp.MustCompile(`<a class="([\w-]+)" href="([^"]*)"`)

// testLinks stands in for extract.Links: selectors of the form "a.CLASS".
func testLinks(body []byte, _ string, base *url.URL, selector string) ([]string, error) {
	class := strings.TrimPrefix(selector, "a.")
	var out []string
	for _, m := range anchorRe.FindAllSubmatch(body, -1) {
		if string(m[1]) != class {
			continue
		}
		ref, err := url.Parse(string(m[2]))
		if err != nil {
			continue
		}
		out = append(out, base.ResolveReference(ref).String())
	}
	return out, nil
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// site is a test news site.
type site struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func (s *site) hit(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func newSite(t *testing.T, extra func(mux *http.ServeMux)) *site {
	t.Helper()
	s := &site{hits: map[string]int{}}
	mux := http.NewServeMux()
	serve := func(path, ctype string, body func(base string) []byte) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Write(body("http://" + r.Host))
		})
	}
	serve("/rss.xml", "application/rss+xml", func(b string) []byte {
		return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title><link>` + b + `/</link>
<item><title>One</title><link>` + b + `/article/1?utm_source=rss&amp;utm_medium=feed</link></item>
<item><title>Two</title><link>/article/2</link></item>
<item><title>Private</title><link>` + b + `/private/9</link></item>
</channel></rss>`)
	})
	serve("/atom.xml", "application/atom+xml", func(b string) []byte {
		return []byte(`<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title><id>urn:x</id><updated>2024-01-01T00:00:00Z</updated>
<entry><title>Two again</title><id>urn:2</id><updated>2024-01-01T00:00:00Z</updated><link rel="alternate" href="` + b + `/article/2#comments"/></entry>
<entry><title>Three</title><id>urn:3</id><updated>2024-01-01T00:00:00Z</updated><link href="` + strings.Replace(b, "127.0.0.1", "127.0.0.1", 1) + `/article/3?fbclid=abc"/></entry>
</feed>`)
	})
	serve("/sitemap_index.xml", "application/xml", func(b string) []byte {
		return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>` + b + `/sitemap-articles.xml.gz</loc></sitemap>
<sitemap><loc>` + b + `/sitemap-nested.xml</loc></sitemap>
<sitemap><loc>` + b + `/sitemap_index.xml</loc></sitemap>
</sitemapindex>`)
	})
	mux.HandleFunc("/sitemap-articles.xml.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-gzip")
		w.Write(gz(t, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://`+r.Host+`/article/4</loc></url>
<url><loc>http://`+r.Host+`/about</loc></url>
<url><loc>ftp://`+r.Host+`/article/44</loc></url>
</urlset>`)))
	})
	serve("/sitemap-nested.xml", "text/xml", func(b string) []byte {
		return []byte(`<sitemapindex><sitemap><loc>` + b + `/sitemap-2.xml</loc></sitemap></sitemapindex>`)
	})
	serve("/sitemap-2.xml", "text/xml", func(b string) []byte {
		return []byte(`<urlset><url><loc>` + b + `/article/1?utm_campaign=x</loc></url><url><loc>` + b + `/article/10</loc></url></urlset>`)
	})
	mux.HandleFunc("/list", func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		links := map[string]string{"1": `<a class="art" href="/article/5">5</a><a class="art" href="article/6#x">6</a><a class="next" href="/list?page=2">next</a>`,
			"2": `<a class="art" href="/article/7">7</a><a class="next" href="/list?page=3&amp;utm_source=x">next</a>`,
			"3": `<a class="art" href="/article/8">8</a><a class="next" href="/list?page=1">next</a>`}[page]
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body>%s</body></html>", links)
	})
	mux.HandleFunc("/article/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><h1>%s</h1></html>", r.URL.Path)
	})
	mux.HandleFunc("/private/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secret")
	})
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	if extra != nil {
		extra(mux)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		for name := range r.Header {
			if strings.HasPrefix(strings.ToLower(name), "x-chronicle") {
				t.Errorf("private header %s sent to %s", name, r.URL)
			}
		}
		if ua := r.Header.Get("User-Agent"); ua != DefaultUserAgent {
			t.Errorf("user agent %q sent to %s", ua, r.URL)
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func newCrawler(t *testing.T, cfg Config) *Crawler {
	t.Helper()
	if cfg.Links == nil {
		cfg.Links = testLinks
	}
	cfg.Logger = zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
	if cfg.tune.backoff == 0 {
		cfg.tune.backoff = 5 * time.Millisecond
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRunDiscoversAndFetches(t *testing.T) {
	s := newSite(t, nil)
	c := newCrawler(t, Config{RespectRobots: true, Concurrency: 4})
	src := Source{
		Name:     "news",
		Feeds:    []string{s.URL + "/rss.xml", s.URL + "/atom.xml"},
		Sitemaps: []string{s.URL + "/sitemap_index.xml"},
		Listings: []Listing{{URL: s.URL + "/list?page=1", Links: "a.art", Next: "a.next", MaxPages: 2}},
		Match:    regexp.MustCompile(`/(article|private)/\d+$`),
	}
	// A second source naming an article already queued: fetched once.
	other := Source{Name: "other", Feeds: []string{s.URL + "/rss.xml"}}
	h := &recorder{}
	stats, err := c.Run(context.Background(), []Source{src, other}, h)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range []string{"1", "10", "2", "3", "4", "5", "6", "7"} {
		want = append(want, s.URL+"/article/"+n)
	}
	if got := h.urls(); !slices.Equal(got, want) {
		t.Errorf("articles fetched:\n got %q\nwant %q", got, want)
	}
	if len(h.dups) > 0 {
		t.Errorf("articles handed over twice: %q", h.dups)
	}
	for path, n := range map[string]int{"/article/1": 1, "/article/2": 1, "/article/8": 0, "/private/9": 0, "/about": 0, "/sitemap_index.xml": 1} {
		if got := s.hit(path); got != n {
			t.Errorf("%s fetched %d times, want %d", path, got, n)
		}
	}
	if s.hit("/list") != 2 {
		t.Errorf("listing pages fetched %d, want 2 (MaxPages)", s.hit("/list"))
	}
	// 2 feeds + 1 rss again + 4 sitemaps + 2 listing pages + 8 articles
	wantStats := Stats{Sources: 2, PagesFetched: 17}
	if stats != wantStats {
		t.Errorf("stats = %+v, want %+v", stats, wantStats)
	}
	p := h.pages[s.URL+"/article/6"]
	if p.Status != 200 || p.Source != "news" || !bytes.Contains(p.Body, []byte("/article/6")) || p.FinalURL != s.URL+"/article/6" || p.FetchedAt.IsZero() {
		t.Errorf("page = %+v", p)
	}
}

func TestListingPagesFollowedUntilCycle(t *testing.T) {
	s := newSite(t, nil)
	c := newCrawler(t, Config{})
	h := &recorder{}
	src := Source{Name: "l", Listings: []Listing{{URL: s.URL + "/list?page=1", Links: "a.art", Next: "a.next", MaxPages: 10}}}
	if _, err := c.Run(context.Background(), []Source{src}, h); err != nil {
		t.Fatal(err)
	}
	if got := s.hit("/list"); got != 3 {
		t.Errorf("listing pages fetched %d, want 3 (page 3 links back to page 1)", got)
	}
	if got := len(h.urls()); got != 4 {
		t.Errorf("articles = %q, want 4", h.urls())
	}
}

func TestRunNeedsLinksForListings(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Run(context.Background(), []Source{{Name: "x", Listings: []Listing{{URL: "http://127.0.0.1:1/"}}}}, &recorder{})
	if err == nil {
		t.Fatal("want error without Links")
	}
}

func TestNewRejectsNegative(t *testing.T) {
	for _, cfg := range []Config{{Concurrency: -1}, {PerHostParallelism: -1}, {PerHostDelay: -1}, {Timeout: -1}, {MaxPageBytes: -1}, {MaxAssetBytes: -1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

// gbkBody is "<p>中文新闻</p>" encoded in GBK.
var gbkBody = []byte{'<', 'p', '>', 0xd6, 0xd0, 0xce, 0xc4, 0xd0, 0xc2, 0xce, 0xc5, '<', '/', 'p', '>'}

func TestCharsetBytesKept(t *testing.T) {
	s := newSite(t, func(mux *http.ServeMux) {
		mux.HandleFunc("/gbk/1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=gbk")
			w.Write(gbkBody)
		})
		mux.HandleFunc("/gbk.xml", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			fmt.Fprintf(w, `<rss version="2.0"><channel><item><link>http://%s/gbk/1</link></item></channel></rss>`, r.Host)
		})
	})
	c := newCrawler(t, Config{})
	h := &recorder{}
	if _, err := c.Run(context.Background(), []Source{{Name: "gbk", Feeds: []string{s.URL + "/gbk.xml"}}}, h); err != nil {
		t.Fatal(err)
	}
	p, ok := h.pages[s.URL+"/gbk/1"]
	if !ok {
		t.Fatalf("page not fetched: %q", h.urls())
	}
	if !bytes.Equal(p.Body, gbkBody) {
		t.Errorf("body = % x, want % x", p.Body, gbkBody)
	}
	if ct := p.Header.Get("Content-Type"); ct != "text/html; charset=gbk" {
		t.Errorf("Content-Type = %q", ct)
	}
	if v := p.Header.Get(headerOrigType); v != "" {
		t.Errorf("private header leaked: %q", v)
	}
}

func TestSizeLimits(t *testing.T) {
	const limit = 64 << 10
	big := bytes.Repeat([]byte("a"), limit+1)
	bomb := gz(t, make([]byte, 8<<20))
	s := newSite(t, func(mux *http.ServeMux) {
		mux.HandleFunc("/article/big", func(w http.ResponseWriter, r *http.Request) {
			w.Write(big)
		})
		mux.HandleFunc("/article/chunked-big", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 1000 {
				w.Write(big[i:min(i+1000, len(big))])
				w.(http.Flusher).Flush()
			}
		})
		mux.HandleFunc("/article/bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "text/html")
			w.Write(bomb)
		})
		mux.HandleFunc("/article/exact", func(w http.ResponseWriter, r *http.Request) {
			w.Write(big[:limit])
		})
		mux.HandleFunc("/img/big.jpg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(bytes.Repeat([]byte{0xff}, limit*2+1))
		})
		mux.HandleFunc("/img/ok.jpg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(bytes.Repeat([]byte{0xff}, limit*2))
		})
		mux.HandleFunc("/sizes.xml", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<rss version="2.0"><channel>
<item><link>http://%[1]s/article/big</link></item><item><link>http://%[1]s/article/chunked-big</link></item>
<item><link>http://%[1]s/article/bomb</link></item><item><link>http://%[1]s/article/exact</link></item></channel></rss>`, r.Host)
		})
	})
	c := newCrawler(t, Config{MaxPageBytes: limit, MaxAssetBytes: 2 * limit})
	var assetErrs []error
	var mu sync.Mutex
	h := &recorder{fn: func(ctx context.Context, p Page, f Fetcher) error {
		okp, err := f.FetchAsset(ctx, s.URL+"/img/ok.jpg")
		if err != nil || len(okp.Body) != 2*limit {
			t.Errorf("asset within limit: %d bytes, %v", len(okp.Body), err)
		}
		_, err = f.FetchAsset(ctx, s.URL+"/img/big.jpg")
		mu.Lock()
		assetErrs = append(assetErrs, err)
		mu.Unlock()
		return nil
	}}
	stats, err := c.Run(context.Background(), []Source{{Name: "sizes", Feeds: []string{s.URL + "/sizes.xml"}}}, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.urls(); !slices.Equal(got, []string{s.URL + "/article/exact"}) {
		t.Errorf("handled %q, want only /article/exact", got)
	}
	if len(assetErrs) != 1 || !errors.Is(assetErrs[0], ErrTooLarge) {
		t.Errorf("asset errors = %v, want one ErrTooLarge", assetErrs)
	}
	if stats.Errors != 4 { // three pages and one asset
		t.Errorf("errors = %d, want 4", stats.Errors)
	}

	// The same through fetch, to see the errors themselves.
	r := newRun(context.Background(), c.cfg)
	defer r.close()
	for _, path := range []string{"/article/big", "/article/chunked-big", "/article/bomb"} {
		_, err := r.fetch(context.Background(), s.URL+path, kindPage, "t")
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", path, err)
		} else if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprint(limit)) {
			t.Errorf("%s: error %q should name the url and the limit", path, err)
		}
	}
}

// TestTransportGzipBomb covers the transport's own gunzip (the base
// transport does not decompress) and gzipped sitemaps served as files.
func TestTransportGzip(t *testing.T) {
	const limit = 1 << 20
	bomb := gz(t, make([]byte, 8<<20))
	small := gz(t, []byte("<urlset></urlset>"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb)
		case "/ok":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(small)
		case "/s.xml.gz":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(small)
		case "/plain.xml.gz": // already decompressed by the server
			w.Write([]byte("<urlset></urlset>"))
		case "/a.gz":
			w.Write(small)
		}
	}))
	defer srv.Close()
	base := &http.Transport{DisableCompression: true}
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: newTransport(base, limit, limit)}
	get := func(path string, asset bool) ([]byte, *http.Response, error) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if asset {
			req.Header.Set(headerKind, "asset")
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := readAll(resp)
		return b, resp, err
	}
	if _, _, err := get("/bomb", false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("bomb: err = %v, want ErrTooLarge", err)
	}
	for _, path := range []string{"/ok", "/s.xml.gz", "/plain.xml.gz"} {
		b, resp, err := get(path, false)
		if err != nil || string(b) != "<urlset></urlset>" {
			t.Errorf("%s: %q, %v", path, b, err)
			continue
		}
		if !resp.Uncompressed {
			t.Errorf("%s: Uncompressed not set", path)
		}
		if path == "/ok" && resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: Content-Encoding kept", path)
		}
	}
	// An asset named .gz is kept as served.
	if b, _, err := get("/a.gz", true); err != nil || !bytes.Equal(b, small) {
		t.Errorf("asset .gz: %d bytes, %v", len(b), err)
	}
}

func readAll(resp *http.Response) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(resp.Body)
	return buf.Bytes(), err
}

func TestRobotsRespected(t *testing.T) {
	s := newSite(t, nil)
	for _, respect := range []bool{true, false} {
		c := newCrawler(t, Config{RespectRobots: respect})
		h := &recorder{}
		stats, err := c.Run(context.Background(), []Source{{Name: "r", Feeds: []string{s.URL + "/rss.xml"}}}, h)
		if err != nil {
			t.Fatal(err)
		}
		_, got := h.pages[s.URL+"/private/9"]
		if got == respect {
			t.Errorf("respect=%v: private page handled=%v", respect, got)
		}
		if stats.Errors != 0 {
			t.Errorf("respect=%v: errors = %d, want 0", respect, stats.Errors)
		}
	}
	if s.hit("/private/9") != 1 {
		t.Errorf("private page fetched %d times, want 1 (only with robots ignored)", s.hit("/private/9"))
	}
}

func TestPerHostLimits(t *testing.T) {
	var cur, peak atomic.Int64
	var startsMu sync.Mutex
	var starts []time.Time
	const n = 16
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.xml" {
			var b strings.Builder
			b.WriteString(`<rss version="2.0"><channel>`)
			for i := range n {
				fmt.Fprintf(&b, `<item><link>/a/%d</link></item>`, i)
			}
			b.WriteString(`</channel></rss>`)
			w.Write([]byte(b.String()))
			return
		}
		startsMu.Lock()
		starts = append(starts, time.Now())
		startsMu.Unlock()
		c := cur.Add(1)
		for {
			p := peak.Load()
			if c <= p || peak.CompareAndSwap(p, c) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		cur.Add(-1)
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	t.Run("parallelism", func(t *testing.T) {
		peak.Store(0)
		c := newCrawler(t, Config{Concurrency: 8, PerHostParallelism: 2})
		h := &recorder{}
		if _, err := c.Run(context.Background(), []Source{{Name: "p", Feeds: []string{srv.URL + "/feed.xml"}}}, h); err != nil {
			t.Fatal(err)
		}
		if len(h.urls()) != n {
			t.Fatalf("handled %d pages, want %d", len(h.urls()), n)
		}
		if p := peak.Load(); p > 2 || p < 1 {
			t.Errorf("peak concurrent requests = %d, want <= 2", p)
		}
	})
	t.Run("delay", func(t *testing.T) {
		startsMu.Lock()
		starts = nil
		startsMu.Unlock()
		const delay = 20 * time.Millisecond
		c := newCrawler(t, Config{Concurrency: 8, PerHostParallelism: 4, PerHostDelay: delay})
		if _, err := c.Run(context.Background(), []Source{{Name: "d", Feeds: []string{srv.URL + "/feed.xml"}}}, &recorder{}); err != nil {
			t.Fatal(err)
		}
		startsMu.Lock()
		defer startsMu.Unlock()
		slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
		// Starts are paced at the client; the server sees them with the jitter
		// of connection set-up, so check the pace over the whole run.
		if len(starts) != n {
			t.Fatalf("%d requests, want %d", len(starts), n)
		}
		if span, want := starts[n-1].Sub(starts[0]), time.Duration(n-1)*delay; span < want*9/10 {
			t.Errorf("%d requests started within %s, want >= %s", n, span, want)
		}
	})
}

func TestHTTPErrorsCounted(t *testing.T) {
	s := newSite(t, func(mux *http.ServeMux) {
		mux.HandleFunc("/article/404", http.NotFound)
		mux.HandleFunc("/article/500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		})
		mux.HandleFunc("/errs.xml", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<rss version="2.0"><channel><item><link>/article/404</link></item>
<item><link>/article/500</link></item><item><link>/article/ok</link></item></channel></rss>`)
		})
		mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/article/ok", http.StatusMovedPermanently)
		})
		mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/redirect", http.StatusFound)
		})
	})
	c := newCrawler(t, Config{})
	h := &recorder{}
	sources := []Source{
		{Name: "mixed", Feeds: []string{s.URL + "/errs.xml"}},
		{Name: "dead", Feeds: []string{s.URL + "/missing.xml", "not a url"}, Sitemaps: []string{s.URL + "/rss.xml"}},
		{Name: "loop", Feeds: []string{s.URL + "/redirect"}},
		{Name: "empty"},
	}
	stats, err := c.Run(context.Background(), sources, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.urls(); !slices.Equal(got, []string{s.URL + "/article/ok"}) {
		t.Errorf("handled %q", got)
	}
	// 404 + 500 articles, missing feed, bad url, rss-as-sitemap, redirect loop
	want := Stats{Sources: 4, SourcesFailed: 2, PagesFetched: 3, Errors: 6}
	if stats != want {
		t.Errorf("stats = %+v, want %+v", stats, want)
	}
	if got := s.hit("/redirect"); got != 2 {
		t.Errorf("/redirect requested %d times, want 2 (one return to a URL is allowed, a second stops the loop)", got)
	}

	r := newRun(context.Background(), c.cfg)
	defer r.close()
	p, err := r.fetch(context.Background(), s.URL+"/article/404", kindPage, "t")
	if !errors.Is(err, ErrStatus) || p.Status != 404 {
		t.Errorf("fetch 404: status %d, err %v", p.Status, err)
	}
	p, err = r.fetch(context.Background(), s.URL+"/moved", kindPage, "t")
	if err != nil || p.URL != s.URL+"/moved" || p.FinalURL != s.URL+"/article/ok" || p.Status != 200 {
		t.Errorf("fetch redirect: %+v, %v", p, err)
	}
}

func TestHandlerErrorCounted(t *testing.T) {
	s := newSite(t, nil)
	c := newCrawler(t, Config{})
	h := &recorder{fn: func(context.Context, Page, Fetcher) error { return errors.New("extract failed") }}
	stats, err := c.Run(context.Background(), []Source{{Name: "h", Feeds: []string{s.URL + "/atom.xml"}}}, h)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Errors != 2 {
		t.Errorf("errors = %d, want 2", stats.Errors)
	}
}

func TestCancelStopsRun(t *testing.T) {
	started := make(chan struct{}, 100)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.xml" {
			var b strings.Builder
			b.WriteString(`<rss version="2.0"><channel>`)
			for i := range 50 {
				fmt.Fprintf(&b, `<item><link>/a/%d</link></item>`, i)
			}
			b.WriteString(`</channel></rss>`)
			w.Write([]byte(b.String()))
			return
		}
		requests.Add(1)
		started <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	c := newCrawler(t, Config{Concurrency: 2, PerHostParallelism: 2})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	begin := time.Now()
	stats, err := c.Run(ctx, []Source{{Name: "slow", Feeds: []string{srv.URL + "/feed.xml"}}}, &recorder{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(begin); d > 3*time.Second {
		t.Errorf("run took %s after cancel", d)
	}
	if n := requests.Load(); n > 4 {
		t.Errorf("%d article requests started, want at most a few", n)
	}
	if stats.Sources != 1 || stats.Errors != 0 {
		t.Errorf("stats = %+v", stats)
	}
}

func TestFetchAssetContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newCrawler(t, Config{})
	r := newRun(context.Background(), c.cfg)
	defer r.close()
	f := &fetcher{r: r, src: &sourceState{src: &Source{Name: "a"}}}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	begin := time.Now()
	_, err := f.FetchAsset(ctx, srv.URL+"/slow.jpg")
	if err == nil || time.Since(begin) > 2*time.Second {
		t.Errorf("FetchAsset with expiring ctx: %v after %s", err, time.Since(begin))
	}
	if _, err := f.FetchAsset(context.Background(), "data:image/png;base64,AAAA"); err == nil {
		t.Error("FetchAsset accepted a data: url")
	}
}

func TestUnsupportedContentEncodingIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "br")
		w.Write([]byte("not brotli at all"))
	}))
	defer srv.Close()
	c, err := New(Config{RespectRobots: false})
	if err != nil {
		t.Fatal(err)
	}
	h := &recorder{}
	stats, err := c.Run(context.Background(), []Source{{Name: "s", Sitemaps: []string{srv.URL + "/sitemap.xml"}}}, h)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Errors != 1 || stats.SourcesFailed != 1 || stats.PagesFetched != 0 {
		t.Errorf("a br-encoded answer: %+v, want one error and nothing fetched", stats)
	}
}
