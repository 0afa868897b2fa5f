package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

func mustParse(tb testing.TB, src, name string) *Config {
	tb.Helper()
	c, err := Parse(strings.NewReader(src), name)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return c
}

func TestDefault(t *testing.T) {
	c := Default()
	want := Config{
		Archive:       "data/chronicle.db",
		UserAgent:     "chronicle/1.0 (+https://github.com/chronicle-archive/chronicle)",
		Concurrency:   8,
		PerHost:       PerHost{Parallelism: 2, Delay: 250 * time.Millisecond},
		RespectRobots: true,
		Timeout:       30 * time.Second,
		LockTimeout:   5 * time.Second,
		MaxPageBytes:  10 << 20,
		MaxAssetBytes: 20 << 20,
		Export: Export{
			Hexo: Hexo{Out: "blog/source/_posts", Images: "remote", Date: "rfc1123", Timezone: "UTC", Categories: "hierarchy"},
			Hugo: Hugo{Out: "hugo", Images: "remote"},
			JSON: JSONExport{Out: "export"},
			WARC: WARCExport{Out: "export"},
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Default() =\n%+v\nwant\n%+v", c, want)
	}
	if r := DefaultRecheck(); r != (Recheck{30 * time.Minute, 7 * day, 90 * day}) {
		t.Errorf("DefaultRecheck() = %+v", r)
	}
}

func TestParseEmptyAppliesDefaults(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "---\n", "sources:\n", "sources: []\n"} {
		c := mustParse(t, src, "")
		want := Default()
		want.sourcesLine = c.sourcesLine
		if !reflect.DeepEqual(*c, want) {
			t.Errorf("Parse(%q) =\n%+v\nwant defaults\n%+v", src, *c, want)
		}
		if err := c.RequireSources(); err == nil {
			t.Errorf("Parse(%q).RequireSources() = nil, want error", src)
		}
	}
	c := mustParse(t, "archive: a.db\n\nsources: []\n", "c.yaml")
	if got, want := c.RequireSources().Error(), "c.yaml:3: sources: no sources configured"; got != want {
		t.Errorf("RequireSources() = %q, want %q", got, want)
	}
}

func TestSourceDefaults(t *testing.T) {
	c := mustParse(t, `sources:
  - name: a
    feeds: [https://example.org/rss]
    listings:
      - url: https://example.org/list
`, "")
	s := c.Sources[0]
	if s.Timezone != "Asia/Shanghai" || s.Location == nil || s.Location.String() != "Asia/Shanghai" {
		t.Errorf("timezone = %q %v, want Asia/Shanghai", s.Timezone, s.Location)
	}
	if s.Recheck != DefaultRecheck() {
		t.Errorf("recheck = %+v, want defaults", s.Recheck)
	}
	if s.Listings[0].MaxPages != 5 {
		t.Errorf("max_pages = %d, want 5", s.Listings[0].MaxPages)
	}
	if s.Article.MatchRE != nil {
		t.Errorf("MatchRE = %v, want nil", s.Article.MatchRE)
	}
	if err := c.RequireSources(); err != nil {
		t.Errorf("RequireSources() = %v", err)
	}
}

const fullConfig = `archive: /var/lib/chronicle/archive.db
user_agent: "testbot/2.0 (+https://example.org/bot)"
concurrency: 4
per_host: {parallelism: 1, delay: 1.5s}
respect_robots: false
timeout: 1m
lock_timeout: 1d12h
max_page_bytes: 512KiB
max_asset_bytes: 3MB
sources:
  - name: zaker
    categories: [新媒体, ZAKER, source]
    author: ZAKER
    schedule: "*/30 * * * *"
    timezone: UTC
    recheck: {after: 2h, max_interval: 2w, stop_after: 365d}
    feeds: ["https://example.org/rss.xml"]
    sitemaps: ["https://example.org/sitemap.xml"]
    listings:
      - url: "https://example.org/channel/1"
        links: "div.content-block a.article-link"
        next: "a.next"
        max_pages: 3
      - url: http://example.org/channel/2
    article:
      match: "/article/"
      title: "h1"
      body: "div.article_content"
      author: ".author"
      date: ".time"
      remove: [".ad", ".share"]
  - name: Feed_2
    schedule: "@daily"
    feeds:
      - https://example.com/feed.atom
export:
  hexo:
    out: /srv/blog/source/_posts
    images: "https://proxy.example/?{url}"
`

