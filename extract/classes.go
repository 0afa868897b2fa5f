package extract

import (
	"strings"

	"golang.org/x/net/html"
)

// Class and id words, matched as lower-case substrings (a regexp per element
// was the extractor's largest cost). A word that starts or ends with a space
// must stand at that side of a class token.
var (
	unlikelyWords = []string{"-ad-", "ai2html", "banner", "breadcrumb", "combx", "comment", "community", "cover-wrap", "disqus", "extra",
		"footer", "gdpr", "header", "legends", "menu", "related", "remark", "replies", "rss", "shoutbox", "sidebar", "skyscraper",
		"social", "sponsor", "supplemental", "ad-break", "agegate", "pagination", "pager", "popup", "yom-remote", "recommend",
		"share", "nav", "login", "copyright", "hot", "rank", "tool", "newsletter", "subscribe", "signup", "promo"}
	maybeWords    = []string{"and", "article", "body", "column", "content", "main", "mathjax", "shadow", "text", "story", "entry"}
	positiveWords = []string{"article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "post", "text", "blog", "story", "detail", "zw", "cont"}
	negativeWords = []string{"-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "footer", "gdpr", "masthead", "media",
		"meta", "outbrain", "promo", "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper", "sponsor", "shopping", "tags",
		"widget", "nav", "menu", "recommend", "copyright", "breadcrumb", "hot", "rank", "newsletter", "subscribe"}
	negativeTokens = []string{"hid", "ad", "ads"}
	// boilerWords name the blocks inside an article that are not its text:
	// bylines, dates, sharing, newsletter sign-ups, related links, tags,
	// image credits, adverts.
	boilerWords = []string{"byline", "author", "dateline", "timestamp", "publish", "share", "sharing", "social", "newsletter",
		"subscribe", "signup", "sign-up", "related", "recommend", "promo", "tags", "tag-list", "taglist", "credit", "advert",
		"sponsor", "-ad-", "read-more", "readmore", "more-stories", "comment", "toolbar", "print", "copyright", "disclaimer",
		"breadcrumb", "pagination", "pager", "inline-cta", "cta-", "-cta", "outbrain", "taboola", "popular", "trending", "rating"}
	boilerTokens = []string{"ad", "ads", "meta", "date", "time", "tags", "cta", "source"}
)

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// hasToken reports whether one of the tokens is a whole class token of s
// (tokens separated by spaces, '_' or '-').
func hasToken(s string, tokens []string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '_' || r == '-' || r == '\t' || r == '\n' }) {
		for _, t := range tokens {
			if f == t {
				return true
			}
		}
	}
	return false
}

func lowerClassID(n *html.Node) string {
	c, id := attr(n, "class"), attr(n, "id")
	if c == "" && id == "" {
		return ""
	}
	return strings.ToLower(c + " " + id)
}

func unlikely(ci string) bool {
	return ci != "" && containsAny(ci, unlikelyWords) && !containsAny(ci, maybeWords)
}

func negativeClass(v string) bool {
	return containsAny(v, negativeWords) || hasToken(v, negativeTokens)
}

func positiveClass(v string) bool {
	return containsAny(v, positiveWords)
}

// boilerClass reports whether a class or id names a block that is not
// article text.
func boilerClass(ci string) bool {
	return ci != "" && (containsAny(ci, boilerWords) || hasToken(ci, boilerTokens))
}

// nodeStat is what the scorer needs of a subtree, computed once bottom-up.
type nodeStat struct {
	text   int     // runes of text, whitespace runs counted as one
	link   float64 // runes of text inside links (fragment links weigh 0.3)
	commas int     // commas and clause marks, Chinese included
}

func isComma(r rune) bool {
	switch r {
	case ',', '，', '、', '،', '﹐', '︐', '︑', '⹁', '⸴', '⸲', '。', '；', ';':
		return true
	}
	return false
}

// textStat measures one text node.
func textStat(s string) nodeStat {
	var st nodeStat
	space, seen := false, false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == 0xa0 || r == 0x3000 {
			space = true
			continue
		}
		if space && seen {
			st.text++
		}
		space, seen = false, true
		st.text++
		if isComma(r) {
			st.commas++
		}
	}
	return st
}

// computeStats fills stats for root and every node under it, bottom-up,
// without recursion.
func computeStats(root *html.Node, stats map[*html.Node]*nodeStat) *nodeStat {
	type frame struct {
		n    *html.Node
		done bool
	}
	stack := []frame{{root, false}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.n
		if !f.done {
			switch n.Type {
			case html.TextNode:
				st := textStat(n.Data)
				stats[n] = &st
				continue
			case html.ElementNode, html.DocumentNode:
				if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style" || n.Data == "noscript" || n.Data == "template") {
					stats[n] = &nodeStat{}
					continue
				}
			default:
				stats[n] = &nodeStat{}
				continue
			}
			stack = append(stack, frame{n, true})
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				stack = append(stack, frame{c, false})
			}
			continue
		}
		st := &nodeStat{}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if cs := stats[c]; cs != nil {
				st.text += cs.text
				st.link += cs.link
				st.commas += cs.commas
			}
		}
		if n.Type == html.ElementNode && n.Data == "a" {
			coef := 1.0
			if strings.HasPrefix(attr(n, "href"), "#") {
				coef = 0.3
			}
			st.link = float64(st.text) * coef
		}
		stats[n] = st
	}
	return stats[root]
}

// blockDescendants marks every element that has a block element (as
// readability's div-to-p test counts them) among its descendants.
func blockDescendants(root *html.Node) map[*html.Node]bool {
	out := map[*html.Node]bool{}
	walk(root, func(n *html.Node) bool {
		if n.Type == html.ElementNode && n != root && divToPBlocks[n.Data] {
			for a := n.Parent; a != nil && !out[a]; a = a.Parent {
				out[a] = true
				if a == root {
					break
				}
			}
		}
		return true
	})
	return out
}
