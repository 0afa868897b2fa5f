package extract

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// parseFragment parses s and returns the first element of its body.
func parseFragment(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader("<html><body>" + s + "</body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	body := bodyOf(doc)
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	t.Fatal("no element")
	return nil
}

// para is a paragraph of article text long enough to be scored.
func para(i int) string {
	return "<p>Paragraph " + string(rune('A'+i)) + " of the story tells, in plain words, what happened in the town, who saw it, and why it matters to the people who live there.</p>\n"
}

func articlePage(inner string) []byte {
	var b strings.Builder
	b.WriteString(`<html><head><title>Story</title></head><body><nav><a href="/">Home</a></nav><div class="article-body">`)
	b.WriteString(inner)
	b.WriteString(`</div><footer>Site footer</footer></body></html>`)
	return []byte(b.String())
}

func extractText(t *testing.T, page []byte) string {
	t.Helper()
	a, err := Extract(Input{Body: page, URL: mustURL(t, "https://news.example.com/a/1"), FetchedAt: fetched})
	if err != nil {
		t.Fatal(err)
	}
	return a.BodyText
}

func TestBoilerplateLinesRemoved(t *testing.T) {
	var body strings.Builder
	body.WriteString(`<p>By Jane Writer</p><p>Published 10:02 AM EST Nov 19, 2019</p>`)
	for i := range 5 {
		body.WriteString(para(i))
	}
	body.WriteString(`<p>Advertisement</p>`)
	body.WriteString(`<div class="share-tools"><a href="/s">Share</a> <a href="/t">Tweet</a></div>`)
	body.WriteString(`<p>Get the latest updates right in your inbox. Sign up for our newsletter.</p>`)
	body.WriteString(`<h3>More Great Stories</h3><ul><li><a href="/1">One other story</a></li><li><a href="/2">Another story</a></li><li><a href="/3">A third story</a></li></ul>`)
	body.WriteString(`<p>© 2019 Example News. All rights reserved.</p>`)
	got := extractText(t, articlePage(body.String()))
	for i := range 5 {
		if !strings.Contains(got, "Paragraph "+string(rune('A'+i))) {
			t.Errorf("paragraph %d lost:\n%s", i, got)
		}
	}
	for _, junk := range []string{"Jane Writer", "Published", "Advertisement", "Tweet", "newsletter", "More Great Stories", "Another story", "All rights reserved"} {
		if strings.Contains(got, junk) {
			t.Errorf("%q kept:\n%s", junk, got)
		}
	}
}

func TestBoilerplateKeepsArticleText(t *testing.T) {
	// A sentence that mentions a date, a paragraph in a block whose class
	// sounds like boilerplate but that holds most of the text, and a list of
	// plain items are all article text.
	var body strings.Builder
	body.WriteString(`<p>On Nov 19, 2019 the council met in the old hall to vote on the budget for the next two years.</p>`)
	body.WriteString(`<div class="share-wrapper">`)
	for i := range 2 {
		body.WriteString(para(i))
	}
	body.WriteString(`<ul><li>first plain item of the list</li><li>second plain item of the list</li></ul>`)
	for i := 2; i < 4; i++ {
		body.WriteString(para(i))
	}
	body.WriteString(`</div>`)
	got := extractText(t, articlePage(body.String()))
	for _, want := range []string{"the council met", "Paragraph A", "Paragraph D", "second plain item"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lost:\n%s", want, got)
		}
	}
}

func TestDateline(t *testing.T) {
	for s, want := range map[string]bool{
		"Published 10:02 AM EST Nov 19, 2019":             true,
		"Updated Nov 19, 2019, 9:41 AM; Posted 8:19 PM":   true,
		"2021年11月20日 10:23":                               true,
		"November 18, 2019 | 4:10pm":                      true,
		"On Nov 19, 2019 the council met in the old hall": false,
		"2012年11月1日，发行第七张个人专辑。":                           false,
		"No date in this line at all":                     false,
	} {
		if got := dateline(s); got != want {
			t.Errorf("dateline(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestClassWords(t *testing.T) {
	for ci, want := range map[string]bool{
		"article-byline": true, "post-share": true, "ad": true, "top ads": true, "meta": true,
		"article-body": false, "headline": false, "content main": false, "loaded": false,
	} {
		if got := boilerClass(ci); got != want {
			t.Errorf("boilerClass(%q) = %v, want %v", ci, got, want)
		}
	}
	if !negativeClass("sidebar") || !negativeClass("x hid") || !negativeClass("top-ad") {
		t.Error("negativeClass misses a negative word")
	}
	if negativeClass("article-text") || !positiveClass("article-text") {
		t.Error("article-text must weigh positive")
	}
	if !unlikely("comment-list") || unlikely("comment article") {
		t.Error("unlikely: maybe-words must save a candidate")
	}
}

func TestComputeStats(t *testing.T) {
	root := parseFragment(t, `<div><p>Hello   world, again.</p><a href="/x">link text</a><a href="#top">top</a></div>`)
	stats := map[*html.Node]*nodeStat{}
	st := computeStats(root, stats)
	// "Hello world, again." is 19 runes, "link text" 9, "top" 3.
	if st.text != 31 {
		t.Errorf("text = %d, want 31", st.text)
	}
	if want := 9 + 3*0.3; st.link < want-0.01 || st.link > want+0.01 {
		t.Errorf("link = %v, want %v", st.link, want)
	}
	if st.commas != 1 {
		t.Errorf("commas = %d, want 1", st.commas)
	}
	if got := textStat("  中文，测试  "); got.text != 5 || got.commas != 1 {
		t.Errorf("textStat = %+v", got)
	}
}

func TestDateInLinkIgnored(t *testing.T) {
	page := []byte(`<html><body><div class="side"><a href="/archive">Archive (to 2006年8月10日)</a></div>
<table><tr><td class="post-title">A post</td><td>2005-06-14 03:25:55</td></tr></table>
<div class="article-body">` + para(0) + para(1) + para(2) + `</div></body></html>`)
	a, err := Extract(Input{Body: page, URL: mustURL(t, "https://blog.example.com/p/1"), FetchedAt: fetched})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Published.Format("2006-01-02"); got != "2005-06-14" {
		t.Errorf("published %s, want 2005-06-14 (the date in a link belongs to another page)", got)
	}
}

func TestChineseNameRejectsNonNames(t *testing.T) {
	for in, want := range map[string]string{
		"王建宏 张文攀":   "王建宏 张文攀",
		"4月24日 报道":  "",
		"采访时称，":     "",
		"赵婕 出自《某书》": "赵婕",
	} {
		if got := chineseName(in); got != want {
			t.Errorf("chineseName(%q) = %q, want %q", in, got, want)
		}
	}
}