func TestParseFull(t *testing.T) {
	c := mustParse(t, fullConfig, "/etc/chronicle/config.yaml")
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	want := &Config{
		Path:          "/etc/chronicle/config.yaml",
		Archive:       "/var/lib/chronicle/archive.db",
		UserAgent:     "testbot/2.0 (+https://example.org/bot)",
		Concurrency:   4,
		PerHost:       PerHost{Parallelism: 1, Delay: 1500 * time.Millisecond},
		RespectRobots: false,
		Timeout:       time.Minute,
		LockTimeout:   36 * time.Hour,
		MaxPageBytes:  512 << 10,
		MaxAssetBytes: 3000000,
		Sources: []Source{
			{
				Name:       "zaker",
				Categories: []string{"新媒体", "ZAKER", "source"},
				Author:     "ZAKER",
				Schedule:   "*/30 * * * *",
				Timezone:   "UTC",
				Location:   time.UTC,
				Recheck:    Recheck{After: 2 * time.Hour, MaxInterval: 14 * day, StopAfter: 365 * day},
				Feeds:      []string{"https://example.org/rss.xml"},
				Sitemaps:   []string{"https://example.org/sitemap.xml"},
				Listings: []Listing{
					{URL: "https://example.org/channel/1", Links: "div.content-block a.article-link", Next: "a.next", MaxPages: 3},
					{URL: "http://example.org/channel/2", MaxPages: 5},
				},
				Article: Article{
					Match: "/article/", Title: "h1", Body: "div.article_content",
					Author: ".author", Date: ".time", Remove: []string{".ad", ".share"},
				},
			},
			{
				Name:     "Feed_2",
				Schedule: "@daily",
				Timezone: "Asia/Shanghai",
				Location: shanghai,
				Recheck:  DefaultRecheck(),
				Feeds:    []string{"https://example.com/feed.atom"},
			},
		},
		Export: Export{
			Hexo: Hexo{Out: "/srv/blog/source/_posts", Images: "https://proxy.example/?{url}", Date: "rfc1123", Timezone: "UTC", Categories: "hierarchy"},
			Hugo: Hugo{Out: "/etc/chronicle/hugo", Images: "remote"},
			JSON: JSONExport{Out: "/etc/chronicle/export"},
			WARC: WARCExport{Out: "/etc/chronicle/export"},
		},
		sourcesLine: 10,
	}
	if re := c.Sources[0].Article.MatchRE; re == nil || re.String() != "/article/" || !re.MatchString("https://example.org/article/1") {
		t.Errorf("MatchRE = %v", re)
	}
	c.Sources[0].Article.MatchRE = nil
	for i := range c.Sources {
		if got, w := c.Sources[i].Location.String(), want.Sources[i].Location.String(); got != w {
			t.Errorf("sources[%d].Location = %s, want %s", i, got, w)
		}
		c.Sources[i].Location, want.Sources[i].Location = nil, nil
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", *c, *want)
	}

	s, ok := c.Source("Feed_2")
	if !ok || s != &c.Sources[1] {
		t.Errorf("Source(Feed_2) = %v, %v", s, ok)
	}
	if _, ok := c.Source("feed_2"); ok {
		t.Error("Source is case sensitive")
	}
}

