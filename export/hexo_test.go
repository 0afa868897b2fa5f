package export

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/chronicle-archive/chronicle/archive"
)

var update = flag.Bool("update", false, "update golden files")

var (
	t0      = time.Date(2021, 11, 20, 4, 30, 0, 0, time.UTC)
	zakerMD = SourceMeta{Categories: []string{"新媒体", "ZAKER", "source"}, Author: "ZAKER"}
)

// zakerContent is a ZAKER-like article: Chinese title with punctuation, an
// embedded video, lazy images already given their src, indented HTML.
func zakerContent() archive.Content {
	return archive.Content{
		Title:     "推动共建“一带一路”高质量发展不断取得新成效",
		Published: time.Date(2021, 11, 20, 12, 27, 24, 0, time.FixedZone("CST", 8*3600)),
		LeadImage: "http://zkres1.myzaker.com/202111/6198ddd7b15ec00e202b6240_1024.jpg",
		BodyHTML: "<div>   \n" +
			`<p></p><div class="iframe_video"><iframe src="//v.qq.com/iframe/player.html?vid=a3309bmnfra&amp;auto=0" allowfullscreen="" frameborder="0"></iframe></div>` +
			"<p>11 月 19 日，习近平总书记在北京出席第三次“一带一路”建设座谈会并发表重要讲话。</p>\n\n" +
			"    <div class=\"img_box\"><img data-original=\"http://zkres1.myzaker.com/202111/6198ddd7b15ec00e202b6240_1024.jpg\" " +
			"src=\"http://zkres1.myzaker.com/202111/6198ddd7b15ec00e202b6240_1024.jpg\"></div>8 年来，共建“一带一路”由蓝图变为现实。\n" +
			"\t\t<p><img src=\"http://zkres2.myzaker.com/202111/6198ddd7b15ec00e202b6241_1024.jpg\" alt=\"图\"></p>\n" +
			"<p>百尺竿头，更进一步。{{ site.title }} {% endraw %}</p>\n" +
			"<p>央视评论员</p>  \n</div>\n",
		Images: []string{
			"http://zkres1.myzaker.com/202111/6198ddd7b15ec00e202b6240_1024.jpg",
			"http://zkres2.myzaker.com/202111/6198ddd7b15ec00e202b6241_1024.jpg",
		},
	}
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parsed is a post's front matter read back by a YAML parser.
type parsed struct {
	Title      string   `yaml:"title"`
	Categories []string `yaml:"categories"`
	HeadImg    string   `yaml:"headimg"`
	Author     string   `yaml:"author"`
	Comments   bool     `yaml:"comments"`
	Date       string   `yaml:"date"`
	Thumbnail  string   `yaml:"thumbnail"`
}

var wantKeys = []string{"title", "categories", "headimg", "author", "comments", "date", "thumbnail"}

// parsePost splits a post into its front matter (parsed strictly, key order
// checked) and its body.
func parsePost(t testing.TB, post []byte) (parsed, string) {
	t.Helper()
	s := string(post)
	if !strings.HasPrefix(s, "---\n") {
		t.Fatalf("post does not start with ---: %q", s[:min(len(s), 40)])
	}
	end := strings.Index(s[4:], "\n---\n")
	if end < 0 {
		t.Fatalf("no end of front matter in %q", s)
	}
	fm, body := s[4:4+end+1], s[4+end+5:]
	var ms yaml.MapSlice
	if err := yaml.UnmarshalWithOptions([]byte(fm), &ms, yaml.UseOrderedMap()); err != nil {
		t.Fatalf("front matter does not parse: %v\n%s", err, fm)
	}
	var keys []string
	for _, it := range ms {
		k, _ := it.Key.(string)
		keys = append(keys, k)
	}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("keys = %q, want %q", keys, wantKeys)
	}
	var p parsed
	if err := yaml.UnmarshalWithOptions([]byte(fm), &p, yaml.Strict()); err != nil {
		t.Fatalf("front matter does not decode: %v\n%s", err, fm)
	}
	return p, body
}

