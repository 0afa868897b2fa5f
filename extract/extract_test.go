package extract

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var fetched = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type goldenCase struct {
	file  string
	url   string
	rules Rules
	check func(t *testing.T, a *Article)
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{
			// An old portal page: GB2312 declared only in a meta tag, no
			// selectors, the byline and date in one line of text.
			file: "gbk.html",
			url:  "http://news.example.cn/local/2009/1005/123.html",
			check: func(t *testing.T, a *Article) {
				if a.Charset != "gb18030" && a.Charset != "gbk" && a.Charset != "gb2312" {
					t.Errorf("charset = %q", a.Charset)
				}
				if a.Title != "江南古镇迎来秋季旅游高峰" {
					t.Errorf("title = %q", a.Title)
				}
				if a.Author != "李明" {
					t.Errorf("author = %q", a.Author)
				}
				if want := time.Date(2009, 10, 5, 6, 32, 0, 0, time.UTC); !a.Published.Equal(want) {
					t.Errorf("published = %v, want %v", a.Published, want)
				}
				if !strings.Contains(a.BodyText, "分时段预约入园") || strings.Contains(a.BodyText, "相关新闻") || strings.Contains(a.BodyText, "版权所有") {
					t.Errorf("body text = %q", a.BodyText)
				}
				if len(a.Images) != 1 || a.Images[0].URL != "http://news.example.cn/images/2009/10/zhen.jpg" {
					t.Errorf("images = %+v", a.Images)
				}
			},
		},
		{
			file:  "zaker.html",
			url:   "https://www.myzaker.com/article/6198ddd7b15ec00e202b6240",
			rules: Rules{Title: "h1", Body: "div.article_content", Date: ".time", Remove: []string{".share"}},
			check: func(t *testing.T, a *Article) {
				want := time.Date(2021, 11, 20, 4, 27, 0, 0, time.UTC)
				if !a.Published.Equal(want) {
					t.Errorf("published = %v, want %v", a.Published, want)
				}
				if a.Title != `推动共建"一带一路"高质量发展不断取得新成效` {
					t.Errorf("title = %q", a.Title)
				}
				if a.Canonical != "https://www.myzaker.com/article/6198ddd7b15ec00e202b6240/?utm_source=x" {
					t.Errorf("canonical = %q", a.Canonical)
				}
				if len(a.Images) != 1 || a.Images[0].URL != "http://zkres1.myzaker.com/202111/6198ddd7b15ec00e202b6240_1024.jpg" ||
					a.Images[0].Width != 800 || a.Images[0].Height != 533 {
					t.Errorf("images = %+v", a.Images)
				}
				if len(a.Videos) != 1 || a.Videos[0].URL != "https://v.qq.com/iframe/player.html?vid=a3309bmnfra&auto=0" {
					t.Errorf("videos = %+v", a.Videos)
				}
				mustContain(t, a.BodyHTML, `<iframe src="https://v.qq.com/iframe/player.html?vid=a3309bmnfra&amp;auto=0"`,
					`<img src="http://zkres1.myzaker.com/202111/6198ddd7b15ec00e202b6240_1024.jpg"`)
				mustNotContain(t, a.BodyHTML, "data-original", "onclick", "分享到微博", "placeholder.gif")
				mustContain(t, a.BodyText, "8 年来，共建", "追昔抚今")
				if a.LeadImage != "https://zkres1.myzaker.com/202111/6198ddd7b15ec00e202b6240_1024.jpg" {
					t.Errorf("lead image = %q", a.LeadImage)
				}
			},
		},
		{
			file: "jsonld.html",
			url:  "https://news.example.com/2023/05/bike-lanes?utm_medium=rss",
			check: func(t *testing.T, a *Article) {
				if a.Title != "City Council Approves New Bike Lanes Downtown" {
					t.Errorf("title = %q", a.Title)
				}
				if a.Author != "Jane Doe, John Roe" {
					t.Errorf("author = %q", a.Author)
				}
				if want := time.Date(2023, 5, 14, 12, 30, 0, 0, time.UTC); !a.Published.Equal(want) {
					t.Errorf("published = %v", a.Published)
				}
				if strings.Join(a.Categories, ",") != "Local,Transport" {
					t.Errorf("categories = %q", a.Categories)
				}
				if a.LeadImage != "https://cdn.example.com/img/lanes.jpg" || a.Canonical != "https://news.example.com/2023/05/bike-lanes" {
					t.Errorf("lead %q canonical %q", a.LeadImage, a.Canonical)
				}
				if len(a.Images) != 1 || a.Images[0].URL != "https://news.example.com/img/lanes-1600.webp" {
					t.Errorf("images = %+v", a.Images)
				}
				mustContain(t, a.BodyHTML, "<h2>What happens next</h2>", "<figcaption>", "<li>Main Street: September</li>")
				mustNotContain(t, a.BodyText, "Most read", "Copyright")
			},
		},
		{
			file: "hexo.html",
			url:  "https://blog.example.org/2022/03/05/go-crawler/",
			check: func(t *testing.T, a *Article) {
				if a.Title != "用 Go 写一个爬虫" || a.Author != "某某" {
					t.Errorf("title %q author %q", a.Title, a.Author)
				}
				if want := time.Date(2022, 3, 5, 10, 11, 12, 0, time.UTC); !a.Published.Equal(want) {
					t.Errorf("published = %v", a.Published)
				}
				if len(a.Images) != 1 || a.Images[0].URL != "https://blog.example.org/images/arch@2x.png" {
					t.Errorf("images = %+v", a.Images)
				}
				mustContain(t, a.BodyHTML, "<pre><code>", "<blockquote>")
				mustContain(t, a.BodyText, "抓取使用 Colly 库")
				mustNotContain(t, a.BodyText, "最新文章", "Archives")
			},
		},
		{
			file: "generic.html",
			url:  "https://science.example.com/2019/frog",
			check: func(t *testing.T, a *Article) {
				if a.Title != "Researchers find a new species of frog in the rainforest" {
					t.Errorf("title = %q", a.Title)
				}
				if a.Author != "Ann Smith" {
					t.Errorf("author = %q", a.Author)
				}
				if a.Published.Format("2006-01-02") != "2019-03-03" {
					t.Errorf("published = %v", a.Published)
				}
				if len(a.Images) != 1 || a.Images[0].URL != "https://img.example.net/frog.jpg" || a.Images[0].Width != 1200 {
					t.Errorf("images = %+v", a.Images)
				}
				mustContain(t, a.BodyText, "A team of biologists", "The researchers have asked")
				mustNotContain(t, a.BodyText, "Great article", "Popular", "About us")
				mustNotContain(t, a.BodyHTML, "pixel.gif", "data:image")
			},
		},
		{
			file: "hostile.html",
			url:  "https://bad.example.com/p/1",
			check: func(t *testing.T, a *Article) {
				mustNotContain(t, strings.ToLower(a.BodyHTML), "<script", "onclick=", "onerror", "onload", "onmouseover", "onplay",
					"javascript:", "evil.example.com", "hidden text", "<form", "<input", "<style", "injected")
				mustContain(t, a.BodyHTML, `<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"`, `href="https://bad.example.com/safe"`,
					`poster="https://bad.example.com/poster.jpg"`)
				if len(a.Videos) != 2 || a.Videos[1].URL != "https://bad.example.com/v.mp4" || a.Videos[1].Poster != "https://bad.example.com/poster.jpg" {
					t.Errorf("videos = %+v", a.Videos)
				}
			},
		},
	}
}

