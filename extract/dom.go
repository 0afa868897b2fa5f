package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func delAttrs(n *html.Node, keep func(key string) bool) {
	out := n.Attr[:0]
	for _, a := range n.Attr {
		if keep(a.Key) {
			out = append(out, a)
		}
	}
	n.Attr = out
}

// in reports whether n or one of its ancestors is one of the tags.
func in(n *html.Node, tags ...string) bool {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode {
			for _, t := range tags {
				if n.Data == t {
					return true
				}
			}
		}
	}
	return false
}

func bodyOf(root *html.Node) *html.Node {
	var found *html.Node
	walk(root, func(n *html.Node) bool {
		if found != nil {
			return false
		}
		if n.Type == html.ElementNode && n.Data == "body" {
			found = n
			return false
		}
		return true
	})
	if found == nil {
		return root
	}
	return found
}

// walk visits n and its descendants in document order; fn returns false to
// skip a node's children. It is iterative so that deep documents cannot
// exhaust the stack.
func walk(n *html.Node, fn func(*html.Node) bool) {
	if n == nil {
		return
	}
	stack := []*html.Node{n}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !fn(c) {
			continue
		}
		var kids []*html.Node
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			kids = append(kids, k)
		}
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}
}

// elements returns n's element descendants (not n) with one of the tags, in
// document order; no tags means all.
func elements(n *html.Node, tags ...string) []*html.Node {
	var out []*html.Node
	walk(n, func(c *html.Node) bool {
		if c != n && c.Type == html.ElementNode {
			if len(tags) == 0 {
				out = append(out, c)
			} else {
				for _, t := range tags {
					if c.Data == t {
						out = append(out, c)
						break
					}
				}
			}
		}
		return true
	})
	return out
}

func remove(n *html.Node) {
	if n.Parent != nil {
		n.Parent.RemoveChild(n)
	}
}

// unwrap replaces n by its children.
func unwrap(n *html.Node) {
	p := n.Parent
	if p == nil {
		return
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		p.InsertBefore(c, n)
		c = next
	}
	p.RemoveChild(n)
}

func clone(n *html.Node) *html.Node {
	type pair struct{ src, dst *html.Node }
	root := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace, Attr: append([]html.Attribute(nil), n.Attr...)}
	stack := []pair{{n, root}}
	for len(stack) > 0 {
		pr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := pr.src.FirstChild; c != nil; c = c.NextSibling {
			d := &html.Node{Type: c.Type, DataAtom: c.DataAtom, Data: c.Data, Namespace: c.Namespace, Attr: append([]html.Attribute(nil), c.Attr...)}
			pr.dst.AppendChild(d)
			stack = append(stack, pair{c, d})
		}
	}
	return root
}

// textOf is the raw text content of n.
func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) bool {
		switch c.Type {
		case html.TextNode:
			b.WriteString(c.Data)
		case html.ElementNode:
			switch c.Data {
			case "script", "style", "noscript", "template":
				return false
			}
		case html.CommentNode:
			return false
		}
		return true
	})
	return b.String()
}

// textLen counts the runes of n's text, whitespace collapsed.
func textLen(n *html.Node) int {
	return utf8.RuneCountInString(cleanSpace(textOf(n)))
}

// cleanSpace collapses whitespace and drops control characters and bidi
// overrides (a title with an escape sequence or a U+202E in it must not
// reach a terminal or a file name, where it could make text read as other
// text).
func cleanSpace(s string) string {
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	if strings.IndexFunc(s, dropped) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if dropped(r) {
			return -1
		}
		return r
	}, s)
}

// dropped tells the runes cleanSpace removes: controls, and the bidi
// embedding, override and isolate characters (U+202A-U+202E,
// U+2066-U+2069). Joiners and other format characters stay: emoji need them.
func dropped(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

var blockTags = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "br": true, "caption": true, "center": true,
	"dd": true, "details": true, "dialog": true, "div": true, "dl": true, "dt": true, "fieldset": true,
	"figcaption": true, "figure": true, "footer": true, "form": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "header": true, "hr": true, "li": true, "main": true, "nav": true,
	"ol": true, "p": true, "pre": true, "section": true, "table": true, "tbody": true, "td": true,
	"tfoot": true, "th": true, "thead": true, "tr": true, "ul": true, "body": true, "html": true,
	"iframe": true, "video": true, "img": false,
}

// blockText is n's readable text: one paragraph per block, paragraphs
// separated by a blank line, whitespace collapsed.
func blockText(n *html.Node) string {
	return blockTextOf(n, false)
}

// blockTextOf is blockText, leaving out the text of links when noLinks is
// set.
func blockTextOf(n *html.Node, noLinks bool) string {
	return blockTextSkip(n, noLinks, nil)
}

// blockTextSkip is blockTextOf, leaving out the elements skip reports.
func blockTextSkip(n *html.Node, noLinks bool, skip func(*html.Node) bool) string {
	var paras []string
	var cur strings.Builder
	flush := func() {
		if s := cleanSpace(cur.String()); s != "" {
			paras = append(paras, s)
		}
		cur.Reset()
	}
	var rec func(*html.Node, int)
	rec = func(n *html.Node, depth int) {
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			return
		case html.CommentNode:
			return
		case html.ElementNode:
			switch n.Data {
			case "script", "style", "noscript", "template", "head", "title":
				return
			case "a":
				if noLinks {
					return
				}
			}
			if skip != nil && skip(n) {
				return
			}
		}
		block := n.Type == html.ElementNode && blockTags[n.Data]
		if block {
			flush()
		}
		if depth < 512 {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				rec(c, depth+1)
			}
		}
		if block {
			flush()
		}
	}
	rec(n, 0)
	flush()
	return strings.Join(paras, "\n\n")
}