func export(t testing.TB, r Reader, opts HexoOptions) Stats {
	t.Helper()
	st, err := Hexo(context.Background(), r, opts)
	if err != nil {
		t.Fatalf("Hexo: %v", err)
	}
	return st
}

// posts lists the .md files in dir.
func posts(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	sort.Strings(m)
	return m
}

func TestHexoGolden(t *testing.T) {
	for _, tc := range []struct{ name, images string }{
		{"zaker-proxy", "https://proxy.example/?{url}"},
		{"zaker-remote", "remote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.put("https://www.myzaker.com/article/6198ddd7", "zaker", t0, zakerContent())
			out := t.TempDir()
			st := export(t, f, HexoOptions{Out: out, Images: tc.images, Sources: map[string]SourceMeta{"zaker": zakerMD}})
			if st.Written != 1 {
				t.Fatalf("stats = %+v", st)
			}
			name := "推动共建-一带一路-高质量发展不断取得新成效.md"
			got := readFile(t, filepath.Join(out, name))
			golden := filepath.Join("testdata", tc.name+".md")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readFile(t, golden)
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update):\n%s", golden, got)
			}
			p, body := parsePost(t, got)
			wantImg := "http://zkres1.myzaker.com/202111/6198ddd7b15ec00e202b6240_1024.jpg"
			if tc.images != "remote" {
				wantImg = "https://proxy.example/?" + wantImg
			}
			if p.Title != zakerContent().Title || p.Author != "ZAKER" || p.Comments ||
				p.Date != "Sat, 20 Nov 2021 04:27:24 GMT" || p.HeadImg != wantImg || p.Thumbnail != wantImg ||
				!slices.Equal(p.Categories, zakerMD.Categories) {
				t.Errorf("front matter = %+v", p)
			}
			if !strings.Contains(body, `src="`+wantImg+`"`) {
				t.Errorf("body lacks image %s:\n%s", wantImg, body)
			}
			if !strings.Contains(body, `data-original="http://zkres1.`) {
				t.Errorf("data-original was rewritten:\n%s", body)
			}
			if !strings.Contains(body, `<iframe src="//v.qq.com/iframe/player.html?vid=a3309bmnfra&amp;auto=0"`) {
				t.Errorf("video embed changed:\n%s", body)
			}
			checkHexoBody(t, body)
		})
	}
}

// checkHexoBody asserts the Hexo traps are guarded: one raw block holding the
// whole body, no template syntax inside it, no blank or indented lines.
func checkHexoBody(t testing.TB, body string) {
	t.Helper()
	const open, closing = "\n{% raw %}\n", "{% endraw %}\n"
	if !strings.HasPrefix(body, open) || !strings.HasSuffix(body, closing) {
		t.Fatalf("body not wrapped in raw block:\n%s", body)
	}
	inner := body[len(open) : len(body)-len(closing)]
	for _, bad := range []string{"{%", "%}", "{{", "}}", "{#", "\uFFFC"} {
		if strings.Contains(inner, bad) {
			t.Errorf("body contains %q:\n%s", bad, inner)
		}
	}
	for i, line := range strings.Split(strings.TrimSuffix(inner, "\n"), "\n") {
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			t.Errorf("body line %d is blank or indented: %q", i+1, line)
		}
	}
}

