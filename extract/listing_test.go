package extract

import (
	"strings"
	"testing"
	"time"
)

// zhPara is a paragraph of Chinese article text.
func zhPara(topic string) string {
	return topic + "的故事从一个普通的早晨开始，镇上的人们聚在广场上，谈论着昨天发生的事情，有人说这是多年来最热闹的一天，也有人说这只是一个开始。"
}

func TestBlogFrontPageKeepsFirstPost(t *testing.T) {
	// A blog's front page, laid out in tables: three posts, each with its
	// title and date above it and a footer below.
	var b strings.Builder
	b.WriteString(`<html><head><title>我的博客</title></head><body><table><tr><td class="side">博客标题 个人信息 最新文章 归档备份</td><td><table>`)
	for i, topic := range []string{"春天", "夏天", "秋天"} {
		b.WriteString(`<tr><td class="post-title">` + topic + `的随笔</td><td class="post-title">2005-06-1` + string(rune('4'-i)) + ` 03:25:55</td></tr>`)
		b.WriteString(`<tr><td class="post-text">` + zhPara(topic) + `<br><br>` + zhPara(topic) + `<br><br>` + zhPara(topic) + `</td></tr>`)
		b.WriteString(`<tr><td class="post-foot">由作者张贴 @ 2005-06-1` + string(rune('4'-i)) + ` 03:25:55 <a href="/c">发表评论</a></td></tr>`)
	}
	b.WriteString(`</table></td></tr></table></body></html>`)
	got := extractText(t, []byte(b.String()))
	if !strings.Contains(got, "春天的故事") {
		t.Errorf("first post lost:\n%s", got)
	}
	for _, other := range []string{"夏天", "秋天", "最新文章"} {
		if strings.Contains(got, other) {
			t.Errorf("%q kept from the rest of the page:\n%s", other, got)
		}
	}
}

func TestArticleChunksNotTakenForPosts(t *testing.T) {
	// One article split into same-class chunks by an advert: no date
	// between them, so all of it stays.
	var b strings.Builder
	b.WriteString(`<div class="chunk">` + para(0) + para(1) + `</div><div class="ad-slot">Advertisement</div><div class="chunk">` + para(2) + para(3) + `</div>`)
	got := extractText(t, articlePage(b.String()))
	for i := range 4 {
		if !strings.Contains(got, "Paragraph "+string(rune('A'+i))) {
			t.Errorf("paragraph %d lost:\n%s", i, got)
		}
	}
}

func TestCaptionsLeftOutOfText(t *testing.T) {
	body := para(0) +
		`<figure><img src="/a.jpg" alt="A"><figcaption>The mayor speaks at the opening, Tuesday, in the town hall.</figcaption></figure>` +
		para(1) +
		`<div class="wp-caption"><img src="/b.jpg"><p class="wp-caption-text">Crowds gather outside the hall before the vote. Photo: Staff</p></div>` +
		para(2)
	a, err := Extract(Input{Body: articlePage(body), URL: mustURL(t, "https://news.example.com/a/1"), FetchedAt: fetched})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"mayor speaks", "Crowds gather"} {
		if strings.Contains(a.BodyText, c) {
			t.Errorf("caption %q in BodyText:\n%s", c, a.BodyText)
		}
	}
	if !strings.Contains(a.BodyHTML, "<figcaption>The mayor speaks") {
		t.Errorf("caption lost from BodyHTML:\n%s", a.BodyHTML)
	}
	for i := range 3 {
		if !strings.Contains(a.BodyText, "Paragraph "+string(rune('A'+i))) {
			t.Errorf("paragraph %d lost:\n%s", i, a.BodyText)
		}
	}
}

func TestQuotedPostKept(t *testing.T) {
	body := para(0) + para(1) +
		`<div class="social-media-embed"><blockquote class="post-embed"><p>Yes this is real and the state spent half a million dollars on it, officials said.</p>— A Reader (@reader) November 18, 2019</blockquote></div>` +
		para(2) + `<div class="social-share"><a href="/s">Share</a> <a href="/t">Tweet</a></div>`
	got := extractText(t, articlePage(body))
	if !strings.Contains(got, "half a million dollars") {
		t.Errorf("quoted post lost:\n%s", got)
	}
	if strings.Contains(got, "Tweet") {
		t.Errorf("share bar kept:\n%s", got)
	}
}

func TestUSDateWithClock(t *testing.T) {
	p := &page{loc: time.UTC}
	tests := []struct{ in, want string }{
		{"posted 7/5/2005 9:23:57 PM", "2005-07-05 21:23:57"},
		{"11/20/2021, 12:05 am", "2021-11-20 00:05:00"},
		{"20/11/2021 3:05 PM", "2021-11-20 15:05:00"},
		{"7/5/2005", ""}, // no clock: the order is unknown
	}
	for _, tc := range tests {
		got := p.parseDate(tc.in)
		s := ""
		if !got.IsZero() {
			s = got.Format("2006-01-02 15:04:05")
		}
		if s != tc.want {
			t.Errorf("parseDate(%q) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

func TestBylineInLinkIgnored(t *testing.T) {
	page := `<html><head><meta charset="utf-8"><title>新闻</title></head><body>` +
		`<div class="nav"><a href="/x">新华社记者看东北</a> <a href="/y">第A04版：小记者训练营</a></div>` +
		`<div class="text"><p>` + zhPara("春天") + `</p><p>作者：<a href="/u">王小明</a></p></div></body></html>`
	a, err := Extract(Input{Body: []byte(page), URL: mustURL(t, "https://news.example.com/a/1"), FetchedAt: fetched})
	if err != nil {
		t.Fatal(err)
	}
	if a.Author != "王小明" {
		t.Errorf("author = %q, want 王小明", a.Author)
	}
}
