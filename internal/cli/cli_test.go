package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/chronicle-archive/chronicle/internal/newssite"
	"github.com/chronicle-archive/chronicle/internal/pipeline"
)

// env is one user's setup: the sample site served locally, a config file
// pointing at it, and an archive and export directory in a temp dir.
type env struct {
	t       testing.TB
	site    *newssite.Site
	srv     *httptest.Server
	dir     string
	cfg     string
	archive string
	posts   string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	site := newssite.New()
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	e := &env{t: t, site: site, srv: srv, dir: dir,
		cfg:     filepath.Join(dir, "config.yaml"),
		archive: filepath.Join(dir, "chronicle.db"),
		posts:   filepath.Join(dir, "posts"),
	}
	e.writeConfig(newssite.ConfigYAML(srv.URL, e.archive, e.posts))
	return e
}

// newssiteConfig is the config newEnv wrote.
func newssiteConfig(e *env) string {
	return newssite.ConfigYAML(e.srv.URL, e.archive, e.posts)
}

func (e *env) writeConfig(text string) {
	e.t.Helper()
	if err := os.WriteFile(e.cfg, []byte(text), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// run runs chronicle in-process with the env's config and returns the exit
// code, stdout and stderr.
func (e *env) run(args ...string) (int, string, string) {
	e.t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), append([]string{"--config", e.cfg, "--log-level", "warn"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// must runs a command that has to succeed.
func (e *env) must(args ...string) string {
	e.t.Helper()
	code, out, errs := e.run(args...)
	if code != 0 {
		e.t.Fatalf("chronicle %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (e *env) crawl() pipeline.Summary {
	e.t.Helper()
	return e.crawlArgs()
}

func (e *env) crawlArgs(args ...string) pipeline.Summary {
	e.t.Helper()
	var s pipeline.Summary
	if err := json.Unmarshal([]byte(e.must(append([]string{"crawl", "--json"}, args...)...)), &s); err != nil {
		e.t.Fatalf("crawl --json: %v", err)
	}
	return s
}

func (e *env) list() []listEntry {
	e.t.Helper()
	var l []listEntry
	if err := json.Unmarshal([]byte(e.must("list", "--json")), &l); err != nil {
		e.t.Fatalf("list --json: %v", err)
	}
	return l
}

func (e *env) show(ref string, extra ...string) showJSON {
	e.t.Helper()
	var s showJSON
	if err := json.Unmarshal([]byte(e.must(append([]string{"show", ref, "--json"}, extra...)...)), &s); err != nil {
		e.t.Fatalf("show --json: %v", err)
	}
	return s
}

func TestCrawlArchivesEveryArticleOnce(t *testing.T) {
	e := newEnv(t)
	sum := e.crawl()
	want := e.site.ArticlePaths()
	if sum.ArticlesNew != len(want) || sum.ArticlesUpdated != 0 || sum.ArticlesUnchanged != 0 {
		t.Errorf("first crawl: %+v, want %d new articles", sum, len(want))
	}
	if sum.Errors != 0 {
		t.Errorf("first crawl counted %d errors", sum.Errors)
	}
	if sum.AssetsNew == 0 || sum.AssetsBytes == 0 {
		t.Errorf("first crawl archived no images: %+v", sum)
	}

	var got []string
	for _, a := range e.list() {
		if a.Versions != 1 {
			t.Errorf("%s: %d versions after one crawl", a.URL, a.Versions)
		}
		got = append(got, strings.TrimPrefix(a.URL, e.srv.URL))
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("archived articles:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range e.site.Requests() {
		if strings.HasPrefix(p, "/private/") {
			t.Errorf("robots.txt disallows %s but it was fetched", p)
		}
	}
}

func TestRecrawlUnchangedAddsNoVersionChangedAddsOne(t *testing.T) {
	e := newEnv(t)
	first := e.crawl()

	again := e.crawl()
	if again.ArticlesNew != 0 || again.ArticlesUpdated != 0 || again.ArticlesUnchanged != first.ArticlesNew {
		t.Fatalf("re-crawl of an unchanged site (view counters do change): %+v", again)
	}
	if again.AssetsNew != 0 {
		t.Errorf("re-crawl stored %d new images", again.AssetsNew)
	}

	path := e.site.ArticlePaths()[0]
	before := e.show(e.srv.URL + path)
	words := strings.Fields(before.BodyText)
	if len(words) == 0 {
		t.Fatalf("%s has no body text", path)
	}
	old := []rune(before.BodyText)[:4]
	if err := e.site.Edit(path, string(old), "更正："+string(old)); err != nil {
		t.Fatal(err)
	}
	third := e.crawl()
	if third.ArticlesUpdated != 1 || third.ArticlesNew != 0 {
		t.Fatalf("crawl after one edit: %+v, want exactly one updated article", third)
	}
	after := e.show(e.srv.URL + path)
	if after.Version != 2 || after.Versions != 2 || !strings.Contains(after.BodyText, "更正：") {
		t.Errorf("after the edit: version %d of %d, body %q", after.Version, after.Versions, after.BodyText)
	}
	v1 := e.show(e.srv.URL+path, "--version", "1")
	if v1.BodyText != before.BodyText {
		t.Errorf("version 1 changed after the edit")
	}

	hist := e.must("history", before.ID)
	for _, want := range []string{"version 1 ", "version 2 ", "--- version 1", "+++ version 2", "+更正：" + string(old)} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
}

// frontMatter is the Hexo front matter, parsed back with a YAML parser.
type frontMatter struct {
	Title      string   `yaml:"title"`
	Categories []string `yaml:"categories"`
	Headimg    string   `yaml:"headimg"`
	Author     string   `yaml:"author"`
	Comments   bool     `yaml:"comments"`
	Date       string   `yaml:"date"`
	Thumbnail  string   `yaml:"thumbnail"`
}

func TestExportParsesBackAsHexoPosts(t *testing.T) {
	e := newEnv(t)
	e.crawl()
	out := e.must("export", "--format", "hexo")
	if !strings.Contains(out, "posts written") {
		t.Errorf("export said %q", out)
	}
	files, _ := filepath.Glob(filepath.Join(e.posts, "*.md"))
	articles := e.list()
	if len(files) != len(articles) {
		t.Fatalf("%d posts for %d articles", len(files), len(articles))
	}
	byTitle := map[string]showJSON{}
	for _, a := range articles {
		s := e.show(a.ID)
		byTitle[s.Title] = s
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		head, body, ok := splitFrontMatter(text)
		if !ok {
			t.Fatalf("%s: no front matter", f)
		}
		keys := topLevelKeys(head)
		if strings.Join(keys, ",") != "title,categories,headimg,author,comments,date,thumbnail" {
			t.Errorf("%s: front matter keys %v", f, keys)
		}
		var fm frontMatter
		if err := yaml.Unmarshal([]byte(head), &fm); err != nil {
			t.Fatalf("%s: front matter does not parse: %v\n%s", f, err, head)
		}
		s, ok := byTitle[fm.Title]
		if !ok {
			t.Errorf("%s: title %q is no archived article's", f, fm.Title)
			continue
		}
		if fm.Comments {
			t.Errorf("%s: comments: true", f)
		}
		wantDate := s.FetchedAt
		if s.Published != "" {
			p, err := time.Parse(time.RFC3339, s.Published)
			if err != nil {
				t.Fatalf("show --json published %q: %v", s.Published, err)
			}
			wantDate = p
		}
		if want := wantDate.UTC().Format(http.TimeFormat); fm.Date != want {
			t.Errorf("%s: date %q, want %q", f, fm.Date, want)
		}
		// The sample config exports images in local mode: the lead image is
		// a copy of the archived asset beside the posts.
		if fm.Headimg == "" || fm.Thumbnail != fm.Headimg {
			t.Errorf("%s: headimg %q thumbnail %q", f, fm.Headimg, fm.Thumbnail)
		} else if _, err := os.Stat(filepath.Join(e.posts, filepath.FromSlash(fm.Headimg))); err != nil {
			t.Errorf("%s: lead image %s (of %s) not exported: %v", f, fm.Headimg, s.LeadImage, err)
		}
		for _, m := range regexp.MustCompile(`src="([^"]+)"`).FindAllStringSubmatch(body, -1) {
			if strings.Contains(m[1], "://") {
				continue // video embeds stay remote
			}
			if _, err := os.Stat(filepath.Join(e.posts, filepath.FromSlash(m[1]))); err != nil {
				t.Errorf("%s: body image %s not exported: %v", f, m[1], err)
			}
		}
		if strings.Join(fm.Categories, "/") != "新媒体/青川新闻/sample" {
			t.Errorf("%s: categories %v", f, fm.Categories)
		}
		if fm.Author == "" {
			t.Errorf("%s: no author (the source's configured author is the fallback)", f)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "onclick") {
			t.Errorf("%s: body keeps a script or an event handler", f)
		}
	}

	again := e.must("export", "--format", "hexo")
	if !strings.Contains(again, " 0 posts written") {
		t.Errorf("re-export of an unchanged archive: %q", again)
	}
}

func splitFrontMatter(s string) (head, body string, ok bool) {
	s = strings.TrimLeft(s, "\n")
	rest, found := strings.CutPrefix(s, "---\n")
	if !found {
		return "", "", false
	}
	head, body, ok = strings.Cut(rest, "\n---\n")
	return head, body, ok
}

func topLevelKeys(head string) []string {
	var keys []string
	for _, line := range strings.Split(head, "\n") {
		if line == "" || line[0] == ' ' || line[0] == '-' {
			continue
		}
		if k, _, ok := strings.Cut(line, ":"); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

func TestArchivedFieldsAreRight(t *testing.T) {
	e := newEnv(t)
	e.crawl()
	cases := []struct {
		path, title, author, published, video string
	}{
		{"/article/1001.html", "地铁5号线南延段今日开通运营 沿线居民通勤时间缩短近半", "本报记者 林晓", "2021-11-20T04:27:00Z", ""},
		{"/article/1002.html", "市科技馆“宇宙与生命”新展厅开放 三百余件展品等你来探索", "本报记者 韩雪", "2021-11-19T10:05:00Z", "https://v.qq.com/iframe/player.html?vid=k3300xyzq1a"},
		{"/article/1004.html", "2021青川马拉松鸣枪开跑 两万名跑者畅跑滨江赛道", "体育记者 高远", "2021-11-21T06:05:00Z", ""}, // JSON-LD, no .author
		{"/article/1005.html", "百年老街完成修缮 重现青砖黛瓦旧时风貌", "本报记者 周宁", "2021-11-17T08:30:00Z", ""},       // served as GBK
	}
	for _, tc := range cases {
		s := e.show(e.srv.URL + tc.path)
		if s.Title != tc.title || s.Author != tc.author {
			t.Errorf("%s: title %q author %q, want %q %q", tc.path, s.Title, s.Author, tc.title, tc.author)
		}
		if s.Published != tc.published {
			t.Errorf("%s: published %v, want %s", tc.path, s.Published, tc.published)
		}
		if tc.video != "" && (len(s.Videos) == 0 || !strings.HasPrefix(s.Videos[0], tc.video)) {
			t.Errorf("%s: videos %v, want %s", tc.path, s.Videos, tc.video)
		}
		if tc.video != "" && !strings.Contains(s.BodyHTML, "<iframe") {
			t.Errorf("%s: the video iframe was dropped from the body", tc.path)
		}
		if len(s.Images) == 0 || len(s.Assets) == 0 {
			t.Errorf("%s: images %v, archived %v", tc.path, s.Images, s.Assets)
		}
		for _, im := range s.Images {
			if !strings.HasPrefix(im, "http://") && !strings.HasPrefix(im, "https://") {
				t.Errorf("%s: image URL %q is not absolute", tc.path, im)
			}
		}
		for _, bad := range []string{"<script", "onclick", "阅读 ", "data-original"} {
			if strings.Contains(s.BodyHTML, bad) {
				t.Errorf("%s: body keeps %q", tc.path, bad)
			}
		}
	}
}

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"--log-level", "warn", "demo", "--dir", dir}, &out, &errb)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"Crawled 16 pages", "8 articles", "Exported 8 Hexo posts", "no problems", dir} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	posts, _ := filepath.Glob(filepath.Join(dir, "posts", "*.md"))
	if len(posts) != 8 {
		t.Errorf("demo wrote %d posts, want 8", len(posts))
	}
	// The directory now holds a demo: a second run must not overwrite it.
	out.Reset()
	errb.Reset()
	if code := Main(context.Background(), []string{"demo", "--dir", dir}, &out, &errb); code != ExitUsage {
		t.Errorf("demo into a used directory: exit %d, want 2 (%s)", code, errb.String())
	}
}

func TestCrawlIsQuietForCron(t *testing.T) {
	e := newEnv(t)
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"--config", e.cfg, "crawl"}, &out, &errb)
	if code != 0 || out.Len() != 0 || errb.Len() != 0 {
		t.Errorf("a clean crawl off a terminal: exit %d, stdout %q, stderr %q; want silence", code, out.String(), errb.String())
	}
}

func TestMaxDurationStopsCleanly(t *testing.T) {
	site := newssite.New()
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/article/") {
			time.Sleep(300 * time.Millisecond)
		}
		site.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(slow)
	defer srv.Close()
	e := newEnv(t)
	e.writeConfig(strings.Replace(newssite.ConfigYAML(srv.URL, e.archive, e.posts), "concurrency: 4", "concurrency: 1", 1))

	start := time.Now()
	first := e.crawlArgs("--max-duration", "500ms")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("--max-duration 500ms: the crawl took %v", took)
	}
	if first.ArticlesNew >= len(site.ArticlePaths()) {
		t.Fatalf("a 500ms crawl of a slow site archived everything: %+v", first)
	}
	second := e.crawlArgs()
	if first.ArticlesNew+second.ArticlesNew != len(site.ArticlePaths()) {
		t.Errorf("after a stopped crawl and a full one: %d + %d articles, want %d", first.ArticlesNew, second.ArticlesNew, len(site.ArticlePaths()))
	}
	if code, out, _ := e.run("verify"); code != 0 {
		t.Errorf("verify after a stopped crawl: exit %d\n%s", code, out)
	}
}

func TestReextractAddsVersionsWithoutFetching(t *testing.T) {
	e := newEnv(t)
	full := newssiteConfig(e)
	// First crawl without the remove rule: share bars and ads end up in the bodies.
	e.writeConfig(strings.Replace(full, `      remove: [".ad", ".share"]`+"\n", "", 1))
	first := e.crawl()
	if strings.Count(e.show(e.srv.URL+"/article/1001.html").BodyText, "广告") == 0 {
		t.Fatal("without the remove rule the ad should be in the body")
	}
	requests := len(e.site.Requests())

	e.writeConfig(full)
	var sum pipeline.ReextractSummary
	if err := json.Unmarshal([]byte(e.must("reextract", "--json")), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Articles != first.ArticlesNew || sum.Changed != first.ArticlesNew || sum.Errors != 0 {
		t.Errorf("reextract: %+v, want every one of %d articles changed", sum, first.ArticlesNew)
	}
	if n := len(e.site.Requests()); n != requests {
		t.Errorf("reextract made %d requests", n-requests)
	}
	s := e.show(e.srv.URL + "/article/1001.html")
	if s.Version != 2 || s.ReextractOf != 1 || strings.Contains(s.BodyText, "广告") {
		t.Errorf("after reextract: version %d, reextract_of %d, body %q", s.Version, s.ReextractOf, s.BodyText)
	}
	// Nothing changes the second time.
	if err := json.Unmarshal([]byte(e.must("reextract", "--json")), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Changed != 0 || sum.Unchanged != first.ArticlesNew {
		t.Errorf("second reextract: %+v", sum)
	}
	if code, out, _ := e.run("verify"); code != 0 {
		t.Errorf("verify after reextract: exit %d\n%s", code, out)
	}
}