func TestHexoHostileTitles(t *testing.T) {
	titles := []string{
		"key: value",
		"[not a list",
		"{not: a map}",
		"@handle",
		"title # not a comment",
		"#hashtag",
		`"quoted" and 'single'`,
		`back\slash \n not a newline`,
		"line one\nline two\r\nthree",
		"tab\there",
		"{% raw %}{{ x }}{% endraw %}",
		"---",
		"--- \n...\n---",
		"emoji 🎉👍🏽 and ZWJ 👨‍👩‍👧",
		"推动共建“一带一路”高质量发展",
		"  leading and trailing  ",
		"null",
		"true",
		"0x1F",
		"- dash",
		"? question",
		"| pipe",
		"> folded",
		"& anchor * alias ! tag % directive",
		"bell\a nul\x00 esc\x1b del\x7f c1\u0085\u009f",
		"separators\u2028\u2029 bom\ufeff",
		"bad utf8 \xff\xfe end",
		"",
	}
	f := newFake()
	var ids []archive.ID
	for i, title := range titles {
		c := archive.Content{Title: title, Author: title, BodyHTML: "<p>x</p>", LeadImage: "https://img.example/a.jpg?x=" + title}
		ids = append(ids, f.put("https://news.example/a/"+string(rune('a'+i)), "s", t0.Add(time.Duration(i)*time.Minute), c))
	}
	out := t.TempDir()
	export(t, f, HexoOptions{Out: out, Sources: map[string]SourceMeta{"s": {Categories: []string{"a: b", "[c]", "\"d\""}}}})
	man, err := loadManifest(out, "hexo")
	if err != nil {
		t.Fatal(err)
	}
	for i, title := range titles {
		art := man.Articles[ids[i].String()]
		if art == nil {
			t.Fatalf("title %q not in manifest", title)
		}
		post := readFile(t, filepath.Join(out, art.Files["latest"].Name))
		p, _ := parsePost(t, post)
		want := strings.ToValidUTF8(title, "\uFFFD")
		if title == "" {
			want = "https://news.example/a/" + string(rune('a'+i)) // falls back to the URL
		}
		if p.Title != want {
			t.Errorf("title %q read back as %q", want, p.Title)
		}
		if p.Author != strings.ToValidUTF8(title, "\uFFFD") {
			t.Errorf("author %q read back as %q", title, p.Author)
		}
		if !slices.Equal(p.Categories, []string{"a: b", "[c]", "\"d\""}) {
			t.Errorf("categories read back as %q", p.Categories)
		}
		if wantImg := strings.ToValidUTF8("https://img.example/a.jpg?x="+title, "\uFFFD"); p.HeadImg != wantImg {
			t.Errorf("headimg read back as %q, want %q", p.HeadImg, wantImg)
		}
	}
}

func TestHexoEmptyCategoriesAndDefaults(t *testing.T) {
	f := newFake()
	c := archive.Content{Title: "No meta", BodyHTML: "<p>x</p>"}
	f.put("https://news.example/n", "unknown", t0, c)
	out := t.TempDir()
	export(t, f, HexoOptions{Out: out})
	post := readFile(t, filepath.Join(out, "no-meta.md"))
	if !bytes.Contains(post, []byte("\ncategories: []\n")) {
		t.Errorf("want empty categories list:\n%s", post)
	}
	p, _ := parsePost(t, post)
	if p.Author != "" || p.HeadImg != "" || p.Thumbnail != "" || len(p.Categories) != 0 {
		t.Errorf("front matter = %+v", p)
	}
	// No published date: the first fetch time.
	if p.Date != "Sat, 20 Nov 2021 04:30:00 GMT" {
		t.Errorf("date = %q", p.Date)
	}
}

