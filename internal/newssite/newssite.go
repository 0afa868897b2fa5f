// Package newssite is a bundled, offline, ZAKER-like sample news site
// ("青川新闻", all content fictitious) served from embedded files. It is used
// by `chronicle demo` and by end-to-end tests (crawl -> archive -> export ->
// verify).
//
// The site is an http.Handler. Absolute URLs (in feeds, sitemaps, canonical
// links and some image references) are built from the request's Host header,
// so the site works on any address and port.
//
// Site map (see ArticlePaths for the articles):
//
//	/                        home listing: tracking params, a #fragment, /about.html
//	/channel/1?page=1..3     channel listing; a.next on pages 1 and 2 only;
//	                         page 1 links /private/secret.html (robots-disallowed)
//	/article/<id>.html       articles 1001..1008
//	/rss.xml, /atom.xml      RSS 2.0 and Atom feeds
//	/sitemap.xml             sitemap index -> /sitemap-articles.xml.gz (gzipped urlset)
//	/robots.txt              Disallow: /private/
//	/img/*.jpg|png           generated images (city.jpg and city-copy.jpg are identical bytes)
//	/media/harvest.mp4       a tiny placeholder video
//	/about.html              a non-article page
//	/private/secret.html     must never be fetched by a crawler honouring robots.txt
package newssite

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

//go:embed site
var siteFS embed.FS

// cst is the site's local time zone (China Standard Time, UTC+8).
var cst = time.FixedZone("CST", 8*60*60)

// article is one article's metadata, from site/articles.json.
type article struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Author    string   `json:"author"`
	Time      string   `json:"time"` // "2021年11月20日 12:27", CST
	Summary   string   `json:"summary"`
	Lead      string   `json:"lead"`      // lead image path
	Canonical string   `json:"canonical"` // path (+query) of rel=canonical, "" for none
	JSONLD    bool     `json:"jsonld"`    // NewsArticle JSON-LD instead of an .author element
	GBK       bool     `json:"gbk"`       // served GBK-encoded
	RSS       bool     `json:"rss"`
	Atom      bool     `json:"atom"`
	Sitemap   bool     `json:"sitemap"`
	Related   []string `json:"related"`

	published time.Time
}

func (a *article) path() string { return "/article/" + a.ID + ".html" }

// link is one entry of a listing page. Href may contain {{base}}.
type link struct {
	Href, Title, Summary string
}

// listing is one listing page.
type listing struct {
	Heading    string
	Page       int
	Links      []string // article ids, or a literal href (starting with "/" or "{{base}}")
	Prev, Next string
}

// Site is the sample news site. It is an http.Handler, safe for concurrent use.
type Site struct {
	articles map[string]*article // by path
	order    []*article          // by id
	listings map[string]*listing // "/" and "/channel/1?page=N"
	tmpl     *template.Template
	robots   string

	mu       sync.Mutex
	bodies   map[string]string // article path -> body HTML (may contain {{base}}, {{host}})
	views    map[string]int    // path -> view counter
	requests []string
}

var (
	loadOnce  sync.Once
	loadErr   error
	baseArts  []*article
	baseBody  map[string]string
	baseTmpl  *template.Template
	baseRobot string
)

func load() {
	data, err := siteFS.ReadFile("site/articles.json")
	if err != nil {
		loadErr = err
		return
	}
	if err := json.Unmarshal(data, &baseArts); err != nil {
		loadErr = fmt.Errorf("site/articles.json: %w", err)
		return
	}
	baseBody = make(map[string]string, len(baseArts))
	for _, a := range baseArts {
		t, err := time.ParseInLocation("2006年1月2日 15:04", a.Time, cst)
		if err != nil {
			loadErr = fmt.Errorf("article %s: %w", a.ID, err)
			return
		}
		a.published = t
		b, err := siteFS.ReadFile("site/articles/" + a.ID + ".html")
		if err != nil {
			loadErr = err
			return
		}
		baseBody[a.path()] = strings.TrimSpace(string(b))
	}
	baseTmpl, err = template.ParseFS(siteFS, "site/templates/*.html")
	if err != nil {
		loadErr = err
		return
	}
	r, err := fs.ReadFile(siteFS, "site/robots.txt")
	if err != nil {
		loadErr = err
		return
	}
	baseRobot = string(r)
	initAssets()
}

