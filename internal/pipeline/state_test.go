package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/archive/archivetest"
	"github.com/chronicle-archive/chronicle/internal/config"
	"github.com/chronicle-archive/chronicle/internal/newssite"
)

const (
	minute = time.Minute
	hour   = time.Hour
	day    = 24 * time.Hour
)

func TestDuePolicy(t *testing.T) {
	policy := config.Recheck{After: 30 * minute, MaxInterval: 7 * day, StopAfter: 90 * day}
	first := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	art := func(lastChecked time.Time, unchanged int) archive.FetchState {
		return archive.FetchState{Kind: archive.KindArticle, FirstSeen: first, LastChecked: lastChecked,
			LastChanged: first, ChecksUnchanged: unchanged}
	}
	tests := []struct {
		name string
		fs   archive.FetchState
		now  time.Time
		want bool
	}{
		{"never fetched", archive.FetchState{}, first, true},
		{"an asset's state says nothing of articles", archive.FetchState{Kind: archive.KindAsset, LastChecked: first}, first, true},
		{"article gone from the archive", archive.FetchState{Kind: archive.KindArticle, LastChecked: first}, first, true},
		{"just archived", art(first, 0), first.Add(29 * minute), false},
		{"after elapsed", art(first, 0), first.Add(30 * minute), true},
		{"one unchanged check doubles it", art(first, 1), first.Add(59 * minute), false},
		{"one unchanged check: 60m", art(first, 1), first.Add(60 * minute), true},
		{"three unchanged checks: 4h", art(first, 3), first.Add(4*hour - time.Second), false},
		{"three unchanged checks: 4h reached", art(first, 3), first.Add(4 * hour), true},
		{"capped at max_interval", art(first.Add(10*day), 40), first.Add(17*day - time.Second), false},
		{"max_interval reached", art(first.Add(10*day), 40), first.Add(17 * day), true},
		{"huge count does not overflow", art(first.Add(10*day), 1<<30), first.Add(17 * day), true},
		{"changed resets to after", archive.FetchState{Kind: archive.KindArticle, FirstSeen: first,
			LastChecked: first.Add(20 * day), LastChanged: first.Add(20 * day)}, first.Add(20*day + 30*minute), true},
		{"stop_after passed", art(first.Add(80*day), 10), first.Add(90*day + time.Second), false},
		{"stop_after not yet", art(first.Add(80*day), 10), first.Add(90 * day), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Due(policy, tc.fs, tc.now); got != tc.want {
				t.Errorf("Due(%+v, now=%s) = %v, want %v", tc.fs, tc.now.Sub(first), got, tc.want)
			}
		})
	}
}

