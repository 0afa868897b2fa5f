package extract

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// The scorer picks the container of the article; news pages put more than the
// article in it: bylines and datelines, share bars, newsletter sign-ups,
// "related" link lists, adverts, copyright lines. stripBoilerplate removes
// them, judging each block by its class, its text and its links, and never
// removing more than a small part of the article's text at a time.

var (
	// boilerLineRe matches the start of a short line that is not article text.
	boilerLineRe = regexp.MustCompile(`(?i)^(?:by\s+\p{Lu}|written by\b|posted by\b|published\b|updated\b|posted\b|last (?:updated|modified)\b|first published\b|filed under\b|tags?\s*:|related(?: (?:articles?|stories|posts?|coverage|content|links|news|reading))?\s*:|related posts?$|read more\b|read next\b|also read\b|see also\b|more\s*:|advertisement$|advert$|sponsored\b|share this\b|share on\b|sharing is caring\b|click here to\b|sign up\b|subscribe\b|follow us\b|you may also like\b|you might also like\b|recommended for you\b|(?:©|\(c\)|copyright\b)|all rights reserved\b|enlarge image$|image:|photo:|(?:photo|image)s? (?:by|courtesy|credit)\b|getty images$|shutterstock$|` +
		`分享到|相关(?:新闻|阅读|文章|链接|推荐)|延伸阅读|推荐阅读|热门推荐|上一篇|下一篇|当前位置|您的位置|返回顶部|【?打印】?|【?关闭(?:窗口)?】?$|责任编辑\s*[：:])`)
	// newsletterRe finds a newsletter or sign-up pitch.
	newsletterRe = regexp.MustCompile(`(?i)newsletter|sign up|inbox|subscribe`)
	// timeWordRe matches what a dateline holds besides the date.
	timeWordRe = regexp.MustCompile(`(?i)\b(?:\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?|[ap]\.?m\.?|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|\d{1,4}(?:st|nd|rd|th)?|[a-z]{2,4}t|utc|gmt|published|updated|posted|last|modified|first|on|at|by|and|edt|est|pst|pdt|cst|cdt)\b|[0-9年月日时分秒:：,./|;-]`)
	wordRe     = regexp.MustCompile(`[\p{L}\p{N}]+`)
)

// lineTags are the elements judged line by line.
var lineTags = map[string]bool{"p": true, "div": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"li": true, "time": true, "address": true, "small": true, "figcaption": true, "section": true, "header": true}

func stripBoilerplate(root *html.Node) {
	s := &scorer{stats: map[*html.Node]*nodeStat{}}
	total := computeStats(root, s.stats).text
	if total == 0 {
		return
	}
	// Never remove more than a small share of the text in one block.
	limit := max(total/5, 40)
	var drop []*html.Node
	seen := 0 // text before the node, for telling the article's edges
	walk(root, func(n *html.Node) bool {
		if n.Type == html.TextNode {
			seen += s.stats[n].text
		}
		if n == root || n.Type != html.ElementNode {
			return true
		}
		st := s.stats[n]
		if st == nil {
			return true
		}
		if st.text > limit {
			return true // too much text to be boilerplate; look inside
		}
		skip := func() bool { seen += st.text; return false }
		if boilerClass(lowerClassID(n)) && !keepable(n) {
			drop = append(drop, n)
			return skip()
		}
		switch n.Data {
		case "ul", "ol":
			if st.text > 0 && st.link/float64(st.text) > 0.7 && len(elements(n, "li")) >= 2 {
				drop = append(drop, n)
				if prev := prevElement(n); prev != nil && isLeadIn(prev, s) {
					drop = append(drop, prev)
				}
				return skip()
			}
		}
		edge := seen < total/8 || seen+st.text > total-total/8
		if lineTags[n.Data] && !hasBlockInside(n) && boilerLine(n, st, edge) {
			drop = append(drop, n)
			return skip()
		}
		return true
	})
	for _, n := range drop {
		remove(n)
	}
}

// keepable reports whether a block holds content a class name cannot rule
// out: a video, a table, code, or a quoted post.
func keepable(n *html.Node) bool {
	if len(elements(n, "iframe", "video", "table", "pre")) > 0 {
		return true
	}
	return quotedPost(n)
}

// hasBlockInside reports whether n holds a block element.
func hasBlockInside(n *html.Node) bool {
	for _, c := range elements(n) {
		if blockTags[c.Data] && c.Data != "br" {
			return true
		}
	}
	return false
}

func prevElement(n *html.Node) *html.Node {
	for c := n.PrevSibling; c != nil; c = c.PrevSibling {
		if c.Type == html.ElementNode {
			return c
		}
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) != "" {
			return nil
		}
	}
	return nil
}

// isLeadIn reports whether n introduces a link list: a heading or a short
// line such as "More stories:".
func isLeadIn(n *html.Node, s *scorer) bool {
	st := s.stat(n)
	if st.text == 0 || st.text > 60 {
		return false
	}
	switch n.Data {
	case "h2", "h3", "h4", "h5", "h6", "strong", "b":
		return true
	}
	t := strings.TrimSpace(cleanSpace(textOf(n)))
	return strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") || strings.HasSuffix(t, "...") || strings.HasSuffix(t, "…")
}

// boilerLine judges one line of text; edge is true for lines at the start
// or the end of the article, where bylines and datelines stand.
func boilerLine(n *html.Node, st *nodeStat, edge bool) bool {
	if st.text == 0 || st.text > 200 {
		return false
	}
	t := cleanSpace(textOf(n))
	if st.text <= 120 && boilerLineRe.MatchString(t) {
		return true
	}
	if newsletterRe.MatchString(t) && strings.Contains(strings.ToLower(t), "newsletter") {
		return true
	}
	return edge && st.text <= 80 && dateline(t)
}

// dateline reports whether t is a date with at most a few other words, such
// as "Published 10:02 AM EST Nov 19, 2019" or "2021年11月20日 来源：".
func dateline(t string) bool {
	if !zhDateRe.MatchString(t) && !numDateRe.MatchString(t) && !enDateRe.MatchString(t) {
		return false
	}
	rest := timeWordRe.ReplaceAllString(t, " ")
	return len(wordRe.FindAllString(rest, -1)) <= 3 && len(hanRe.FindAllString(rest, -1)) <= 6
}