// goldenArticle is the JSON shape of the golden files.
type goldenArticle struct {
	Title      string   `json:"title"`
	Author     string   `json:"author"`
	Published  string   `json:"published"`
	Canonical  string   `json:"canonical"`
	Categories []string `json:"categories"`
	LeadImage  string   `json:"lead_image"`
	BodyHTML   string   `json:"body_html"`
	BodyText   string   `json:"body_text"`
	Images     []Image  `json:"images"`
	Videos     []Video  `json:"videos"`
	Charset    string   `json:"charset"`
}

func toGolden(a *Article) goldenArticle {
	g := goldenArticle{Title: a.Title, Author: a.Author, Canonical: a.Canonical, Categories: a.Categories,
		LeadImage: a.LeadImage, BodyHTML: a.BodyHTML, BodyText: a.BodyText, Images: a.Images, Videos: a.Videos, Charset: a.Charset}
	if !a.Published.IsZero() {
		g.Published = a.Published.UTC().Format(time.RFC3339)
	}
	return g
}

func TestExtractGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.file, func(t *testing.T) {
			a, err := Extract(Input{Body: readTestdata(t, tc.file), URL: mustURL(t, tc.url), FetchedAt: fetched, Rules: tc.rules})
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, a)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(toGolden(a)); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", "golden", strings.TrimSuffix(tc.file, ".html")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update after checking):\n%s", path, got)
			}
		})
	}
}

func mustContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("missing %q in:\n%s", sub, s)
		}
	}
}

func mustNotContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			t.Errorf("unexpected %q in:\n%s", sub, s)
		}
	}
}

const gbkPage = `<html><head>%s<title>全国秋粮收购进度加快</title></head><body>
<div class="content"><h1>全国秋粮收购进度加快</h1><div class="info">2005-5-7 21:23:57 作者：茉莉</div>
<div id="text"><p>记者从国家粮食和物资储备局了解到，目前全国秋粮收购进度加快，各地认真落实最低收购价政策，农民售粮顺畅，市场运行总体平稳。</p>
<p>据统计，主产区各类粮食企业累计收购秋粮超过一亿吨，同比增加，其中玉米、大豆收购量明显上升，粮价保持基本稳定。</p></div></div></body></html>`

func gbkBytes(t *testing.T, meta string) []byte {
	t.Helper()
	s := strings.Replace(gbkPage, "%s", meta, 1)
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeGBK(t *testing.T) {
	tests := []struct {
		name, meta, contentType, want string
	}{
		{"header charset", "", "text/html; charset=GBK", "gb18030"},
		{"header gb2312", "", "text/html;charset=gb2312", "gb18030"},
		{"meta charset only", `<meta charset="gbk">`, "", "gb18030"},
		{"meta http-equiv", `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`, "text/html", "gb18030"},
		{"no declaration", "", "", "gb18030"},
		{"wrong declaration", `<meta charset="utf-8">`, "", "gb18030"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := gbkBytes(t, tc.meta)
			out, cs, err := Decode(raw, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tc.want {
				t.Errorf("charset = %q, want %q", cs, tc.want)
			}
			if !strings.Contains(string(out), "全国秋粮收购进度加快") {
				t.Errorf("decoded text wrong: %.200s", out)
			}
			a, err := Extract(Input{Body: raw, ContentType: tc.contentType, URL: mustURL(t, "http://news.example.cn/a/1.html"), FetchedAt: fetched})
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != "全国秋粮收购进度加快" || a.Author != "茉莉" || a.Charset != tc.want {
				t.Errorf("title %q author %q charset %q", a.Title, a.Author, a.Charset)
			}
			if want := time.Date(2005, 5, 7, 13, 23, 57, 0, time.UTC); !a.Published.Equal(want) {
				t.Errorf("published = %v, want %v", a.Published, want)
			}
			mustContain(t, a.BodyText, "农民售粮顺畅", "粮价保持基本稳定")
		})
	}
}

func TestDecode(t *testing.T) {
	big5, _ := charsetEncode(t, "big5", "<p>繁體中文測試，這是一段文字。</p>")
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string
		text        string
	}{
		{"utf8 plain", []byte("<p>héllo 你好</p>"), "", "utf-8", "你好"},
		{"utf8 bom", append([]byte{0xEF, 0xBB, 0xBF}, "<p>你好</p>"...), "text/html; charset=gbk", "utf-8", "你好"},
		{"latin1 header", []byte("<p>caf\xe9</p>"), "text/html; charset=iso-8859-1", "windows-1252", "café"},
		{"sniff windows-1252", []byte("<p>caf\xe9 cr\xe8me br\xfbl\xe9e</p>"), "", "windows-1252", "café"},
		{"big5 label", big5, "text/html; charset=big5", "big5", "繁體中文測試"},
		{"utf8 body mislabelled gb2312", []byte(`<meta charset="gb2312"><p>人民网讯，这是一段文字。</p>`), "", "utf-8", "人民网讯"},
		{"empty", nil, "", "utf-8", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, cs, err := Decode(tc.body, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tc.want || !strings.Contains(string(out), tc.text) {
				t.Errorf("Decode = %q, %q; want charset %q containing %q", out, cs, tc.want, tc.text)
			}
		})
	}
}