// TestStateDueOverArchive follows one article through its schedule with a
// fake clock: the State reads what Put and Touch recorded.
func TestStateDueOverArchive(t *testing.T) {
	ctx := context.Background()
	st := archivetest.New(t)
	cfg := &config.Config{Sources: []config.Source{{Name: "s", Recheck: config.Recheck{After: hour, MaxInterval: 4 * hour, StopAfter: 10 * day}}}}
	state := NewState(st, cfg, zerolog.Nop())
	const u = "https://news.example/a/1"
	t0 := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	due := func(now time.Time) bool {
		t.Helper()
		ok, err := state.Due("s", u, now)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !due(t0) {
		t.Fatal("an unknown url is not due")
	}
	put := func(at time.Time, body string) {
		t.Helper()
		_, err := st.Put(ctx, archive.Capture{URL: u, Source: "s",
			Fetch:   archive.Fetch{URL: u, FetchedAt: at, Status: 200, Raw: []byte(body), Header: map[string][]string{"Etag": {`"x"`}}},
			Content: archive.Content{Title: "t", BodyHTML: "<p>" + body + "</p>", BodyText: body}})
		if err != nil {
			t.Fatal(err)
		}
	}
	put(t0, "one")
	steps := []struct {
		at   time.Duration
		want bool
	}{{59 * minute, false}, {hour, true}}
	for _, s := range steps {
		if got := due(t0.Add(s.at)); got != s.want {
			t.Errorf("new article at +%s: due %v, want %v", s.at, got, s.want)
		}
	}
	if err := st.Touch(ctx, u, t0.Add(hour), "", ""); err != nil { // unchanged: next in 2h
		t.Fatal(err)
	}
	if due(t0.Add(3*hour-time.Second)) || !due(t0.Add(3*hour)) {
		t.Error("after one unchanged check the interval is not 2h")
	}
	if etag, _, err := state.Validators(u); err != nil || etag != `"x"` {
		t.Errorf("Validators = %q, %v", etag, err)
	}
	put(t0.Add(3*hour), "two") // changed: back to 1h
	if due(t0.Add(4*hour-time.Second)) || !due(t0.Add(4*hour)) {
		t.Error("after a change the interval is not back to 1h")
	}
	if due(t0.Add(10*day + time.Second)) {
		t.Error("due after stop_after")
	}
}

func TestStateFrontierAndRobots(t *testing.T) {
	st := archivetest.New(t)
	state := NewState(st, nil, zerolog.Nop())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(state.Enqueue("s", []string{"https://a.example/1", "https://a.example/2", "https://a.example/3"}))
	must(state.Done("https://a.example/1"))
	// A URL whose Put or Touch already left the frontier: Done writes
	// nothing (here the entry is still there, so it stays pending).
	state.finished = &sync.Map{}
	state.finished.Store("https://a.example/3", struct{}{})
	must(state.Done("https://a.example/3"))
	if got, err := st.Pending(context.Background(), "s"); err != nil || len(got) != 2 || got[1].URL != "https://a.example/3" {
		t.Fatalf("Done of a finished url wrote: pending %v, %v", got, err)
	}
	must(st.Done(context.Background(), "https://a.example/3"))
	for i := 1; i <= maxAttempts; i++ {
		got, err := state.Pending("s")
		must(err)
		if len(got) != 1 || got[0] != "https://a.example/2" {
			t.Fatalf("Pending #%d = %v", i, got)
		}
	}
	if got, err := state.Pending("s"); err != nil || len(got) != 0 {
		t.Errorf("a url taken up %d times is still pending: %v, %v", maxAttempts, got, err)
	}
	now := time.Now()
	must(state.SaveRobots("https://a.example", 200, []byte("User-agent: *"), now, now.Add(hour)))
	if status, body, ok, err := state.Robots("https://a.example", now.Add(time.Minute)); !ok || err != nil || status != 200 || string(body) != "User-agent: *" {
		t.Errorf("Robots = %d %q %v %v", status, body, ok, err)
	}
	if _, _, ok, _ := state.Robots("https://a.example", now.Add(hour)); ok {
		t.Error("an expired robots.txt was returned")
	}
}

func TestRefusal(t *testing.T) {
	long := strings.Repeat("这是一篇真实的新闻报道，内容很长。", 60)
	page := func(inner string) []byte {
		return []byte("<!DOCTYPE html><html><head><title>x</title></head><body><nav>首页 新闻 财经 科技 体育 娱乐</nav>" + inner + "</body></html>")
	}
	tests := []struct {
		name, title, text string
		raw               []byte
		refused           bool
	}{
		{"an article", "市政府发布新规", long, page("<p>" + long + "</p>"), false},
		{"an article about a 404 error", "Why 404 pages matter", strings.Repeat("A long article about error pages. ", 40), page("<p>...</p>"), false},
		{"an article mentioning captchas", "验证码的历史", long + "滑动验证", page("<div class=\"g-recaptcha\"></div><p>" + long + "</p>"), false},
		{"a short news flash", "快讯：股市收盘", "沪指收涨0.5%。", page("<p>沪指收涨0.5%。</p><form><input></form><script>x()</script><footer>" + long + "</footer>"), false},
		{"a news brief whose title says not found", "Missing hiker not found after three days", "Rescue teams searched the ridge again on Sunday. The hiker, 34, has not been found.", page("<p>Rescue teams searched the ridge again on Sunday.</p>"), false},
		{"a short article with a reCAPTCHA comment form", "市图书馆延长开放时间", strings.Repeat("市图书馆自下月起延长开放时间。", 20), page("<p>" + strings.Repeat("市图书馆自下月起延长开放时间。", 20) + `</p><form id="comment"><div class="g-recaptcha"></div></form><script src="https://www.google.com/recaptcha/api.js"></script><footer>` + long + "</footer>"), false},
		{"a brief titled with a page deletion in its text", "网友热议：旧帖页面已删除？", "平台回应称相关页面已删除，系用户自行操作。", page("<p>平台回应称相关页面已删除，系用户自行操作。</p><footer>" + long + "</footer>"), false},
		{"maintenance page without a title", "", "Site under maintenance, back soon.", page("<p>Site under maintenance, back soon.</p>"), true},
		{"soft 404 title", "404 Not Found", "The page you requested could not be found.", page("<h1>404</h1>"), true},
		{"soft 404 title zh", "页面不存在 - 青川新闻", "返回首页", page("<p>返回首页</p>"), true},
		{"soft 404 body zh", "青川新闻", "抱歉，您访问的页面不存在！返回首页", page("<p>抱歉，您访问的页面不存在！</p>"), true},
		{"soft 404 error 404", "Error 404", "Sorry.", page(""), true},
		{"page not found", "Oops", "Page not found. Try the search.", page(""), true},
		{"cloudflare just a moment", "Just a moment...", "Checking your browser before accessing the site.", []byte(`<html><head><title>Just a moment...</title></head><body><div id="cf-challenge-running"></div><script src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1"></script></body></html>`), true},
		{"cloudflare attention required", "Attention Required! | Cloudflare", "Please enable cookies.", page("<p>Please enable cookies.</p>"), true},
		{"cf markers only", "example.com", "", []byte(`<html><body><form id="challenge-form" action="/?__cf_chl_f_tk=abc"></form></body></html>`), true},
		{"verify you are human", "example.com", "Verify you are human by completing the action below.", page(""), true},
		{"aliyun slider", "访问验证", "请拖动下方滑块完成验证", page(`<div id="nc_1_wrapper" class="nocaptcha"></div>`), true},
		{"zh safety check", "安全验证", "为了您的访问安全，请完成安全验证", page(""), true},
		{"zh slider in body", "青川新闻", "请完成滑动验证后继续访问", page(""), true},
		{"tiny page with a form and a script", "", "Loading", []byte(`<html><body><form method="post"><input type="hidden" name="t"></form><script>document.forms[0].submit()</script>Loading</body></html>`), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			why := refusal(tc.title, tc.text, tc.raw)
			if (why != "") != tc.refused {
				t.Errorf("refusal(%q) = %q, want refused=%v", tc.title, why, tc.refused)
			}
		})
	}
}

