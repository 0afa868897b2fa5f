package extract

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// onAttrRe finds an event-handler attribute inside a tag.
var onAttrRe = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b, "")
		}
	}
	f.Add([]byte("<p>caf\xe9</p>"), "text/html; charset=gbk")
	f.Add([]byte("\xef\xbb\xbf<html>"), "")
	f.Add([]byte("\xfe\xff\x00<"), "text/html; charset=")
	f.Add([]byte(`<meta charset="big5"><p>\xa4\xa4</p>`), "")
	f.Add([]byte(`<a href="javascript:x" onclick=1><img data-src="//x/y.jpg" srcset=", ,1x"><iframe src="//v.qq.com/x">`), "")
	f.Add([]byte(`<script type="application/ld+json">{"@type":"NewsArticle","author":[[[{"name":1}]]],"datePublished":"9999-99-99"}</script>`), "")
}

func FuzzExtract(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		in := Input{Body: body, ContentType: contentType, URL: mustURL(t, "https://example.org/a/b.html"), FetchedAt: fetched,
			Rules: Rules{Body: "div", Remove: []string{".x"}}}
		for _, rules := range []Rules{{}, in.Rules} {
			in.Rules = rules
			a, err := Extract(in)
			if err != nil {
				continue
			}
			low := strings.ToLower(a.BodyHTML)
			if strings.Contains(low, "<script") || strings.Contains(low, "javascript:") || onAttrRe.MatchString(a.BodyHTML) {
				t.Fatalf("unsafe body html: %q", a.BodyHTML)
			}
			if !a.Published.IsZero() && (a.Published.Year() < 1990 || a.Published.After(fetched.Add(24*3600e9))) {
				t.Fatalf("implausible date %v", a.Published)
			}
		}
		if _, err := Links(in, "a"); err != nil && len(body) <= MaxBodyBytes {
			_ = err // an error is allowed (too many nodes), a panic is not
		}
	})
}

func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		out, cs, err := Decode(body, contentType)
		if err != nil {
			return
		}
		if cs == "" {
			t.Fatal("no charset name")
		}
		if !utf8Valid(out) {
			t.Fatalf("output is not UTF-8 (charset %s)", cs)
		}
	})
}

func utf8Valid(b []byte) bool { return strings.ToValidUTF8(string(b), "") == string(b) }