func mtimes(t testing.TB, dir string) map[string]time.Time {
	t.Helper()
	m := map[string]time.Time{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		m[p] = info.ModTime()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ageFiles sets every file's mtime to an hour ago so a rewrite is visible
// whatever the filesystem's timestamp granularity.
func ageFiles(t testing.TB, dir string) {
	t.Helper()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for p := range mtimes(t, dir) {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHexoReexportWritesNothing(t *testing.T) {
	f := newFake()
	img := f.addAsset("https://img.example/1.png", "image/png", []byte("png-bytes"))
	f.put("https://news.example/1", "zaker", t0, archive.Content{Title: "One", BodyHTML: `<img src="https://img.example/1.png">`}, img)
	f.put("https://news.example/2", "zaker", t0.Add(time.Hour), archive.Content{Title: "Two", BodyHTML: "<p>2</p>"})
	f.put("https://news.example/2", "zaker", t0.Add(2*time.Hour), archive.Content{Title: "Two", BodyHTML: "<p>2 fixed</p>"})
	for _, all := range []bool{false, true} {
		out := t.TempDir()
		opts := HexoOptions{Out: out, Images: ImagesLocal, AllVersions: all, Sources: map[string]SourceMeta{"zaker": zakerMD}}
		st := export(t, f, opts)
		wantFiles := 2
		if all {
			wantFiles = 3
		}
		if st.Written != wantFiles || st.Assets != 1 {
			t.Fatalf("all=%v: first export stats = %+v", all, st)
		}
		ageFiles(t, out)
		before := mtimes(t, out)
		hits := f.assetHits
		st = export(t, f, opts)
		if st.Written != 0 || st.Unchanged != wantFiles || st.Assets != 0 {
			t.Errorf("all=%v: re-export stats = %+v", all, st)
		}
		if f.assetHits != hits {
			t.Errorf("all=%v: re-export read assets again", all)
		}
		if after := mtimes(t, out); !mapsEqual(before, after) {
			t.Errorf("all=%v: re-export touched files:\nbefore %v\nafter  %v", all, before, after)
		}
		if all {
			if got := posts(t, out); !slices.Equal(got, []string{"one.md", "two-v2.md", "two.md"}) {
				t.Errorf("files = %q", got)
			}
		}
	}
}

func mapsEqual(a, b map[string]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !w.Equal(v) {
			return false
		}
	}
	return true
}

func TestHexoTitleChangeKeepsName(t *testing.T) {
	f := newFake()
	f.put("https://news.example/1", "s", t0, archive.Content{Title: "Original title", BodyHTML: "<p>a</p>"})
	f.put("https://news.example/2", "s", t0.Add(time.Minute), archive.Content{Title: "Other", BodyHTML: "<p>b</p>"})
	out := t.TempDir()
	export(t, f, HexoOptions{Out: out})
	ageFiles(t, out)
	before := mtimes(t, out)

	f.put("https://news.example/1", "s", t0.Add(time.Hour), archive.Content{Title: "Corrected title", BodyHTML: "<p>a</p>"})
	st := export(t, f, HexoOptions{Out: out})
	if st.Written != 1 || st.Unchanged != 1 {
		t.Errorf("stats = %+v", st)
	}
	if got := posts(t, out); !slices.Equal(got, []string{"original-title.md", "other.md"}) {
		t.Fatalf("files = %q", got)
	}
	p, _ := parsePost(t, readFile(t, filepath.Join(out, "original-title.md")))
	if p.Title != "Corrected title" {
		t.Errorf("title = %q", p.Title)
	}
	after := mtimes(t, out)
	if o := filepath.Join(out, "other.md"); !after[o].Equal(before[o]) {
		t.Errorf("unchanged post was rewritten")
	}
}

func TestHexoCollisions(t *testing.T) {
	f := newFake()
	a := f.put("https://news.example/a", "s", t0, archive.Content{Title: "Same", BodyHTML: "<p>a</p>"})
	b := f.put("https://news.example/b", "s", t0.Add(time.Minute), archive.Content{Title: "Same!", BodyHTML: "<p>b</p>"})
	c := f.put("https://news.example/c", "s", t0.Add(2*time.Minute), archive.Content{Title: "Mine", BodyHTML: "<p>c</p>"})
	d := f.put("https://news.example/d", "s", t0.Add(3*time.Minute), archive.Content{Title: "Same v2", BodyHTML: "<p>d</p>"})
	e := f.put("https://news.example/e", "s", t0.Add(4*time.Minute), archive.Content{Title: "???", BodyHTML: "<p>e</p>"})
	out := t.TempDir()
	// A hand-written post that must never be overwritten.
	if err := os.WriteFile(filepath.Join(out, "mine.md"), []byte("my own post\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	export(t, f, HexoOptions{Out: out, AllVersions: true})
	want := []string{"mine-" + c.Short() + ".md", "mine.md", "same-" + b.Short() + ".md", "same-v2-" + d.Short() + ".md", "same.md", e.Short() + ".md"}
	sort.Strings(want)
	if got := posts(t, out); !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	if got := readFile(t, filepath.Join(out, "mine.md")); string(got) != "my own post\n" {
		t.Errorf("foreign file overwritten: %q", got)
	}
	_ = a
	// A second version of "Same" must not land on article d's file.
	f.put("https://news.example/a", "s", t0.Add(time.Hour), archive.Content{Title: "Same", BodyHTML: "<p>a2</p>"})
	export(t, f, HexoOptions{Out: out, AllVersions: true})
	p, _ := parsePost(t, readFile(t, filepath.Join(out, "same-v2.md")))
	if p.Title != "Same" {
		t.Errorf("same-v2.md title = %q", p.Title)
	}
	p, _ = parsePost(t, readFile(t, filepath.Join(out, "same-v2-"+d.Short()+".md")))
	if p.Title != "Same v2" {
		t.Errorf("article d's title = %q", p.Title)
	}
}

func TestHexoLocalImagesSharedAsset(t *testing.T) {
	f := newFake()
	shared := f.addAsset("https://img.example/shared.jpg", "image/jpeg", []byte("\xff\xd8\xff jpeg bytes"))
	other := f.addAsset("https://img.example/x", "", []byte("\x89PNG\r\n\x1a\n png bytes"))
	f.put("https://news.example/1", "s", t0, archive.Content{
		Title: "First", LeadImage: "https://img.example/shared.jpg",
		BodyHTML: `<p><img src="https://img.example/shared.jpg" srcset="https://img.example/shared.jpg 1x, https://img.example/x 2x"></p>`,
	}, shared, other)
	f.put("https://news.example/2", "s", t0.Add(time.Minute), archive.Content{
		Title:    "Second",
		BodyHTML: `<p><img src="https://img.example/shared.jpg"><img src="https://img.example/not-archived.gif"></p>`,
	}, shared)

	for _, tc := range []struct{ sub, prefix string }{
		{"", "images/"},
		{filepath.Join("blog", "source", "_posts"), "/_posts/images/"},
	} {
		out := filepath.Join(t.TempDir(), tc.sub)
		st := export(t, f, HexoOptions{Out: out, Images: ImagesLocal})
		if st.Assets != 2 || st.Written != 2 {
			t.Errorf("stats = %+v", st)
		}
		sharedName := shared.SHA.Short() + ".jpg"
		otherName := other.SHA.Short() + ".png"
		entries, err := os.ReadDir(filepath.Join(out, "images"))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if want := []string{sharedName, otherName}; !slices.Equal(names, want) && !slices.Equal(names, []string{otherName, sharedName}) {
			t.Errorf("images = %q, want %q", names, want)
		}
		if got := readFile(t, filepath.Join(out, "images", sharedName)); string(got) != "\xff\xd8\xff jpeg bytes" {
			t.Errorf("asset bytes = %q", got)
		}
		p, body := parsePost(t, readFile(t, filepath.Join(out, "first.md")))
		if p.HeadImg != tc.prefix+sharedName {
			t.Errorf("headimg = %q", p.HeadImg)
		}
		if want := `<img src="` + tc.prefix + sharedName + `" srcset="` + tc.prefix + sharedName + ` 1x, ` + tc.prefix + otherName + ` 2x">`; !strings.Contains(body, want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
		_, body = parsePost(t, readFile(t, filepath.Join(out, "second.md")))
		if !strings.Contains(body, `<img src="`+tc.prefix+sharedName+`">`) || !strings.Contains(body, `<img src="https://img.example/not-archived.gif">`) {
			t.Errorf("second body:\n%s", body)
		}
		// The link resolves to the copied file (relative mode).
		if !strings.HasPrefix(tc.prefix, "/") {
			if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(tc.prefix+sharedName))); err != nil {
				t.Errorf("link does not resolve: %v", err)
			}
		}
	}
}

func TestHexoTemplateMode(t *testing.T) {
	f := newFake()
	f.put("https://news.example/1", "s", t0, archive.Content{
		Title: "T", LeadImage: "http://img.example/a.jpg?x=1&y=2",
		BodyHTML: `<img src="http://img.example/a.jpg?x=1&amp;y=2"><video poster="https://img.example/p.jpg" src="https://v.example/v.mp4"><source src="https://v.example/v.webm"></video>` +
			`<picture><source srcset="https://img.example/b.webp 2x"></picture><img src="data:image/gif;base64,R0lGOD"><a href="https://img.example/a.jpg">link</a>`,
	})
	out := t.TempDir()
	export(t, f, HexoOptions{Out: out, Images: "https://proxy.example/?{url}"})
	p, body := parsePost(t, readFile(t, filepath.Join(out, "t.md")))
	if p.HeadImg != "https://proxy.example/?http://img.example/a.jpg?x=1&y=2" || p.Thumbnail != p.HeadImg {
		t.Errorf("headimg = %q thumbnail = %q", p.HeadImg, p.Thumbnail)
	}
	for _, want := range []string{
		`<img src="https://proxy.example/?http://img.example/a.jpg?x=1&amp;y=2">`,
		`poster="https://proxy.example/?https://img.example/p.jpg" src="https://v.example/v.mp4"`,
		`<source src="https://v.example/v.webm">`,
		`<source srcset="https://proxy.example/?https://img.example/b.webp 2x">`,
		`<img src="data:image/gif;base64,R0lGOD">`,
		`<a href="https://img.example/a.jpg">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
}

func TestHexoFilters(t *testing.T) {
	f := newFake()
	f.put("https://a.example/old", "a", t0, archive.Content{Title: "A old"})
	f.put("https://a.example/new", "a", t0.Add(48*time.Hour), archive.Content{Title: "A new"})
	f.put("https://b.example/new", "b", t0.Add(48*time.Hour), archive.Content{Title: "B new"})
	for _, tc := range []struct {
		name  string
		only  []string
		since time.Time
		want  []string
	}{
		{"all", nil, time.Time{}, []string{"a-new.md", "a-old.md", "b-new.md"}},
		{"only", []string{"a"}, time.Time{}, []string{"a-new.md", "a-old.md"}},
		{"since", nil, t0.Add(24 * time.Hour), []string{"a-new.md", "b-new.md"}},
		{"since-inclusive", nil, t0.Add(48 * time.Hour), []string{"a-new.md", "b-new.md"}},
		{"both", []string{"b"}, t0.Add(24 * time.Hour), []string{"b-new.md"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			export(t, f, HexoOptions{Out: out, Only: tc.only, Since: tc.since})
			if got := posts(t, out); !slices.Equal(got, tc.want) {
				t.Errorf("files = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHexoReadErrorsFailLoudly(t *testing.T) {
	f := newFake()
	img := f.addAsset("https://img.example/1.png", "image/png", []byte("png"))
	good := f.put("https://news.example/good", "s", t0, archive.Content{Title: "Good"})
	bad := f.put("https://news.example/bad", "s", t0.Add(time.Minute), archive.Content{Title: "Bad"}, img)
	out := t.TempDir()

	f.snapErr[bad] = archive.ErrCorrupt
	_, err := Hexo(context.Background(), f, HexoOptions{Out: out})
	if !errors.Is(err, archive.ErrCorrupt) || !strings.Contains(err.Error(), bad.String()) {
		t.Errorf("corrupt snapshot: err = %v", err)
	}
	// What was written before the failure is recorded.
	man, merr := loadManifest(out, "hexo")
	if merr != nil || man.Articles[good.String()] == nil {
		t.Errorf("manifest after failure: %v %+v", merr, man)
	}

	delete(f.snapErr, bad)
	f.assetErr[img.SHA] = archive.ErrCorrupt
	_, err = Hexo(context.Background(), f, HexoOptions{Out: out, Images: ImagesLocal})
	if !errors.Is(err, archive.ErrCorrupt) || !strings.Contains(err.Error(), bad.String()) {
		t.Errorf("corrupt asset: err = %v", err)
	}
	// Bytes that do not match their hash are refused too.
	f.assetErr = map[archive.ID]error{}
	f.assets[img.SHA] = fakeAsset{data: []byte("tampered"), info: f.assets[img.SHA].info}
	_, err = Hexo(context.Background(), f, HexoOptions{Out: out, Images: ImagesLocal})
	if err == nil || !strings.Contains(err.Error(), bad.String()) {
		t.Errorf("tampered asset: err = %v", err)
	}
}

func TestHexoBadOptions(t *testing.T) {
	f := newFake()
	for _, opts := range []HexoOptions{
		{Out: ""},
		{Out: t.TempDir(), Images: "cdn"},
	} {
		if _, err := Hexo(context.Background(), f, opts); err == nil {
			t.Errorf("Hexo(%+v) succeeded", opts)
		}
	}
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, manifestName), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Hexo(context.Background(), f, HexoOptions{Out: out}); err == nil {
		t.Error("corrupt manifest accepted")
	}
	// A manifest naming a file outside Out is refused.
	out = t.TempDir()
	evil := `{"format":"hexo","version":1,"articles":{"x":{"stem":"../../etc/passwd","files":{}}}}`
	if err := os.WriteFile(filepath.Join(out, manifestName), []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Hexo(context.Background(), f, HexoOptions{Out: out}); err == nil {
		t.Error("manifest escaping Out accepted")
	}
}

func TestHexoCancelled(t *testing.T) {
	f := newFake()
	f.put("https://news.example/1", "s", t0, archive.Content{Title: "One"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Hexo(ctx, f, HexoOptions{Out: t.TempDir()}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestHexoBody(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"indent after blank", "<div>\n\n    <p>x</p>\n</div>", "<div>\n<p>x</p>\n</div>\n"},
		{"crlf and tabs", "<p>a</p>\r\n\t\t<p>b</p>\r\n", "<p>a</p>\n<p>b</p>\n"},
		{"braces", "<p>{% endraw %}{{ x }}{# c #}</p>", "<p>&#123;% endraw %&#125;&#123;&#123; x &#125;&#125;&#123;# c #&#125;</p>\n"},
		{"placeholder", "<p>&lt;!--\uFFFC0--&gt;</p>", "<p>&lt;!--&#xFFFC;0--&gt;</p>\n"},
		{"pre kept", "<pre>line\n    indented\n\n\tend</pre>\n  <p>x</p>", "<pre>line\n&#32;&#32;&#32;&#32;indented\n&#32;\n&#9;end</pre>\n<p>x</p>\n"},
		{"unicode space kept", "<p>a</p>\n\u3000\u3000正文", "<p>a</p>\n\u3000\u3000正文\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hexoBody(tc.in); got != tc.want {
				t.Errorf("hexoBody(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	long := strings.Repeat("长", 300)
	for _, tc := range []struct{ in, want string }{
		{"Hello, World!", "hello-world"},
		{"推动共建“一带一路”高质量发展", "推动共建-一带一路-高质量发展"},
		{"../../etc/passwd", "etc-passwd"},
		{`..\..\windows\system32`, "windows-system32"},
		{"CON", ""},
		{"con", ""},
		{"Nul", ""},
		{"COM1", ""},
		{"lpt9", ""},
		{"COM10", "com10"},
		{"Con Air", "con-air"},
		{".hidden", "hidden"},
		{"...", ""},
		{"", ""},
		{"   ", ""},
		{"🎉🎉", ""},
		{"Ünïcödé Straße", "ünïcödé-straße"},
		{"Ελληνικά ΤΙΤΛΟΣ", "ελληνικά-τιτλοσ"},
		{"a\x00b/c\\d:e*f?g\"h<i>j|k", "a-b-c-d-e-f-g-h-i-j-k"},
		{"bad \xff utf8", "bad-utf8"},
		{"2021年11月20日", "2021年11月20日"},
		{strings.Repeat("a", 300), strings.Repeat("a", 80)},
		{long, strings.Repeat("长", 26)}, // 26*3 = 78 bytes
		{strings.Repeat("ab ", 100), strings.TrimSuffix(strings.Repeat("ab-", 27), "-")},
	} {
		if got := Slug(tc.in); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSafeJoin(t *testing.T) {
	out := t.TempDir()
	for _, name := range []string{"../x.md", "..", ".", "", "a/../../b", "/etc/passwd", `..\x`, "images/../../x", "a:b"} {
		if p, err := safeJoin(out, name); err == nil {
			t.Errorf("safeJoin(%q) = %q, want error", name, p)
		}
	}
	for _, name := range []string{"a.md", "images/abc.jpg", "推动.md"} {
		if _, err := safeJoin(out, name); err != nil {
			t.Errorf("safeJoin(%q): %v", name, err)
		}
	}
}

func TestLocalPrefix(t *testing.T) {
	for _, tc := range []struct{ out, want string }{
		{"/site/source/_posts", "/_posts/images/"},
		{"/site/source/_posts/news feed", "/_posts/news%20feed/images/"},
		{"/site/source", "/images/"},
		{"/tmp/export", "images/"},
	} {
		if got := localPrefix(filepath.FromSlash(tc.out)); got != tc.want {
			t.Errorf("localPrefix(%q) = %q, want %q", tc.out, got, tc.want)
		}
	}
}

func TestAssetExt(t *testing.T) {
	for _, tc := range []struct {
		ct   string
		data []byte
		want string
	}{
		{"image/jpeg", nil, ".jpg"},
		{"IMAGE/PNG; charset=binary", nil, ".png"},
		{"", []byte("GIF89a......"), ".gif"},
		{"application/octet-stream", []byte("\x89PNG\r\n\x1a\nxxxx"), ".png"},
		{"", []byte("????"), ".bin"},
	} {
		if got := assetExt(tc.ct, tc.data); got != tc.want {
			t.Errorf("assetExt(%q) = %q, want %q", tc.ct, got, tc.want)
		}
	}
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"", "CON", "../../etc/passwd", ".hidden", "推动共建“一带一路”", strings.Repeat("长", 100), "a\x00b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		s := Slug(title)
		if s == "" {
			return
		}
		if len(s) > maxSlugBytes || !safeElement(s) || !safeElement(s+".md") || reservedName(s) {
			t.Fatalf("Slug(%q) = %q: unsafe", title, s)
		}
		if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
			t.Fatalf("Slug(%q) = %q: untidy", title, s)
		}
		if filepath.Base(s) != s || filepath.Clean(s) != s {
			t.Fatalf("Slug(%q) = %q: not one path element", title, s)
		}
		if p, err := safeJoin("/out", s+".md"); err != nil || filepath.Dir(p) != filepath.Clean("/out") {
			t.Fatalf("Slug(%q) = %q: joins to %q, %v", title, s, p, err)
		}
		if Slug(s) != s {
			t.Fatalf("Slug not idempotent: %q -> %q -> %q", title, s, Slug(s))
		}
	})
}

func FuzzFrontMatter(f *testing.F) {
	for _, s := range []string{"", "key: value", "[x", "@a", " #b", `"\`, "a\nb", "{% raw %}", "🎉", "推动", "\x00\x7f\u0085\u2028\ufeff", "\xff"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, title, category string) {
		var b strings.Builder
		fm := frontMatter{Title: title, Categories: []string{category}, HeadImg: title, Author: category, Date: t0, Thumbnail: title}
		fm.render(&b)
		b.WriteString("\nbody\n")
		p, _ := parsePost(t, []byte(b.String()))
		want := strings.ToValidUTF8(title, "\uFFFD")
		wantCat := strings.ToValidUTF8(category, "\uFFFD")
		if p.Title != want || p.HeadImg != want || p.Thumbnail != want {
			t.Fatalf("title %q read back as %q", want, p.Title)
		}
		if p.Author != wantCat || len(p.Categories) != 1 || p.Categories[0] != wantCat {
			t.Fatalf("category %q read back as %q / %q", wantCat, p.Categories, p.Author)
		}
		if strings.Count(b.String(), "\n---\n") != 1 {
			t.Fatalf("front matter delimiter inside a value: %q", b.String())
		}
	})
}