// New returns the sample site in its initial state.
func New() *Site {
	loadOnce.Do(load)
	if loadErr != nil {
		panic("newssite: embedded site is broken: " + loadErr.Error())
	}
	s := &Site{
		articles: make(map[string]*article),
		tmpl:     baseTmpl,
		robots:   baseRobot,
		bodies:   make(map[string]string),
		views:    make(map[string]int),
	}
	for _, a := range baseArts {
		c := *a
		s.articles[c.path()] = &c
		s.order = append(s.order, &c)
		s.bodies[c.path()] = baseBody[c.path()]
	}
	s.listings = map[string]*listing{
		"/": {Heading: "首页", Page: 1,
			Links: []string{"/article/1001.html?utm_source=home", "{{base}}/article/1002.html#comments",
				"/article/1004.html?utm_source=home&utm_medium=feed", "/about.html"},
			Next: "/channel/1?page=2"},
		"/channel/1?page=1": {Heading: "本地", Page: 1,
			Links: []string{"/article/1001.html?utm_source=channel&utm_campaign=list", "/article/1002.html",
				"/private/secret.html", "/article/1008.html#comments"},
			Next: "/channel/1?page=2"},
		"/channel/1?page=2": {Heading: "本地", Page: 2,
			Links: []string{"{{base}}/article/1003.html?utm_source=channel#comments", "/article/1004.html", "/about.html"},
			Prev:  "/channel/1?page=1", Next: "/channel/1?page=3"},
		"/channel/1?page=3": {Heading: "本地", Page: 3,
			Links: []string{"/article/1005.html?utm_medium=list", "/article/1001.html"},
			Prev:  "/channel/1?page=2"},
	}
	return s
}

// ArticlePaths returns the path of every article the site has, sorted. It
// does not include /private/secret.html, which a crawler must never fetch.
func (s *Site) ArticlePaths() []string {
	out := make([]string, 0, len(s.order))
	for _, a := range s.order {
		out = append(out, a.path())
	}
	slices.Sort(out)
	return out
}

// Requests returns the request URIs (path and query) served so far, in
// order, including those answered 404.
func (s *Site) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Edit replaces every occurrence of old with new in the body of the article
// at path (a path such as "/article/1001.html" or a full URL). It fails if
// there is no such article or old does not occur in its body.
func (s *Site) Edit(path, old, new string) error {
	if u, err := url.Parse(path); err == nil && u.Path != "" {
		path = u.Path
	}
	if old == "" {
		return errors.New("newssite: Edit: empty old text")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	body, ok := s.bodies[path]
	if !ok {
		return fmt.Errorf("newssite: Edit: no article at %q", path)
	}
	if !strings.Contains(body, old) {
		return fmt.Errorf("newssite: Edit: %q not found in the body of %s", old, path)
	}
	s.bodies[path] = strings.ReplaceAll(body, old, new)
	return nil
}

var channelRe = regexp.MustCompile(`^/channel/1/?$`)

// ServeHTTP serves the site.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.RequestURI())
	s.mu.Unlock()

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/" || p == "/index.html":
		s.serveListing(w, r, "/")
	case channelRe.MatchString(p):
		page := r.URL.Query().Get("page")
		if page == "" {
			page = "1"
		}
		s.serveListing(w, r, "/channel/1?page="+page)
	case strings.HasPrefix(p, "/article/"):
		s.serveArticle(w, r, p)
	case p == "/rss.xml":
		writeBytes(w, "application/rss+xml; charset=utf-8", s.rss(baseURL(r)))
	case p == "/atom.xml":
		writeBytes(w, "application/atom+xml; charset=utf-8", s.atom(baseURL(r)))
	case p == "/sitemap.xml":
		writeBytes(w, "application/xml; charset=utf-8", s.sitemapIndex(baseURL(r)))
	case p == "/sitemap-articles.xml.gz":
		writeBytes(w, "application/gzip", s.sitemapArticles(baseURL(r)))
	case p == "/robots.txt":
		writeBytes(w, "text/plain; charset=utf-8", []byte(strings.ReplaceAll(s.robots, "{{base}}", baseURL(r))))
	case p == "/about.html":
		s.render(w, "about.html", nil, false)
	case p == "/private/secret.html":
		s.render(w, "secret.html", nil, false)
	case p == "/static/site.css":
		writeBytes(w, "text/css; charset=utf-8", []byte(siteCSS))
	default:
		if a, ok := assets[p]; ok {
			writeBytes(w, a.contentType, a.data)
			return
		}
		http.NotFound(w, r)
	}
}