// TestRoundTrip parses the full config twice, once through a file, and
// checks both give the same values.
func TestRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(fullConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	b := mustParse(t, fullConfig, p)
	if a.Sources[0].Location.String() != b.Sources[0].Location.String() {
		t.Fatal("locations differ")
	}
	for _, c := range []*Config{a, b} {
		for i := range c.Sources {
			c.Sources[i].Location = nil
			c.Sources[i].Article.MatchRE = nil
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Load and Parse differ:\n%+v\n%+v", *a, *b)
	}
}

func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("archive: db/a.db\nexport: {hexo: {out: ../posts}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "sub", "db", "a.db"); c.Archive != want {
		t.Errorf("Archive = %q, want %q", c.Archive, want)
	}
	if want := filepath.Join(dir, "posts"); c.Export.Hexo.Out != want {
		t.Errorf("Hexo.Out = %q, want %q", c.Export.Hexo.Out, want)
	}
	if c.Path != p {
		t.Errorf("Path = %q, want %q", c.Path, p)
	}

	// Defaults are relative to the config file too.
	c = mustParse(t, "", filepath.Join("etc", "chronicle.yaml"))
	if want := filepath.Join("etc", "data", "chronicle.db"); c.Archive != want {
		t.Errorf("default Archive = %q, want %q", c.Archive, want)
	}
	if want := filepath.Join("etc", "blog", "source", "_posts"); c.Export.Hexo.Out != want {
		t.Errorf("default Hexo.Out = %q, want %q", c.Export.Hexo.Out, want)
	}

	// Without a name, paths stay relative to the working directory.
	c = mustParse(t, "archive: x/a.db\n", "")
	if c.Archive != "x/a.db" {
		t.Errorf("Archive = %q, want x/a.db", c.Archive)
	}
	// Absolute paths are kept.
	abs := filepath.Join(dir, "abs.db")
	c = mustParse(t, "archive: "+abs+"\n", p)
	if c.Archive != abs {
		t.Errorf("Archive = %q, want %q", c.Archive, abs)
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
	var ce *Error
	if errors.As(err, &ce) {
		t.Errorf("Load(missing) is a *Error: %v", err)
	}
}

func TestRepoConfigParses(t *testing.T) {
	c, err := Load("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RequireSources(); err != nil {
		t.Fatal(err)
	}
	z, ok := c.Source("zaker")
	if !ok {
		t.Fatal("no zaker source")
	}
	if len(z.Listings) == 0 || z.Listings[0].URL != "https://www.myzaker.com/channel/1" {
		t.Errorf("zaker listings = %+v", z.Listings)
	}
	if z.Article.MatchRE == nil || !z.Article.MatchRE.MatchString("https://www.myzaker.com/article/61986a2a8e9f0957a86ab3d1") {
		t.Errorf("zaker article.match = %v", z.Article.MatchRE)
	}
	if !reflect.DeepEqual(z.Categories, []string{"新媒体", "ZAKER", "source"}) || z.Author != "ZAKER" || z.Schedule != "*/30 * * * *" {
		t.Errorf("zaker meta = %v %q %q", z.Categories, z.Author, z.Schedule)
	}
	feeds := 0
	for _, s := range c.Sources {
		feeds += len(s.Feeds)
	}
	if feeds < 2 {
		t.Errorf("example has %d feeds, want at least 2", feeds)
	}
	if c.Archive != filepath.Join("..", "..", "data", "chronicle.db") {
		t.Errorf("Archive = %q", c.Archive)
	}
}

func TestAnchorsAndMerge(t *testing.T) {
	c := mustParse(t, `x-defaults: &defaults      # x- keys are ignored: a place for anchors
  categories: [News]
  schedule: "@hourly"
  recheck: {after: 1h, max_interval: 1d, stop_after: 10d}
x-remove: &remove [".ad"]
sources:
  - <<: *defaults
    name: a
    feeds: [https://a.example/rss]
    article: {remove: *remove}
  - <<: *defaults
    name: b
    schedule: "@daily"
    feeds: [https://b.example/rss]
`, "")
	a, b := c.Sources[0], c.Sources[1]
	if a.Schedule != "@hourly" || b.Schedule != "@daily" {
		t.Errorf("schedules = %q %q, want @hourly @daily", a.Schedule, b.Schedule)
	}
	if !reflect.DeepEqual(b.Categories, []string{"News"}) || b.Recheck.MaxInterval != day {
		t.Errorf("merged b = %+v", b)
	}
	if !reflect.DeepEqual(a.Article.Remove, []string{".ad"}) {
		t.Errorf("alias remove = %v", a.Article.Remove)
	}
}

// specExample is the config.yaml example of the product contract, verbatim.
const specExample = `archive: data/chronicle.db          # the bbolt file; created if missing
user_agent: "chronicle/1.0 (+https://example.org/bot)"
concurrency: 8                      # fetches in flight, all hosts together
per_host: {parallelism: 2, delay: 250ms}
respect_robots: true
timeout: 30s                        # per request
lock_timeout: 5s
max_page_bytes: 10MiB
max_asset_bytes: 20MiB
sources:
  - name: zaker
    categories: [新媒体, ZAKER, source]   # copied into exported front matter
    author: ZAKER                          # used when the page names none
    schedule: "*/30 * * * *"               # for ` + "`" + `chronicle schedule` + "`" + `
    recheck: {after: 30m, max_interval: 7d, stop_after: 90d}
      # known articles are fetched again (conditionally) to catch edits: first ` + "`" + `after` + "`" + ` their
      # first sighting, then less often while unchanged, never once older than ` + "`" + `stop_after` + "`" + `
    feeds: ["https://example.org/rss.xml"]              # RSS or Atom
    sitemaps: ["https://example.org/sitemap.xml"]       # sitemap or sitemap index
    listings:
      - url: "https://example.org/channel/1"
        links: "a.article-link"    # CSS selector of article links
        next: "a.next"             # CSS selector of the next listing page
        max_pages: 5
    article:
      match: "/article/"           # regexp on the URL: pages that are articles
      title: "h1"                  # CSS selectors; any left out -> generic extraction
      body: "div.article_content"
      author: ".author"
      date: ".time"
      remove: [".ad", ".share"]   # dropped from the body before anything else
      # A selector's element gives its text; a <time> gives its datetime attribute,
      # a <meta> its content, an <img> its src (lazy attributes first).
export:
  hexo:
    out: blog/source/_posts
    images: remote                 # remote | local | "https://proxy.example/?{url}"
`

func TestSpecExampleParses(t *testing.T) {
	c := mustParse(t, specExample, "config.yaml")
	s, ok := c.Source("zaker")
	if !ok || len(s.Feeds) != 1 || len(s.Sitemaps) != 1 || len(s.Listings) != 1 || len(s.Article.Remove) != 2 {
		t.Errorf("zaker = %+v", s)
	}
	if c.UserAgent != "chronicle/1.0 (+https://example.org/bot)" || c.Export.Hexo.Images != "remote" {
		t.Errorf("config = %+v", c)
	}
}

func TestByteOrderMarkAndCRLF(t *testing.T) {
	_, err := Parse(strings.NewReader("\ufefftimeout: 1s\r\n\r\nconcurrency: 0\r\n"), "c.yaml")
	if err == nil || err.Error() != "c.yaml:3: concurrency: must be at least 1, got 0" {
		t.Errorf("err = %v", err)
	}
}

func TestParseExportFormats(t *testing.T) {
	text := `export:
  hexo: {out: posts, images: local, date: local, timezone: Asia/Shanghai, categories: siblings}
  hugo: {out: site, images: "https://proxy.example/?{url}"}
  json: {out: "-"}
  warc: {out: /srv/warc}
`
	c, err := Parse(strings.NewReader(text), "/etc/chronicle/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Export{
		Hexo: Hexo{Out: "/etc/chronicle/posts", Images: "local", Date: "local", Timezone: "Asia/Shanghai", Categories: "siblings"},
		Hugo: Hugo{Out: "/etc/chronicle/site", Images: "https://proxy.example/?{url}"},
		JSON: JSONExport{Out: "-"},
		WARC: WARCExport{Out: "/srv/warc"},
	}
	if !reflect.DeepEqual(c.Export, want) {
		t.Errorf("Export =\n%+v\nwant\n%+v", c.Export, want)
	}
}
