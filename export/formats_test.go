package export

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/nlnwa/gowarc/v3"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/chronicle-archive/chronicle/archive"
)

// rawFake adds raw response bodies to fakeReader.
type rawFake struct {
	*fakeReader
	raws map[archive.ID][]byte
}

func (f *rawFake) Raw(sha archive.ID) ([]byte, error) {
	b, ok := f.raws[sha]
	if !ok {
		return nil, archive.ErrNotFound
	}
	return b, nil
}

// zakerArchive is one ZAKER-like article with two versions (the second from
// the same raw bytes), both images archived, the lead image also referenced
// under a second URL.
func zakerArchive() *rawFake {
	f := &rawFake{fakeReader: newFake(), raws: map[archive.ID][]byte{}}
	c := zakerContent()
	c.Categories = []string{"时政"}
	c.Videos = []string{"https://v.qq.com/iframe/player.html?vid=a3309bmnfra"}
	img1 := f.addAsset(c.Images[0], "image/jpeg", []byte("\xff\xd8\xff lead jpeg"))
	img2 := f.addAsset(c.Images[1], "image/png", []byte("\x89PNG\r\n\x1a\n second"))
	alias := archive.AssetRef{URL: "http://cdn.example/lead-copy.jpg", SHA: img1.SHA}
	raw := []byte("<html><body><h1>推动共建</h1></body></html>")
	const url = "https://www.myzaker.com/article/6198ddd7"
	id := f.put(url, "zaker", t0, c, img1, img2, alias)
	c.Title += "（更新）"
	f.put(url, "zaker", t0.Add(2*time.Hour), c, img1, img2)
	for i, s := range f.snaps[id] {
		s.RawSHA, s.RawSize = archive.Hash(raw), int64(len(raw))
		s.Header = map[string][]string{
			"Content-Type":     {"text/html; charset=utf-8"},
			"Content-Encoding": {"gzip"}, // removed on the wire: must not reach the WARC
			"Etag":             {`"v1"`},
			"X-Evil":           {"a\r\nInjected: yes"},
		}
		s.ETag = `"v1"`
		s.ContentHash = archive.Hash([]byte{byte(i)})
	}
	f.raws[archive.Hash(raw)] = raw
	return f
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readFile(t, p); !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update):\n%s", p, got)
	}
}

func TestHexoLocalDateSiblingsGolden(t *testing.T) {
	f := zakerArchive()
	out := filepath.Join(t.TempDir(), "site", "source", "_posts")
	sh, _ := time.LoadLocation("Asia/Shanghai")
	export(t, f, HexoOptions{Out: out, Images: ImagesLocal, Date: DateLocal, Location: sh,
		Categories: CategoriesSiblings, Sources: map[string]SourceMeta{"zaker": zakerMD}})
	got := readFile(t, filepath.Join(out, "推动共建-一带一路-高质量发展不断取得新成效-更新.md"))
	golden(t, "zaker-local-siblings.md", got)
	head, _, _ := strings.Cut(strings.TrimPrefix(string(got), "---\n"), "\n---\n")
	var fm struct {
		Date       string     `yaml:"date"`
		Categories [][]string `yaml:"categories"`
		HeadImg    string     `yaml:"headimg"`
	}
	if err := yaml.Unmarshal([]byte(head), &fm); err != nil {
		t.Fatal(err)
	}
	// 12:27:24 in Shanghai is the page's own wall-clock time.
	if !strings.HasPrefix(fm.Date, "2021-11-20") && fm.Date != "2021-11-20 12:27:24" {
		t.Errorf("date = %q", fm.Date)
	}
	if !strings.Contains(string(got), "\ndate: 2021-11-20 12:27:24\n") {
		t.Errorf("date line missing:\n%s", got)
	}
	if want := [][]string{{"新媒体"}, {"ZAKER"}, {"source"}}; !slices.EqualFunc(fm.Categories, want, slices.Equal) {
		t.Errorf("categories = %q, want siblings %q", fm.Categories, want)
	}
	if !strings.HasPrefix(fm.HeadImg, "/_posts/images/") {
		t.Errorf("headimg = %q, want a site path", fm.HeadImg)
	}
}

func TestHugo(t *testing.T) {
	for _, mode := range []string{ImagesRemote, ImagesLocal} {
		t.Run(mode, func(t *testing.T) {
			f := zakerArchive()
			out := t.TempDir()
			opts := HugoOptions{Out: out, Images: mode, AllVersions: true, Sources: map[string]SourceMeta{"zaker": zakerMD}}
			st, err := Hugo(context.Background(), f, opts)
			if err != nil {
				t.Fatal(err)
			}
			if st.Written != 2 {
				t.Fatalf("stats = %+v", st)
			}
			bundle := filepath.Join(out, "content", "posts", "推动共建-一带一路-高质量发展不断取得新成效")
			got := readFile(t, filepath.Join(bundle, "index.md"))
			golden(t, "hugo-"+mode+".md", got)
			if _, err := os.Stat(filepath.Join(bundle+"-v2", "index.md")); err != nil {
				t.Error(err)
			}
			checkHugoPage(t, got, mode, bundle)

			ageFiles(t, out)
			before := mtimes(t, out)
			st, err = Hugo(context.Background(), f, opts)
			if err != nil || st.Written != 0 || st.Assets != 0 || st.Unchanged != 2 {
				t.Errorf("re-export: %+v, %v", st, err)
			}
			if !mapsEqual(before, mtimes(t, out)) {
				t.Error("re-export touched files")
			}
		})
	}
}

