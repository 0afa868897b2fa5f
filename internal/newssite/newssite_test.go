package newssite

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp, b
}

func TestArticlesServed(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()
	paths := s.ArticlePaths()
	if len(paths) != 8 {
		t.Fatalf("ArticlePaths = %v, want 8", paths)
	}
	for _, p := range paths {
		resp, b := get(t, srv, p)
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", p, resp.StatusCode)
		}
		ct := resp.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "text/html; charset=") {
			t.Errorf("%s: Content-Type %q", p, ct)
		}
		if strings.HasSuffix(ct, "utf-8") {
			for _, want := range []string{"<h1>", `class="time"`, `class="article_content"`, `class="ad"`, `class="share"`, "img class=\"lazy opacity_0 \"", "data-original=", "阅读 "} {
				if !bytes.Contains(b, []byte(want)) {
					t.Errorf("%s: missing %q", p, want)
				}
			}
			if bytes.Contains(b, []byte("{{")) {
				t.Errorf("%s: unexpanded placeholder", p)
			}
		}
	}
	for _, p := range []string{"/nope", "/article/9999.html", "/channel/1?page=4", "/img/none.jpg", "/channel/2"} {
		if resp, _ := get(t, srv, p); resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", p, resp.StatusCode)
		}
	}
	reqs := s.Requests()
	if len(reqs) != len(paths)+5 || reqs[0] != paths[0] || reqs[len(reqs)-3] != "/channel/1?page=4" {
		t.Errorf("Requests = %v", reqs)
	}
}

func TestSpecialArticles(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	_, b := get(t, srv, "/article/1002.html")
	if !bytes.Contains(b, []byte(`v.qq.com/iframe/player.html?vid=`)) || !bytes.Contains(b, []byte("onclick")) {
		t.Error("1002: no v.qq.com iframe / onclick")
	}
	if !bytes.Contains(b, []byte(`data-original="`+srv.URL+`/img/city.jpg"`)) {
		t.Error("1002: absolute shared image missing")
	}
	_, b = get(t, srv, "/article/1001.html")
	if !bytes.Contains(b, []byte(`<link rel="canonical" href="`+srv.URL+`/article/1001.html?utm_source=canonical&amp;utm_medium=web">`)) {
		t.Errorf("1001: canonical missing")
	}
	_, b = get(t, srv, "/article/1003.html")
	if !regexp.MustCompile(`<video [^>]*poster="/img/harvest-poster.jpg"><source src="/media/harvest.mp4"`).Match(b) {
		t.Error("1003: video missing")
	}
	_, b = get(t, srv, "/article/1004.html")
	if !bytes.Contains(b, []byte(`<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle"`)) ||
		bytes.Contains(b, []byte(`class="author"`)) || !bytes.Contains(b, []byte(`"name":"体育记者 高远"`)) {
		t.Errorf("1004: JSON-LD wrong:\n%s", b)
	}
	_, b = get(t, srv, "/article/1008.html")
	if !bytes.Contains(b, []byte(`data-original="//`+host+`/img/canteen.png"`)) {
		t.Error("1008: protocol-relative image missing")
	}
}

func TestGBK(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, b := get(t, srv, "/article/1005.html")
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=gbk" {
		t.Fatalf("Content-Type %q", ct)
	}
	if utf8.Valid(b) {
		t.Fatal("GBK page is valid UTF-8")
	}
	dec, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := siteFS.ReadFile("site/articles/1005.html")
	firstPara := strings.SplitN(string(src), "</p>", 2)[0]
	for _, want := range []string{`<meta charset="gbk">`, "百年老街完成修缮", firstPara, `class="author">本报记者 周宁`} {
		if !strings.Contains(string(dec), want) {
			t.Errorf("decoded page lacks %q", want)
		}
	}
}