const siteCSS = "body{font-family:sans-serif;max-width:960px;margin:0 auto}.sidebar{float:right;width:240px}.ad{background:#fee}\n"

func writeBytes(w http.ResponseWriter, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

// baseURL is the scheme and host the request was addressed to.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "127.0.0.1"
	}
	return scheme + "://" + host
}

// tick increments and returns the view counter of key.
func (s *Site) tick(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.views[key]
	if !ok {
		n = 1000
		for _, c := range key {
			n += int(c) % 97
		}
	}
	n++
	s.views[key] = n
	return n
}

func (s *Site) serveListing(w http.ResponseWriter, r *http.Request, key string) {
	l, ok := s.listings[key]
	if !ok {
		http.NotFound(w, r)
		return
	}
	base := baseURL(r)
	type data struct {
		Heading    string
		Page       int
		Items      []link
		Prev, Next string
		Views      int
	}
	d := data{Heading: l.Heading, Page: l.Page, Prev: l.Prev, Next: l.Next, Views: s.tick(key)}
	for _, href := range l.Links {
		it := link{Href: strings.ReplaceAll(href, "{{base}}", base)}
		u, _ := url.Parse(it.Href)
		if a, ok := s.articles[u.Path]; ok {
			it.Title, it.Summary = a.Title, a.Summary
		} else if u.Path == "/about.html" {
			it.Title, it.Summary = "关于青川新闻", "本站介绍与联系方式。"
		} else {
			it.Title, it.Summary = "内部稿件（请勿抓取）", "该页面被 robots.txt 禁止抓取。"
		}
		d.Items = append(d.Items, it)
	}
	s.render(w, "listing.html", d, false)
}

func (s *Site) serveArticle(w http.ResponseWriter, r *http.Request, p string) {
	a, ok := s.articles[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	base := baseURL(r)
	s.mu.Lock()
	body := s.bodies[p]
	s.mu.Unlock()
	body = strings.ReplaceAll(body, "{{base}}", base)
	body = strings.ReplaceAll(body, "{{host}}", r.Host)

	type rel struct{ Href, Title string }
	d := struct {
		Charset, Title, Summary, Author, Time string
		Canonical                             string
		JSONLD                                template.JS
		Body                                  template.HTML
		Views                                 int
		Related                               []rel
	}{
		Charset: "utf-8", Title: a.Title, Summary: a.Summary, Author: a.Author, Time: a.Time,
		Body: template.HTML(body), Views: s.tick(p),
	}
	if a.GBK {
		d.Charset = "gbk"
	}
	if a.Canonical != "" {
		d.Canonical = base + a.Canonical
	}
	if a.JSONLD {
		d.Author = ""
		ld, err := json.Marshal(map[string]any{
			"@context":         "https://schema.org",
			"@type":            "NewsArticle",
			"headline":         a.Title,
			"description":      a.Summary,
			"datePublished":    a.published.Format(time.RFC3339),
			"dateModified":     a.published.Format(time.RFC3339),
			"author":           map[string]string{"@type": "Person", "name": a.Author},
			"publisher":        map[string]string{"@type": "Organization", "name": "青川新闻"},
			"image":            []string{base + a.Lead},
			"mainEntityOfPage": base + a.path(),
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		d.JSONLD = template.JS(ld)
	}
	for _, id := range a.Related {
		if ra, ok := s.articles["/article/"+id+".html"]; ok {
			d.Related = append(d.Related, rel{Href: ra.path() + "?from=related", Title: ra.Title})
		}
	}
	s.render(w, "article.html", d, a.GBK)
}

// render executes a template and writes the page, GBK-encoded if gbk.
func (s *Site) render(w http.ResponseWriter, name string, data any, gbk bool) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !gbk {
		writeBytes(w, "text/html; charset=utf-8", buf.Bytes())
		return
	}
	enc, err := simplifiedchinese.GBK.NewEncoder().Bytes(buf.Bytes())
	if err != nil {
		http.Error(w, "GBK encoding: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeBytes(w, "text/html; charset=gbk", enc)
}