// checkHugoPage parses the front matter back with a YAML parser and the
// body with goldmark (CommonMark), as Hugo does.
func checkHugoPage(t *testing.T, page []byte, mode, bundle string) {
	t.Helper()
	s := string(page)
	if !strings.HasPrefix(s, "---\n") {
		t.Fatalf("no front matter:\n%s", s)
	}
	head, body, ok := strings.Cut(s[4:], "\n---\n")
	if !ok {
		t.Fatalf("front matter not closed:\n%s", s)
	}
	var fm struct {
		Title      string    `yaml:"title"`
		Date       time.Time `yaml:"date"`
		Categories []string  `yaml:"categories"`
		Tags       []string  `yaml:"tags"`
		Author     string    `yaml:"author"`
		Images     []string  `yaml:"images"`
	}
	if err := yaml.UnmarshalWithOptions([]byte(head), &fm, yaml.Strict()); err != nil {
		t.Fatalf("front matter: %v\n%s", err, head)
	}
	c := zakerContent()
	if fm.Title != c.Title || !fm.Date.Equal(c.Published) || fm.Author != "ZAKER" ||
		!slices.Equal(fm.Categories, zakerMD.Categories) || !slices.Equal(fm.Tags, []string{"时政"}) || len(fm.Images) != 1 {
		t.Errorf("front matter = %+v", fm)
	}
	if !strings.Contains(head, "date: 2021-11-20T04:27:24Z") {
		t.Errorf("date not RFC 3339:\n%s", head)
	}
	src := []byte(body)
	doc := goldmark.New().Parser().Parse(text.NewReader(src))
	var paras, images, rawHTML int
	var dests []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Paragraph:
			paras++
		case *ast.Image:
			images++
			dests = append(dests, string(n.Destination))
		case *ast.HTMLBlock:
			var b strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				b.Write(seg.Value(src))
			}
			if strings.Contains(b.String(), "<iframe") {
				rawHTML++
			}
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			t.Errorf("body has a code block:\n%s", body)
		}
		return ast.WalkContinue, nil
	})
	if paras < 3 || images != 2 || rawHTML != 1 {
		t.Errorf("paragraphs %d, images %d, iframes kept %d; body:\n%s", paras, images, rawHTML, body)
	}
	for _, d := range dests {
		if mode == ImagesLocal {
			if strings.Contains(d, "/") {
				t.Errorf("local image %q is not a bundle file", d)
			} else if _, err := os.Stat(filepath.Join(bundle, d)); err != nil {
				t.Error(err)
			}
		} else if !strings.HasPrefix(d, "http://zkres") {
			t.Errorf("remote image %q", d)
		}
	}
	for _, w := range []string{"11 月 19 日", "央视评论员", "{&#123;"} {
		if w == "{&#123;" {
			continue // only "{{<" and "{{%" are broken up
		}
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q", w)
		}
	}
}

func TestHugoShortcodesDefused(t *testing.T) {
	f := zakerArchive()
	c := zakerContent()
	c.Title = "shortcodes"
	c.BodyHTML = `<p>Try {{< youtube x >}} and {{% notice %}} here.</p>`
	f.put("https://example.org/sc", "zaker", t0, c)
	out := t.TempDir()
	if _, err := Hugo(context.Background(), f, HugoOptions{Out: out}); err != nil {
		t.Fatal(err)
	}
	got := string(readFile(t, filepath.Join(out, "content", "posts", "shortcodes", "index.md")))
	if strings.Contains(got, "{{<") || strings.Contains(got, "{{%") {
		t.Errorf("shortcode syntax survives:\n%s", got)
	}
}