func TestFeedsAndSitemaps(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()

	var rss struct {
		Items []struct {
			Link string `xml:"link"`
		} `xml:"channel>item"`
	}
	resp, b := get(t, srv, "/rss.xml")
	if err := xml.Unmarshal(b, &rss); err != nil || len(rss.Items) == 0 {
		t.Fatalf("rss: %v %d", err, len(rss.Items))
	}
	if !strings.Contains(resp.Header.Get("Content-Type"), "rss+xml") {
		t.Error("rss content type")
	}
	var atom struct {
		Entries []struct {
			Link struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	_, b = get(t, srv, "/atom.xml")
	if err := xml.Unmarshal(b, &atom); err != nil || len(atom.Entries) == 0 {
		t.Fatalf("atom: %v", err)
	}
	var idx struct {
		Locs []string `xml:"sitemap>loc"`
	}
	_, b = get(t, srv, "/sitemap.xml")
	if err := xml.Unmarshal(b, &idx); err != nil || len(idx.Locs) != 1 || idx.Locs[0] != srv.URL+"/sitemap-articles.xml.gz" {
		t.Fatalf("sitemap index: %v %v", err, idx.Locs)
	}
	resp, b = get(t, srv, "/sitemap-articles.xml.gz")
	if ct := resp.Header.Get("Content-Type"); ct != "application/gzip" {
		t.Errorf("sitemap gz content type %q", ct)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Locs []string `xml:"url>loc"`
	}
	if err := xml.Unmarshal(raw, &set); err != nil || len(set.Locs) == 0 {
		t.Fatalf("urlset: %v", err)
	}

	// Discovery: 1006 only via the sitemap, 1007 only via Atom; every article somewhere.
	found := map[string][]string{}
	add := func(via, u string) {
		u = strings.TrimPrefix(u, srv.URL)
		u = strings.SplitN(strings.SplitN(u, "?", 2)[0], "#", 2)[0]
		found[u] = append(found[u], via)
	}
	for _, it := range rss.Items {
		add("rss", it.Link)
	}
	for _, e := range atom.Entries {
		add("atom", e.Link.Href)
	}
	for _, l := range set.Locs {
		add("sitemap", l)
	}
	hrefRe := regexp.MustCompile(`href="([^"]+)"`)
	for _, p := range []string{"/", "/channel/1", "/channel/1?page=2", "/channel/1?page=3"} {
		_, b := get(t, srv, p)
		for _, m := range hrefRe.FindAllSubmatch(b, -1) {
			add("html", string(m[1]))
		}
	}
	for _, p := range s.ArticlePaths() {
		_, b := get(t, srv, p)
		for _, m := range hrefRe.FindAllSubmatch(b, -1) {
			add("html", string(m[1]))
		}
		if len(found[p]) == 0 {
			t.Errorf("%s is not discoverable", p)
		}
	}
	if got := fmt.Sprint(found["/article/1006.html"]); got != "[sitemap]" {
		t.Errorf("1006 found via %s", got)
	}
	if got := fmt.Sprint(found["/article/1007.html"]); got != "[atom]" {
		t.Errorf("1007 found via %s", got)
	}
	if len(found["/private/secret.html"]) == 0 || len(found["/about.html"]) == 0 {
		t.Error("listings should link /private/secret.html and /about.html")
	}

	_, b = get(t, srv, "/robots.txt")
	if !bytes.Contains(b, []byte("Disallow: /private/")) || !bytes.Contains(b, []byte("Sitemap: "+srv.URL+"/sitemap.xml")) {
		t.Errorf("robots.txt:\n%s", b)
	}
}

func TestListings(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()
	nextRe := regexp.MustCompile(`<a class="next" href="([^"]+)"`)
	for p, want := range map[string]string{
		"/": "/channel/1?page=2", "/channel/1": "/channel/1?page=2", "/channel/1?page=1": "/channel/1?page=2",
		"/channel/1?page=2": "/channel/1?page=3", "/channel/1?page=3": "",
	} {
		resp, b := get(t, srv, p)
		if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`<div class="list">`)) {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
		got := ""
		if m := nextRe.FindSubmatch(b); m != nil {
			got = string(m[1])
		}
		if got != want {
			t.Errorf("%s: next %q, want %q", p, got, want)
		}
	}
	_, b := get(t, srv, "/")
	for _, want := range []string{"utm_source=home", "#comments", `href="/about.html"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("home lacks %q", want)
		}
	}
}

func TestImages(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()
	imgRe := regexp.MustCompile(`(?:data-original|poster)="([^"]+)"`)
	seen := map[string]bool{}
	for _, p := range s.ArticlePaths() {
		_, b := get(t, srv, p)
		if strings.HasSuffix(p, "1005.html") {
			b, _ = simplifiedchinese.GBK.NewDecoder().Bytes(b)
		}
		for _, m := range imgRe.FindAllSubmatch(b, -1) {
			u := string(m[1])
			u = strings.TrimPrefix(u, srv.URL)
			u = strings.TrimPrefix(u, "//"+strings.TrimPrefix(srv.URL, "http://"))
			seen[u] = true
		}
	}
	if len(seen) < 8 {
		t.Errorf("only %d distinct images referenced", len(seen))
	}
	for u := range seen {
		resp, b := get(t, srv, u)
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode != 200 || ct != http.DetectContentType(b) {
			t.Errorf("%s: %d %q (sniffed %q)", u, resp.StatusCode, ct, http.DetectContentType(b))
		}
		if len(b) < 1500 || len(b) > 12000 {
			t.Errorf("%s: %d bytes", u, len(b))
		}
	}
	_, a := get(t, srv, "/img/city.jpg")
	_, c := get(t, srv, "/img/city-copy.jpg")
	if !bytes.Equal(a, c) {
		t.Error("city.jpg and city-copy.jpg differ")
	}
	if resp, _ := get(t, srv, "/media/harvest.mp4"); resp.Header.Get("Content-Type") != "video/mp4" {
		t.Error("mp4 content type")
	}
}