// TestRefusedPagesAreNotArchived: a soft 404 and a captcha page served with
// 200 at article URLs are counted as errors and never become versions.
func TestRefusedPagesAreNotArchived(t *testing.T) {
	site := newssite.New()
	paths := site.ArticlePaths()
	soft404, captcha := paths[0], paths[1]
	mux := http.NewServeMux()
	mux.Handle("/", site)
	mux.HandleFunc(soft404, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>页面不存在</title></head><body><div class="article_content"><h1>404</h1><p>抱歉，您访问的页面不存在。</p></div></body></html>`)
	})
	mux.HandleFunc(captcha, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>安全验证</title></head><body><h1>安全验证</h1><div class="article_content"><p>请完成滑动验证后继续访问。</p></div><div id="nc_1_wrapper"></div><script src="/nc.js"></script></body></html>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	st := archivetest.New(t)
	cfg := testConfig(t, srv.URL, t.TempDir())
	sum, err := Crawl(context.Background(), cfg, st, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if sum.ArticlesNew != len(paths)-2 || sum.Errors < 2 {
		t.Errorf("summary %+v: want %d new articles and at least 2 errors", sum, len(paths)-2)
	}
	for _, p := range []string{soft404, captcha} {
		if _, err := st.Lookup(srv.URL + p); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("%s was archived (lookup: %v)", p, err)
		}
	}
}

// etagSite serves the sample site with a fixed ETag on articles and
// answers a matching If-None-Match with 304, counting them.
type etagSite struct {
	site         http.Handler
	notModified  atomic.Int64
	articleFetch atomic.Int64
}

func (e *etagSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/article/") {
		e.site.ServeHTTP(w, r)
		return
	}
	e.articleFetch.Add(1)
	etag := `"` + r.URL.Path + `-v1"`
	if r.Header.Get("If-None-Match") == etag {
		e.notModified.Add(1)
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	e.site.ServeHTTP(w, r)
}

// TestRecrawlNotModified: a second crawl (every article due: recheck.after
// is 0 in the sample config) sends conditional requests; the 304s update
// last_seen, add no version, store nothing new and count as unchanged.
func TestRecrawlNotModified(t *testing.T) {
	site := newssite.New()
	es := &etagSite{site: site}
	srv := httptest.NewServer(es)
	defer srv.Close()
	st := archivetest.New(t)
	cfg := testConfig(t, srv.URL, t.TempDir())
	first, err := Crawl(context.Background(), cfg, st, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if first.ArticlesNew != len(site.ArticlePaths()) {
		t.Fatalf("first crawl: %+v", first)
	}
	before, err := st.Articles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	second, err := Crawl(context.Background(), cfg, st, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if second.ArticlesNew != 0 || second.ArticlesUpdated != 0 || second.AssetsBytes != 0 || second.ArticlesUnchanged == 0 {
		t.Errorf("second crawl: %+v", second)
	}
	if es.notModified.Load() == 0 {
		t.Fatal("no conditional request answered 304")
	}
	after, err := st.Articles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byURL := map[string]archive.ArticleInfo{}
	for _, a := range before {
		byURL[a.URL] = a
	}
	touched := 0
	for _, a := range after {
		b := byURL[a.URL]
		if a.Versions != b.Versions {
			t.Errorf("%s: %d versions, had %d", a.URL, a.Versions, b.Versions)
		}
		if a.LastSeen.After(b.LastSeen) {
			touched++
		}
	}
	if touched == 0 {
		t.Error("no article's last_seen moved on a 304")
	}

	runs, err := st.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Stopped != archive.StoppedDone || runs[1].Stopped != archive.StoppedDone {
		t.Fatalf("runs = %+v", runs)
	}
	if r := runs[1]; r.Counts.ArticlesUnchanged != second.ArticlesUnchanged || r.Counts.PagesFetched != second.PagesFetched ||
		len(r.Sources) != 1 || r.Sources[0] != "sample" || !r.End.After(r.Start) || !r.Start.After(runs[0].End.Add(-time.Millisecond)) {
		t.Errorf("second run %+v, summary %+v", r, second)
	}
}

func TestRunRecordedWhenStopped(t *testing.T) {
	srv := httptest.NewServer(newssite.New())
	defer srv.Close()
	st := archivetest.New(t)
	cfg := testConfig(t, srv.URL, t.TempDir())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Crawl(ctx, cfg, st, nil, zerolog.Nop()); err == nil {
		t.Fatal("a cancelled crawl reported success")
	}
	dctx, dcancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer dcancel()
	<-dctx.Done()
	_, _ = Crawl(dctx, cfg, st, nil, zerolog.Nop())

	runs, err := st.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Stopped != archive.StoppedInterrupted || runs[1].Stopped != archive.StoppedMaxDuration {
		t.Errorf("runs = %+v", runs)
	}
}
