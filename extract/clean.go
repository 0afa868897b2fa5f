package extract

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// videoHosts are the hosts (and their subdomains) whose iframes are video
// embeds, kept in the body.
var videoHosts = []string{
	"v.qq.com", "video.qq.com", "youtube.com", "youtube-nocookie.com", "youtu.be", "player.bilibili.com",
	"bilibili.com", "player.youku.com", "youku.com", "player.vimeo.com", "vimeo.com", "dailymotion.com",
	"ixigua.com", "iqiyi.com", "douyin.com", "weibo.com", "tv.sohu.com", "facebook.com/plugins/video",
	"twitch.tv", "ted.com", "wistia.net", "jwplayer.com", "brightcove.net", "vk.com",
}

var srcsetSplitRe = regexp.MustCompile(`,\s+|,$`)

// lazyAttrs hold an image's real URL on pages that load images lazily.
var lazyAttrs = []string{"data-original", "data-src", "data-lazy-src", "data-actualsrc", "data-url", "data-lazy", "data-original-src", "data-hi-res-src", "data-full-src"}

var videoSrcRe = sync.OnceValue(func() *regexp.Regexp {
	var alts []string
	for _, h := range videoHosts {
		if !strings.Contains(h, "/") {
			alts = append(alts, regexp.QuoteMeta(h))
		}
	}
	return regexp.MustCompile(`^https?://([a-z0-9-]+\.)*(` + strings.Join(alts, "|") + `)(:\d+)?([/?#]|$)`)
})