func TestConfigYAML(t *testing.T) {
	text := ConfigYAML("http://127.0.0.1:8080/", `C:\tmp\a "b"/chronicle.db`, "/tmp/out posts")
	var cfg struct {
		Archive       string `yaml:"archive"`
		RespectRobots bool   `yaml:"respect_robots"`
		PerHost       struct {
			Delay string `yaml:"delay"`
		} `yaml:"per_host"`
		Sources []struct {
			Name     string   `yaml:"name"`
			Feeds    []string `yaml:"feeds"`
			Sitemaps []string `yaml:"sitemaps"`
			Listings []struct {
				URL      string `yaml:"url"`
				Links    string `yaml:"links"`
				Next     string `yaml:"next"`
				MaxPages int    `yaml:"max_pages"`
			} `yaml:"listings"`
			Article struct {
				Match  string   `yaml:"match"`
				Remove []string `yaml:"remove"`
			} `yaml:"article"`
		} `yaml:"sources"`
		Export struct {
			Hexo struct {
				Out string `yaml:"out"`
			} `yaml:"hexo"`
		} `yaml:"export"`
	}
	if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if cfg.Archive != `C:\tmp\a "b"/chronicle.db` || cfg.Export.Hexo.Out != "/tmp/out posts" || !cfg.RespectRobots || cfg.PerHost.Delay != "0s" {
		t.Errorf("parsed %+v", cfg)
	}
	if len(cfg.Sources) != 1 || cfg.Sources[0].Name != "sample" || len(cfg.Sources[0].Feeds) != 2 ||
		len(cfg.Sources[0].Listings) != 2 || cfg.Sources[0].Sitemaps[0] != "http://127.0.0.1:8080/sitemap.xml" {
		t.Fatalf("parsed %+v", cfg)
	}
	re := regexp.MustCompile(cfg.Sources[0].Article.Match)
	s := New()
	for _, p := range s.ArticlePaths() {
		if !re.MatchString(p) {
			t.Errorf("match %q misses %s", re, p)
		}
	}
	for _, p := range []string{"/about.html", "/private/secret.html", "/"} {
		if re.MatchString(p) {
			t.Errorf("match %q matches %s", re, p)
		}
	}
}

func TestEditAndCounter(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()
	viewsRe := regexp.MustCompile(`阅读 (\d+)`)
	_, b1 := get(t, srv, "/article/1001.html")
	_, b2 := get(t, srv, "/article/1001.html")
	v1, v2 := viewsRe.FindSubmatch(b1), viewsRe.FindSubmatch(b2)
	if v1 == nil || v2 == nil || string(v1[1]) == string(v2[1]) {
		t.Fatalf("view counter did not change: %s / %s", v1, v2)
	}
	if err := s.Edit("/article/1001.html", "186 公里", "192 公里"); err != nil {
		t.Fatal(err)
	}
	_, b3 := get(t, srv, "/article/1001.html")
	if !bytes.Contains(b3, []byte("192 公里")) || bytes.Contains(b3, []byte("186 公里")) {
		t.Error("edit not served")
	}
	if err := s.Edit(srv.URL+"/article/1005.html", "同仁街", "同德街"); err != nil {
		t.Fatal(err)
	}
	_, b4 := get(t, srv, "/article/1005.html")
	dec, _ := simplifiedchinese.GBK.NewDecoder().Bytes(b4)
	if !strings.Contains(string(dec), "同德街") {
		t.Error("GBK edit not served")
	}
	if s.Edit("/article/1001.html", "不存在的文字", "x") == nil || s.Edit("/article/404.html", "a", "b") == nil {
		t.Error("Edit should fail")
	}
	// A fresh site is unaffected.
	_, b5 := get(t, httptest.NewServer(New()), "/article/1001.html")
	if !bytes.Contains(b5, []byte("186 公里")) {
		t.Error("edit leaked into a new Site")
	}
}

func TestConcurrent(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for _, p := range append(s.ArticlePaths(), "/", "/rss.xml", "/sitemap-articles.xml.gz", "/img/city.jpg") {
				resp, err := srv.Client().Get(srv.URL + p)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			_ = s.Edit("/article/1002.html", "三百余件", "三百余件")
			_ = s.Requests()
		}(i)
	}
	wg.Wait()
	if n := len(s.Requests()); n != 16*12 {
		t.Errorf("%d requests logged", n)
	}
}
