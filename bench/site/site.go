// Package site is the benchmark news site: a deterministic generator of N
// articles with listing pages (paginated), an RSS feed, a sitemap index with
// gzipped parts, two images per article (one of them shared with other
// articles) and a permissive robots.txt, served over HTTP with ETag,
// Last-Modified and 304 support. The same N and mode always give the same
// bytes.
//
// The server counts what it sends and receives on the wire (headers
// included) and the requests it answers by kind, so that clients that count
// differently are measured alike.
package site

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mode selects the pages the site serves.
type Mode int

const (
	// Full articles: 30-100 KB of HTML each with boilerplate, two images.
	Full Mode = iota
	// Tiny articles: a few hundred bytes, no images; for frontier-size runs
	// of 10k to 1M URLs.
	Tiny
)

// Options configure a site.
type Options struct {
	N          int  // articles
	Mode       Mode // Full or Tiny
	PerPage    int  // articles per listing page (default 50)
	PartSize   int  // URLs per sitemap part (default 1000 in Full mode, 50000 in Tiny)
	FeedItems  int  // items in the RSS feed (default 50)
	SharedImgs int  // the pool of shared images (default 100)
}

// Base is the fixed "now" of the site: every date derives from it.
var Base = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// Site is a generated site. Create it with New; serve it with Start.
type Site struct {
	opt Options

	// Full mode: pages and images are generated once, up front.
	pages   [][]byte // article i at pages[i-1]
	etags   []string
	uniq    [][]byte // /img/a/<i>.jpg
	shared  [][]byte // /img/s/<k>.png
	css     []byte
	parts   sync.Map // part number -> []byte (gzipped sitemap part)
	partsMu sync.Mutex

	stats Stats
	ln    *countingListener
	srv   *http.Server
	URL   string // http://127.0.0.1:PORT
}

// Stats are the server's counters.
type Stats struct {
	Requests, Articles, Listings, Images, Feeds, Sitemaps, Other, NotModified atomic.Int64
}

// Snapshot is a copy of the counters at one instant.
type Snapshot struct {
	BytesOut, BytesIn                                                         int64
	Requests, Articles, Listings, Images, Feeds, Sitemaps, Other, NotModified int64
}

// Sub returns s - o, field by field.
func (s Snapshot) Sub(o Snapshot) Snapshot {
	return Snapshot{s.BytesOut - o.BytesOut, s.BytesIn - o.BytesIn, s.Requests - o.Requests, s.Articles - o.Articles,
		s.Listings - o.Listings, s.Images - o.Images, s.Feeds - o.Feeds, s.Sitemaps - o.Sitemaps, s.Other - o.Other,
		s.NotModified - o.NotModified}
}

// New generates a site (in Full mode this takes a second or two per
// thousand articles, spread over the CPUs).
func New(opt Options) *Site {
	if opt.N <= 0 {
		opt.N = 5000
	}
	if opt.PerPage <= 0 {
		opt.PerPage = 50
	}
	if opt.PartSize <= 0 {
		opt.PartSize = 1000
		if opt.Mode == Tiny {
			opt.PartSize = 50000
		}
	}
	if opt.FeedItems <= 0 {
		opt.FeedItems = 50
	}
	if opt.SharedImgs <= 0 {
		opt.SharedImgs = 100
	}
	s := &Site{opt: opt, css: genCSS()}
	if opt.Mode == Full {
		s.pages = make([][]byte, opt.N)
		s.etags = make([]string, opt.N)
		s.uniq = make([][]byte, opt.N)
		s.shared = make([][]byte, opt.SharedImgs)
		parallel(opt.N, func(i int) {
			s.pages[i] = genArticle(opt, i+1)
			s.etags[i] = etag(s.pages[i])
			s.uniq[i] = genJPEG(uint64(i + 1))
		})
		parallel(opt.SharedImgs, func(k int) { s.shared[k] = genPNG(uint64(k + 1)) })
	}
	return s
}

func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}

func etag(b []byte) string {
	h := fnv.New64a()
	h.Write(b)
	return fmt.Sprintf(`"%016x"`, h.Sum64())
}

// Options returns the site's options, defaults filled in.
func (s *Site) Options() Options { return s.opt }

// ContentBytes is the total size of the articles' HTML and of the distinct
// images (Full mode).
func (s *Site) ContentBytes() (html, images int64) {
	for _, p := range s.pages {
		html += int64(len(p))
	}
	for _, p := range s.uniq {
		images += int64(len(p))
	}
	for _, p := range s.shared {
		images += int64(len(p))
	}
	return
}

// Pages returns the articles' HTML (Full mode; read-only).
func (s *Site) Pages() [][]byte { return s.pages }

// Start serves the site on addr ("127.0.0.1:0" for any free port).
func (s *Site) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = &countingListener{Listener: ln}
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(s.ln)
	return nil
}

// Close stops the server.
func (s *Site) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// CloseIdle closes the idle keep-alive connections (between runs).
func (s *Site) CloseIdle() { s.srv.SetKeepAlivesEnabled(false); s.srv.SetKeepAlivesEnabled(true) }

// Snapshot reads the counters.
func (s *Site) Snapshot() Snapshot {
	st := &s.stats
	return Snapshot{
		BytesOut: s.ln.out.Load(), BytesIn: s.ln.in.Load(),
		Requests: st.Requests.Load(), Articles: st.Articles.Load(), Listings: st.Listings.Load(),
		Images: st.Images.Load(), Feeds: st.Feeds.Load(), Sitemaps: st.Sitemaps.Load(), Other: st.Other.Load(),
		NotModified: st.NotModified.Load(),
	}
}

