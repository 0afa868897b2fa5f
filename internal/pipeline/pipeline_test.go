package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/archive/archivetest"
	"github.com/chronicle-archive/chronicle/internal/config"
	"github.com/chronicle-archive/chronicle/internal/newssite"
)

func TestArticleURL(t *testing.T) {
	tests := []struct {
		name, fetched, canonical, want string
	}{
		{"no canonical", "https://a.example/n/1.html", "", "https://a.example/n/1.html"},
		{"canonical honoured, tracking removed", "https://a.example/n/1.html?from=rss", "https://A.example/n/1.html?utm_source=x#top", "https://a.example/n/1.html"},
		{"canonical to another host of the site", "https://m.news.example.com/n/1.html", "https://www.news.example.com/n/1.html", "https://www.news.example.com/n/1.html"},
		{"canonical to another port of the same host ignored", "http://127.0.0.1:18082/a/1", "http://127.0.0.1:18080/a/1", "http://127.0.0.1:18082/a/1"},
		{"canonical to another site ignored", "https://evil.example.net/n/1.html", "https://news.example.com/n/1.html", "https://evil.example.net/n/1.html"},
		{"canonical to the front page ignored", "https://a.example/n/1.html", "https://a.example/", "https://a.example/n/1.html"},
		{"non-http canonical ignored", "https://a.example/n/1.html", "javascript:alert(1)", "https://a.example/n/1.html"},
		{"relative canonical ignored", "https://a.example/n/1.html", "/n/1.html", "https://a.example/n/1.html"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := articleURL(tc.fetched, tc.canonical); got != tc.want {
				t.Errorf("articleURL(%q, %q) = %q, want %q", tc.fetched, tc.canonical, got, tc.want)
			}
		})
	}
}

func TestIsImageOrVideo(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	tests := []struct {
		ct   string
		body []byte
		want bool
	}{
		{"image/png", png, true},
		{"application/octet-stream", png, true},
		{"image/jpeg", []byte("<!DOCTYPE html><html><body>Not found</body></html>"), false},
		{"text/html", []byte("<html>captcha</html>"), false},
		{"text/html", png, false},
		{"video/mp4", []byte("\x00\x00\x00\x18ftypmp42"), true},
		{"image/svg+xml", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), true},
		{"image/svg+xml", []byte("<html><body>502</body></html>"), false},
	}
	for _, tc := range tests {
		if got := isImageOrVideo(tc.ct, tc.body); got != tc.want {
			t.Errorf("isImageOrVideo(%q, %q) = %v, want %v", tc.ct, tc.body[:8], got, tc.want)
		}
	}
}