func TestJSONLines(t *testing.T) {
	f := zakerArchive()
	out := t.TempDir()
	st, err := JSON(context.Background(), f, JSONOptions{Out: out, AllVersions: true})
	if err != nil || st.Records != 2 || st.Written != 1 {
		t.Fatalf("stats %+v, %v", st, err)
	}
	got := readFile(t, filepath.Join(out, JSONFile))
	golden(t, "zaker.jsonl", got)
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	var rec map[string]any
	dec := json.NewDecoder(strings.NewReader(lines[1]))
	dec.UseNumber()
	if err := dec.Decode(&rec); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "url", "source", "version", "versions", "first_seen", "last_seen", "fetched_url", "fetched_at",
		"status", "etag", "last_modified", "header", "raw_sha256", "raw_size", "content_hash", "title", "author", "published",
		"categories", "lead_image", "body_html", "body_text", "images", "videos", "assets"} {
		if _, ok := rec[k]; !ok {
			t.Errorf("no %q", k)
		}
	}
	if len(rec) != 26 {
		t.Errorf("%d fields, want 26 (document new ones in the README)", len(rec))
	}
	if rec["version"].(json.Number) != "2" || rec["published"] != "2021-11-20T04:27:24Z" {
		t.Errorf("record = %v", rec)
	}
	ageFiles(t, out)
	before := mtimes(t, out)
	if st, err := JSON(context.Background(), f, JSONOptions{Out: out, AllVersions: true}); err != nil || st.Unchanged != 1 {
		t.Errorf("re-export %+v, %v", st, err)
	}
	if !mapsEqual(before, mtimes(t, out)) {
		t.Error("re-export touched the file")
	}
	var buf bytes.Buffer
	if st, err := JSON(context.Background(), f, JSONOptions{Out: "-", Stdout: &buf}); err != nil || st.Records != 1 || strings.Count(buf.String(), "\n") != 1 {
		t.Errorf("stdout export: %+v, %v, %q", st, err, buf.String())
	}
	buf.Reset()
	if _, err := JSON(context.Background(), f, JSONOptions{Out: "-", Stdout: &buf, Since: t0.Add(3 * time.Hour)}); err != nil || buf.Len() != 0 {
		t.Errorf("--since kept %q", buf.String())
	}
}

func TestWARC(t *testing.T) {
	f := zakerArchive()
	out := t.TempDir()
	st, err := WARC(context.Background(), f, WARCOptions{Out: out, AllVersions: true})
	if err != nil || st.Written != 1 {
		t.Fatalf("stats %+v, %v", st, err)
	}
	// 1 warcinfo, 2 page versions (the second a revisit: same raw bytes),
	// 2 images, the lead image again under another URL (revisit).
	if st.Records != 6 {
		t.Errorf("records = %d, want 6", st.Records)
	}
	p := filepath.Join(out, WARCFile)
	data := readFile(t, p)

	// Every record is its own gzip member.
	br := bytes.NewReader(data)
	zr, err := gzip.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	members := 0
	var plain bytes.Buffer
	for {
		zr.Multistream(false)
		if _, err := io.Copy(&plain, zr); err != nil {
			t.Fatal(err)
		}
		members++
		if err := zr.Reset(br); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if members != st.Records {
		t.Errorf("%d gzip members for %d records", members, st.Records)
	}
	golden(t, "zaker.warc", plain.Bytes())

	// The library's own reader, strict: every record parses, every digest recomputes.
	r, err := gowarc.NewWarcFileReader(p, 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var types []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(types), err)
		}
		wr := rec.WarcRecord
		if len(rec.Validation) > 0 {
			t.Errorf("%s: %v", wr, rec.Validation)
		}
		if _, err := wr.ValidateDigest(); err != nil {
			t.Errorf("%s: %v", wr, err)
		}
		h := wr.WarcHeader()
		if !strings.HasPrefix(h.Get(gowarc.WarcBlockDigest), "sha1:") {
			t.Errorf("%s: block digest %q", wr, h.Get(gowarc.WarcBlockDigest))
		}
		if wr.Type() == gowarc.Response {
			if !strings.HasPrefix(h.Get(gowarc.WarcPayloadDigest), "sha1:") {
				t.Errorf("%s: payload digest %q", wr, h.Get(gowarc.WarcPayloadDigest))
			}
			blk := wr.Block().(gowarc.HttpResponseBlock)
			head := string(blk.ProtocolHeaderBytes())
			if strings.Contains(head, "Content-Encoding") || strings.Contains(head, "\nInjected") {
				t.Errorf("%s: HTTP head:\n%s", wr, head)
			}
		}
		types = append(types, wr.Type().String())
		_ = wr.Close()
	}
	if want := []string{"warcinfo", "response", "response", "response", "revisit", "revisit"}; !slices.Equal(types, want) {
		t.Errorf("types = %q, want %q", types, want)
	}

	ageFiles(t, out)
	before := mtimes(t, out)
	if st, err := WARC(context.Background(), f, WARCOptions{Out: out, AllVersions: true}); err != nil || st.Unchanged != 1 {
		t.Errorf("re-export %+v, %v", st, err)
	}
	if !mapsEqual(before, mtimes(t, out)) {
		t.Error("re-export touched the file")
	}
	if st, err := WARC(context.Background(), f, WARCOptions{Out: out, Only: []string{"other"}}); err != nil || st.Records != 1 {
		t.Errorf("--source other: %+v, %v", st, err)
	}
}