// ServeHTTP answers every path of the site.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.stats.Requests.Add(1)
	sw := &statusWriter{ResponseWriter: w}
	s.serve(sw, r)
	if sw.status == http.StatusNotModified {
		s.stats.NotModified.Add(1)
	}
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	n := s.opt.N
	switch {
	case p == "/robots.txt":
		s.stats.Other.Add(1)
		body := "User-agent: *\nDisallow:\n\nSitemap: " + s.URL + "/sitemap.xml\n"
		s.content(w, r, "robots.txt", Base, []byte(body))
	case p == "/" || strings.HasPrefix(p, "/page/"):
		page := 1
		if p != "/" {
			v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(p, "/page/"), "/"))
			if err != nil || v < 1 {
				http.NotFound(w, r)
				return
			}
			page = v
		}
		if (page-1)*s.opt.PerPage >= n {
			http.NotFound(w, r)
			return
		}
		s.stats.Listings.Add(1)
		s.content(w, r, "index.html", Base, genListing(s.opt, page))
	case strings.HasPrefix(p, "/section/"):
		k := sectionIndex(strings.Trim(strings.TrimPrefix(p, "/section/"), "/"))
		if k < 0 {
			http.NotFound(w, r)
			return
		}
		s.stats.Listings.Add(1)
		s.content(w, r, "index.html", Base, genSection(s.opt, k))
	case p == "/feed.xml":
		s.stats.Feeds.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		s.content(w, r, "", Base, genFeed(s.opt, s.URL))
	case p == "/sitemap.xml":
		s.stats.Sitemaps.Add(1)
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		s.content(w, r, "", Base, genSitemapIndex(s.opt, s.URL))
	case strings.HasPrefix(p, "/sitemaps/articles-") && strings.HasSuffix(p, ".xml.gz"):
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/sitemaps/articles-"), ".xml.gz"))
		if err != nil || k < 1 || (k-1)*s.opt.PartSize >= n {
			http.NotFound(w, r)
			return
		}
		s.stats.Sitemaps.Add(1)
		w.Header().Set("Content-Type", "application/gzip")
		s.content(w, r, "", Base, s.part(k))
	case strings.HasPrefix(p, "/article/"):
		id := articleID(p)
		if id < 1 || id > n || p != articlePath(s.opt, id) {
			http.NotFound(w, r)
			return
		}
		s.stats.Articles.Add(1)
		if s.opt.Mode == Tiny {
			s.content(w, r, "a.html", published(s.opt, id).Add(time.Hour), genTiny(s.opt, id))
			return
		}
		w.Header().Set("ETag", s.etags[id-1])
		s.content(w, r, "a.html", published(s.opt, id).Add(time.Hour), s.pages[id-1])
	case strings.HasPrefix(p, "/img/a/") && s.opt.Mode == Full:
		id, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/img/a/"), ".jpg"))
		if err != nil || id < 1 || id > n || p != fmt.Sprintf("/img/a/%d.jpg", id) {
			http.NotFound(w, r)
			return
		}
		s.stats.Images.Add(1)
		w.Header().Set("ETag", etag(s.uniq[id-1]))
		s.content(w, r, "i.jpg", published(s.opt, id), s.uniq[id-1])
	case strings.HasPrefix(p, "/img/s/") && s.opt.Mode == Full:
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/img/s/"), ".png"))
		if err != nil || k < 1 || k > len(s.shared) || p != fmt.Sprintf("/img/s/%d.png", k) {
			http.NotFound(w, r)
			return
		}
		s.stats.Images.Add(1)
		w.Header().Set("ETag", etag(s.shared[k-1]))
		s.content(w, r, "i.png", Base.Add(-90*24*time.Hour), s.shared[k-1])
	case p == "/static/site.css":
		s.stats.Other.Add(1)
		s.content(w, r, "site.css", Base.Add(-90*24*time.Hour), s.css)
	default:
		s.stats.Other.Add(1)
		http.NotFound(w, r)
	}
}

// content serves b with Last-Modified mod (and the ETag already set, if
// any); http.ServeContent answers If-None-Match / If-Modified-Since with 304.
func (s *Site) content(w http.ResponseWriter, r *http.Request, name string, mod time.Time, b []byte) {
	if w.Header().Get("ETag") == "" {
		w.Header().Set("ETag", etag(b))
	}
	http.ServeContent(w, r, name, mod, bytes.NewReader(b))
}

// part returns sitemap part k, gzipped (generated once).
func (s *Site) part(k int) []byte {
	if v, ok := s.parts.Load(k); ok {
		return v.([]byte)
	}
	s.partsMu.Lock()
	defer s.partsMu.Unlock()
	if v, ok := s.parts.Load(k); ok {
		return v.([]byte)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	genSitemapPart(zw, s.opt, s.URL, k)
	zw.Close()
	b := buf.Bytes()
	s.parts.Store(k, b)
	return b
}

// Warm generates the sitemap parts ahead of the first crawl.
func (s *Site) Warm() {
	parts := (s.opt.N + s.opt.PartSize - 1) / s.opt.PartSize
	for k := 1; k <= parts; k++ {
		s.part(k)
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

type countingListener struct {
	net.Listener
	in, out atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.l.in.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.l.out.Add(int64(n))
	return n, err
}