func charsetEncode(t *testing.T, label, s string) ([]byte, string) {
	t.Helper()
	enc, name := lookup(label)
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b, name
}

func TestParseDate(t *testing.T) {
	sh := shanghai()
	p := &page{in: Input{FetchedAt: fetched}, loc: sh}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2021年11月20日 12:27", time.Date(2021, 11, 20, 12, 27, 0, 0, sh)},
		{"发布时间：2021-11-20 12:27:24 来源：新华社", time.Date(2021, 11, 20, 12, 27, 24, 0, sh)},
		{"2005-5-7 21:23:57", time.Date(2005, 5, 7, 21, 23, 57, 0, sh)},
		{"2021/11/20", time.Date(2021, 11, 20, 0, 0, 0, 0, sh)},
		{"2023-05-14T08:30:00-04:00", time.Date(2023, 5, 14, 12, 30, 0, 0, time.UTC)},
		{"2022-03-05T10:11:12.000Z", time.Date(2022, 3, 5, 10, 11, 12, 0, time.UTC)},
		{"Updated March 3, 2019", time.Date(2019, 3, 3, 0, 0, 0, 0, sh)},
		{"3 Mar 2019", time.Date(2019, 3, 3, 0, 0, 0, 0, sh)},
		{"3小时前", fetched.Add(-3 * time.Hour)},
		{"5分钟前", fetched.Add(-5 * time.Minute)},
		{"昨天 12:00", time.Date(2024, 1, 1, 12, 0, 0, 0, sh)},
		{"1989-06-01", time.Time{}},
		{"2030-01-01", time.Time{}},
		{"2021-02-31", time.Time{}},
		{"no date here", time.Time{}},
	}
	for _, tc := range tests {
		got := p.parseDate(tc.in)
		if !got.Equal(tc.want) {
			t.Errorf("parseDate(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	// A zone given in Input wins over the default.
	ny, err := time.LoadLocation("America/New_York")
	if err == nil {
		p := &page{in: Input{FetchedAt: fetched}, loc: ny}
		if got := p.parseDate("2021-11-20 12:27"); !got.Equal(time.Date(2021, 11, 20, 12, 27, 0, 0, ny)) {
			t.Errorf("with location: %v", got)
		}
	}
}

func TestStripSiteName(t *testing.T) {
	tests := []struct{ in, site, want string }{
		{"推动共建一带一路高质量发展不断取得新成效_ZAKER新闻", "", "推动共建一带一路高质量发展不断取得新成效"},
		{"A long headline about something important - Site", "", "A long headline about something important"},
		{"Headline | The Daily Example", "The Daily Example", "Headline"},
		{"政治 - 经济", "", "政治 - 经济"},
		{"某篇很长很长的新闻文章标题在这里_新闻中心_新浪网", "", "某篇很长很长的新闻文章标题在这里"},
	}
	for _, tc := range tests {
		if got := stripSiteName(tc.in, tc.site); got != tc.want {
			t.Errorf("stripSiteName(%q, %q) = %q, want %q", tc.in, tc.site, got, tc.want)
		}
	}
}

func TestChineseByline(t *testing.T) {
	tests := []struct{ text, want string }{
		{"光明日报记者 王建宏 张文攀\n\n正文", "王建宏 张文攀"},
		{"据新华社拉萨电（记者 格桑边觉）记者近日从", "格桑边觉"},
		{"作者：宋怡 杨志华\n\n", "宋怡 杨志华"},
		{"记者一行正要结束采访时，他说\n\n来源: 尹娟", "尹娟"},
		{"来源：新闻晨报 编辑：山石", "山石"},
		{"没有署名的文字", ""},
	}
	for _, tc := range tests {
		got := ""
		for _, re := range bylineRes {
			for _, m := range re.FindAllStringSubmatch(tc.text, 8) {
				if got = chineseName(m[1]); got != "" {
					break
				}
			}
			if got != "" {
				break
			}
		}
		if got != tc.want {
			t.Errorf("byline in %q = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestLinks(t *testing.T) {
	page := []byte(`<html><head><base href="https://example.org/news/"></head><body>
<ul class="list">
 <li><a href="a/1.html">one</a></li>
 <li><a href="/a/2.html#top">two</a></li>
 <li><a href="a/1.html">one again</a></li>
 <li><a href="javascript:void(0)">js</a></li>
 <li><a href="mailto:x@example.org">mail</a></li>
 <li><a href="#comments">frag</a></li>
 <li><a href="//cdn.example.org/a/3.html">three</a></li>
</ul>
<div class="other"><a href="/not-me">x</a></div>
<a class="next" href="?page=2">next</a>
</body></html>`)
	tests := []struct {
		selector string
		want     []string
	}{
		{"ul.list", []string{"https://example.org/news/a/1.html", "https://example.org/a/2.html", "https://cdn.example.org/a/3.html"}},
		{"ul.list a", []string{"https://example.org/news/a/1.html", "https://example.org/a/2.html", "https://cdn.example.org/a/3.html"}},
		{"a.next", []string{"https://example.org/news/?page=2"}},
		{"div.none", nil},
		{"[[[invalid", nil},
	}
	for _, tc := range tests {
		got, err := Links(Input{Body: page, URL: mustURL(t, "https://example.org/news/index.html")}, tc.selector)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("Links(%q) = %q, want %q", tc.selector, got, tc.want)
		}
	}
}

func TestLimits(t *testing.T) {
	big := bytes.Repeat([]byte("a"), MaxBodyBytes+1)
	if _, err := Extract(Input{Body: big}); err == nil {
		t.Error("oversized body: no error")
	}
	many := bytes.Repeat([]byte("<b></b>"), MaxNodes)
	if _, err := Extract(Input{Body: many}); err == nil {
		t.Error("too many nodes: no error")
	}
	if _, err := Extract(Input{}); err != nil {
		t.Errorf("empty input: %v", err)
	}
}

func TestRulesFallBack(t *testing.T) {
	// Selectors that match nothing leave the field to generic extraction.
	a, err := Extract(Input{Body: readTestdata(t, "generic.html"), URL: mustURL(t, "https://science.example.com/f"),
		FetchedAt: fetched, Rules: Rules{Title: ".nope", Body: ".nope", Author: ".nope", Date: ".nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Author != "Ann Smith" || !strings.Contains(a.BodyText, "A team of biologists") || a.Published.IsZero() {
		t.Errorf("fallback failed: %+v", a)
	}
}

func TestControlCharactersAreDropped(t *testing.T) {
	page := "<html><head><title>Bad\x01\x07\x1b[31m title</title></head><body><article><h1>Bad\x1b[31m\x07 title \u202egpj.exe\u202c 👩\u200d💻</h1>" +
		"<p>" + strings.Repeat("Some ordinary words of an article body, long enough to be the body. ", 8) + "\x1b[2J</p></article></body></html>"
	a, err := Extract(Input{Body: []byte(page), URL: mustURL(t, "https://example.org/a/1.html"), FetchedAt: fetched})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Title, "gpj.exe") {
		t.Fatalf("title %q is not the heading's, the case this test is about", a.Title)
	}
	if !strings.Contains(a.Title, "👩\u200d💻") {
		t.Errorf("title %q lost the zero-width joiner of an emoji", a.Title)
	}
	for name, v := range map[string]string{"title": a.Title, "body text": a.BodyText} {
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x202e || r == 0x202c }) {
			t.Errorf("%s keeps control or bidi override characters: %q", name, v)
		}
	}
}
