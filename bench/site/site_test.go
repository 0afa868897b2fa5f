package site

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestSite(t *testing.T) {
	a, b := New(Options{N: 120}), New(Options{N: 120})
	for i := range a.pages {
		if !bytes.Equal(a.pages[i], b.pages[i]) || !bytes.Equal(a.uniq[i], b.uniq[i]) {
			t.Fatalf("article %d differs between two generations", i+1)
		}
		if n := len(a.pages[i]); n < 30000 || n > 100000 {
			t.Errorf("article %d: %d bytes, want 30-100 KB", i+1, n)
		}
	}
	if err := a.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	get := func(path string, hdr ...string) *http.Response {
		req, _ := http.NewRequest("GET", a.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := get(ArticlePath(7))
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !bytes.Contains(body, []byte("/img/a/7.jpg")) {
		t.Fatalf("article: %d", res.StatusCode)
	}
	if res := get(ArticlePath(7), "If-None-Match", res.Header.Get("ETag")); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", res.StatusCode)
	}
	if res := get(ArticlePath(7), "If-Modified-Since", res.Header.Get("Last-Modified")); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d, want 304", res.StatusCode)
	}
	if res := get("/img/a/7.jpg"); res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("image: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res = get("/sitemaps/articles-1.xml.gz")
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	xml, _ := io.ReadAll(zr)
	if n := strings.Count(string(xml), "<loc>"); n != 120 {
		t.Errorf("sitemap part: %d URLs, want 120", n)
	}
	if res := get("/page/3/"); res.StatusCode != 200 {
		t.Errorf("listing page 3: %d", res.StatusCode)
	}
	if res := get("/page/4/"); res.StatusCode != 404 {
		t.Errorf("listing page 4 of 120/50: %d, want 404", res.StatusCode)
	}
	if s := a.Snapshot(); s.NotModified != 2 || s.Articles != 3 || s.BytesOut == 0 {
		t.Errorf("counters: %+v", s)
	}
}