// testConfig parses the sample site's config with the archive in dir.
func testConfig(tb testing.TB, base, dir string) *config.Config {
	tb.Helper()
	cfg, err := config.Parse(strings.NewReader(newssite.ConfigYAML(base, filepath.Join(dir, "a.db"), filepath.Join(dir, "posts"))), "config.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

func TestHTMLAtAnImageURLIsNotArchived(t *testing.T) {
	site := newssite.New()
	mux := http.NewServeMux()
	mux.Handle("/", site)
	// A CDN that answers an error page with 200 for one image.
	mux.HandleFunc("/img/city.jpg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		fmt.Fprint(w, "<!DOCTYPE html><html><body>Access denied</body></html>")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	st := archivetest.New(t)
	cfg := testConfig(t, srv.URL, t.TempDir())
	sum, err := Crawl(context.Background(), cfg, st, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if sum.ArticlesNew != len(site.ArticlePaths()) {
		t.Errorf("articles: %+v", sum)
	}
	if sum.Errors == 0 {
		t.Errorf("the HTML answer at an image URL was not counted as an error: %+v", sum)
	}
	sha, ok, err := st.AssetByURL(srv.URL + "/img/city.jpg")
	if err != nil || ok {
		t.Errorf("AssetByURL(city.jpg) = %v, %v, %v: the error page was archived as an image", sha, ok, err)
	}
}

func TestCrawlOnlyNamedSources(t *testing.T) {
	st := archivetest.New(t)
	cfg := testConfig(t, "http://127.0.0.1:1", t.TempDir())
	if _, err := Crawl(context.Background(), cfg, st, []string{"nope"}, zerolog.Nop()); err == nil {
		t.Error("crawl of an unknown source name did not fail")
	}
	// Every seed of the only source is unreachable: the crawl as a whole failed.
	sum, err := Crawl(context.Background(), cfg, st, []string{"sample"}, zerolog.Nop())
	if err != ErrAllSourcesFailed {
		t.Errorf("crawl of an unreachable site: %v, %+v", err, sum)
	}
}

// BenchmarkCrawlSampleSite measures a first crawl of the bundled sample
// site (16 pages, 10 images) into a new archive: fetch, extract, archive.
func BenchmarkCrawlSampleSite(b *testing.B) {
	srv := httptest.NewServer(newssite.New())
	defer srv.Close()
	var pages int
	var size int64
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		cfg := testConfig(b, srv.URL, dir)
		st, err := archive.Open(cfg.Archive, archive.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := Crawl(context.Background(), cfg, st, nil, zerolog.Nop())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		if fi, err := os.Stat(cfg.Archive); err == nil {
			size = fi.Size()
		}
		pages += sum.PagesFetched + sum.AssetsNew
		b.StartTimer()
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "fetches/s")
	b.ReportMetric(float64(size), "archive-bytes")
}

func TestIsHTML(t *testing.T) {
	tests := []struct {
		ct   string
		body string
		want bool
	}{
		{"text/html; charset=gbk", "<html><head><title>\xc4\xe3\xba\xc3</title></head></html>", true},
		{"", "<!DOCTYPE html><html><body>x</body></html>", true},
		{"application/xhtml+xml", "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"></html>", true},
		{"text/html", "\x00\x01\x02\x03\x89\x10binary\x00garbage", false},
		{"application/pdf", "%PDF-1.7", false},
		{"image/png", "\x89PNG\r\n\x1a\n", false},
		{"", "plain words, no markup", false},
	}
	for _, tc := range tests {
		if got := isHTML(tc.ct, []byte(tc.body)); got != tc.want {
			t.Errorf("isHTML(%q, %q) = %v, want %v", tc.ct, tc.body, got, tc.want)
		}
	}
}

func TestArchiveFailureStopsTheCrawl(t *testing.T) {
	srv := httptest.NewServer(newssite.New())
	defer srv.Close()
	dir := t.TempDir()
	cfg := testConfig(t, srv.URL, dir)
	st, err := archive.Open(cfg.Archive, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close() // every write now fails, as on a full disk or a damaged file
	sum, err := Crawl(context.Background(), cfg, st, nil, zerolog.Nop())
	if !errors.Is(err, ErrArchiveFailed) {
		t.Fatalf("crawl into a failing archive: err %v, want %v", err, ErrArchiveFailed)
	}
	if sum.ArticlesNew != 0 {
		t.Errorf("summary claims archived articles: %+v", sum)
	}
}

func TestGalleryWithoutTextIsArchived(t *testing.T) {
	site := newssite.New()
	gallery := site.ArticlePaths()[0]
	mux := http.NewServeMux()
	mux.Handle("/", site)
	mux.HandleFunc(gallery, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>组图：初雪中的古城</title></head><body>
<h1>组图：初雪中的古城</h1><span class="time">2021年11月22日 08:00</span>
<div class="article_content">
<figure><img src="/img/city.jpg" width="160" height="120"><figcaption>清晨的城墙</figcaption></figure>
<figure><img src="/img/oldstreet.jpg" width="160" height="120"><figcaption>老街的屋檐</figcaption></figure>
</div></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	st := archivetest.New(t)
	if _, err := Crawl(context.Background(), testConfig(t, srv.URL, t.TempDir()), st, nil, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	info, err := st.Lookup(srv.URL + gallery)
	if err != nil {
		t.Fatalf("the photo gallery was not archived: %v", err)
	}
	snap, err := st.Snapshot(info.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Content.Images) != 2 || len(snap.Assets) < 2 || !strings.Contains(snap.Content.BodyHTML, "清晨的城墙") {
		t.Errorf("gallery archived with images %v, assets %d, body %q", snap.Content.Images, len(snap.Assets), snap.Content.BodyHTML)
	}
}

func TestRedirectIsTheSameArticle(t *testing.T) {
	site := newssite.New()
	mux := http.NewServeMux()
	mux.Handle("/", site)
	mux.HandleFunc("/article/9999.html", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/article/1002.html", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`+
			`<url><loc>%[1]s/article/9999.html</loc></url><url><loc>%[1]s/article/1002.html</loc></url></urlset>`, srv.URL)
	})
	st := archivetest.New(t)
	if _, err := Crawl(context.Background(), testConfig(t, srv.URL, t.TempDir()), st, nil, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	arts, err := st.Articles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range arts {
		if strings.HasSuffix(a.URL, "/article/9999.html") {
			t.Errorf("the redirecting URL became an article of its own: %s", a.URL)
		}
		if strings.HasSuffix(a.URL, "/article/1002.html") && a.Versions != 1 {
			t.Errorf("%s has %d versions, want 1", a.URL, a.Versions)
		}
	}
}