// policy is the body's allow-list, built once and never changed.
var policy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowElements("p", "br", "hr", "div", "span", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
		"blockquote", "figure", "figcaption", "pre", "code", "em", "strong", "b", "i", "u", "s", "sub", "sup",
		"small", "mark", "q", "cite", "abbr", "del", "ins", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "picture")
	p.AllowAttrs("href", "title").OnElements("a")
	p.AllowAttrs("src", "alt", "title").OnElements("img")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,5}(%|px)?$`)).OnElements("img", "video", "iframe")
	p.AllowAttrs("src", "poster").OnElements("video")
	p.AllowAttrs("controls").Matching(regexp.MustCompile(`^(|controls)$`)).OnElements("video")
	p.AllowAttrs("src", "type").OnElements("source")
	p.AllowAttrs("src").Matching(videoSrcRe()).OnElements("iframe")
	p.AllowAttrs("allowfullscreen").Matching(regexp.MustCompile(`^(|true|allowfullscreen)$`)).OnElements("iframe")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	return p
})

func isVideoURL(raw string) bool {
	if raw == "" {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range videoHosts {
		if i := strings.Index(h, "/"); i >= 0 {
			if (host == h[:i] || strings.HasSuffix(host, "."+h[:i])) && strings.HasPrefix(u.Path, h[i:]) {
				return true
			}
			continue
		}
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// iframeSrc is an iframe's address, protocol-relative ones made https.
func iframeSrc(n *html.Node) string {
	src := strings.TrimSpace(attr(n, "src"))
	if src == "" || src == "about:blank" {
		src = strings.TrimSpace(attr(n, "data-src"))
	}
	if strings.HasPrefix(src, "//") {
		src = "https:" + src
	}
	return src
}

// imageURL is an <img>'s real address: lazy attributes, then the largest
// srcset candidate, then src; "" for data: URIs and 1x1 trackers.
func (p *page) imageURL(n *html.Node) string {
	for _, k := range lazyAttrs {
		if u := p.imgAbs(attr(n, k)); u != "" {
			return u
		}
	}
	for _, k := range []string{"data-srcset", "srcset", "data-lazy-srcset"} {
		if u := p.imgAbs(bestSrcset(attr(n, k))); u != "" {
			return u
		}
	}
	if n.Parent != nil && n.Parent.Type == html.ElementNode && n.Parent.Data == "picture" {
		for c := n.Parent.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "source" {
				for _, k := range []string{"data-srcset", "srcset"} {
					if u := p.imgAbs(bestSrcset(attr(c, k))); u != "" {
						return u
					}
				}
			}
		}
	}
	if dim(attr(n, "width")) == 1 && dim(attr(n, "height")) == 1 {
		return ""
	}
	return p.imgAbs(attr(n, "src"))
}

func (p *page) imgAbs(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(strings.ToLower(s), "data:") {
		return ""
	}
	return p.abs(s)
}

// bestSrcset picks the largest candidate (by w, else x) of a srcset.
func bestSrcset(set string) string {
	if strings.TrimSpace(set) == "" {
		return ""
	}
	best, bestV := "", -1.0
	for _, cand := range splitSrcset(set) {
		f := strings.Fields(cand)
		if len(f) == 0 {
			continue
		}
		v := 1.0
		if len(f) > 1 {
			d := f[len(f)-1]
			if x, err := strconv.ParseFloat(d[:len(d)-1], 64); err == nil && len(d) > 1 {
				switch d[len(d)-1] {
				case 'w':
					v = x
				case 'x':
					v = x * 1000
				}
			}
		}
		if v > bestV {
			best, bestV = f[0], v
		}
	}
	return best
}

// splitSrcset splits on commas that follow a descriptor or whitespace, so
// that commas inside URLs survive.
func splitSrcset(set string) []string {
	var out []string
	for _, part := range srcsetSplitRe.Split(set, -1) {
		if strings.TrimSpace(part) != "" {
			out = append(out, strings.TrimSpace(part))
		}
	}
	if len(out) == 1 && strings.Count(set, ",") > 0 && !strings.Contains(set, ", ") {
		out = strings.Split(set, ",")
	}
	return out
}

func dim(s string) int {
	s = strings.TrimSuffix(strings.TrimSpace(s), "px")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 100000 {
		return 0
	}
	return n
}

var bodyDrop = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true, "nav": true, "aside": true, "footer": true,
	"form": true, "button": true, "input": true, "select": true, "textarea": true, "link": true, "meta": true,
	"object": true, "embed": true, "svg": true, "canvas": true, "dialog": true, "head": true, "title": true, "frame": true, "frameset": true,
}

// finishBody cleans the body node, gives images their real address, collects
// images and videos, and renders the sanitised HTML and the text.
func (p *page) finishBody(body *html.Node, a *Article) {
	var drop []*html.Node
	var pictures []*html.Node
	walk(body, func(n *html.Node) bool {
		if n.Type == html.CommentNode {
			drop = append(drop, n)
			return false
		}
		if n.Type != html.ElementNode {
			return true
		}
		if (n != body && bodyDrop[n.Data]) || hidden(n) {
			drop = append(drop, n)
			return false
		}
		switch n.Data {
		case "picture":
			pictures = append(pictures, n)
		case "img":
			u := p.imageURL(n)
			if u == "" {
				drop = append(drop, n)
				return false
			}
			w, h := dim(attr(n, "width")), dim(attr(n, "height"))
			if w == 0 {
				w = dim(attr(n, "data-width"))
			}
			if h == 0 {
				h = dim(attr(n, "data-height"))
			}
			alt := cleanSpace(attr(n, "alt"))
			n.Attr = nil
			setAttr(n, "src", u)
			if alt != "" {
				setAttr(n, "alt", alt)
			}
			if w > 0 {
				setAttr(n, "width", strconv.Itoa(w))
			}
			if h > 0 {
				setAttr(n, "height", strconv.Itoa(h))
			}
			a.Images = append(a.Images, Image{URL: u, Alt: alt, Width: w, Height: h})
		case "iframe":
			src := iframeSrc(n)
			if !isVideoURL(src) {
				drop = append(drop, n)
				return false
			}
			u := p.abs(src)
			if u == "" {
				drop = append(drop, n)
				return false
			}
			keep := map[string]bool{"width": true, "height": true, "allowfullscreen": true}
			delAttrs(n, func(k string) bool { return keep[k] })
			n.Attr = append([]html.Attribute{{Key: "src", Val: u}}, n.Attr...)
			a.Videos = append(a.Videos, Video{URL: u})
			return false
		case "video":
			poster := p.imgAbs(attr(n, "poster"))
			src := p.abs(firstNonEmpty(attr(n, "src"), attr(n, "data-src")))
			for _, s := range elements(n, "source") {
				if src != "" {
					break
				}
				src = p.abs(firstNonEmpty(attr(s, "src"), attr(s, "data-src")))
			}
			delAttrs(n, func(k string) bool { return k == "width" || k == "height" || k == "controls" })
			if src != "" {
				setAttr(n, "src", src)
				a.Videos = append(a.Videos, Video{URL: src, Poster: poster})
			}
			if poster != "" {
				setAttr(n, "poster", poster)
			}
			setAttr(n, "controls", "")
			for _, s := range elements(n, "source") {
				if u := p.abs(attr(s, "src")); u != "" {
					s.Attr = []html.Attribute{{Key: "src", Val: u}, {Key: "type", Val: attr(s, "type")}}
				} else {
					drop = append(drop, s)
				}
			}
			return false
		case "a":
			if h := attr(n, "href"); h != "" {
				if u := p.abs(h); u != "" {
					setAttr(n, "href", u)
				} else if strings.HasPrefix(strings.TrimSpace(h), "#") || strings.HasPrefix(strings.ToLower(strings.TrimSpace(h)), "mailto:") {
					// kept as is; the policy decides
				} else {
					delAttrs(n, func(k string) bool { return k != "href" })
				}
			}
		}
		return true
	})
	for _, n := range drop {
		remove(n)
	}
	for _, pic := range pictures {
		if pic.Parent == nil {
			continue
		}
		for _, s := range elements(pic, "source") {
			remove(s)
		}
		unwrap(pic)
	}
	a.Images = dedupeImages(a.Images)
	a.BodyText = blockTextSkip(body, false, isCaption)
	var b strings.Builder
	if err := html.Render(&b, body); err != nil {
		return
	}
	a.BodyHTML = strings.TrimSpace(policy().Sanitize(b.String()))
	if a.BodyText == "" && len(a.Images) == 0 && len(a.Videos) == 0 {
		a.BodyHTML = ""
	}
}

// isCaption reports whether n is a picture's caption or credit line. Captions
// stay in BodyHTML, with their figures; BodyText is the article's running
// text, which they interrupt.
func isCaption(n *html.Node) bool {
	if n.Data == "figcaption" {
		return true
	}
	ci := lowerClassID(n)
	if ci == "" || !containsAny(ci, captionWords) {
		return false
	}
	// A caption is a line or two, never the article.
	return len(textOf(n)) <= 1200
}

var captionWords = []string{"caption", "image-credit", "photo-credit", "img-credit", "media-credit"}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func dedupeImages(in []Image) []Image {
	seen := map[string]bool{}
	out := in[:0]
	for _, im := range in {
		if !seen[im.URL] {
			seen[im.URL] = true
			out = append(out, im)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
