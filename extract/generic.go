package extract

import (
	"math"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The body scorer follows Mozilla Readability's approach, with lengths in
// runes and Chinese punctuation counted, so that Chinese text (where a clause
// is one "word") is weighed like English.

var unlikelyRoles = map[string]bool{"menu": true, "menubar": true, "complementary": true, "navigation": true, "alert": true, "alertdialog": true, "dialog": true}

var divToPBlocks = map[string]bool{"a": false, "blockquote": true, "dl": true, "div": true, "img": true, "ol": true, "p": true, "pre": true, "table": true, "ul": true, "section": true, "article": true, "figure": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "iframe": true, "video": true}

var phrasing = map[string]bool{"abbr": true, "audio": true, "b": true, "bdo": true, "br": true, "button": true, "cite": true, "code": true, "data": true, "datalist": true, "dfn": true, "em": true, "embed": true, "i": true, "img": true, "input": true, "kbd": true, "label": true, "mark": true, "math": true, "meter": true, "noscript": true, "object": true, "output": true, "progress": true, "q": true, "ruby": true, "samp": true, "script": true, "select": true, "small": true, "span": true, "strong": true, "sub": true, "sup": true, "textarea": true, "time": true, "var": true, "wbr": true, "a": true, "del": true, "ins": true, "font": true, "u": true, "s": true, "strike": true, "big": true, "tt": true}

type scorer struct {
	scores  map[*html.Node]float64
	weights map[*html.Node]float64
	stats   map[*html.Node]*nodeStat
	strip   bool // drop unlikely candidates
	weigh   bool // use class weights
	clean   bool // clean conditionally
}

// generic finds the article body by scoring; nil if the page has no body.
func (p *page) generic() *html.Node {
	body := bodyOf(p.root)
	if body == nil {
		return nil
	}
	prune(body)
	var best *html.Node
	bestLen := -1
	for _, flags := range [][3]bool{{true, true, true}, {false, true, true}, {false, false, true}, {false, false, false}} {
		s := &scorer{scores: map[*html.Node]float64{}, weights: map[*html.Node]float64{}, stats: map[*html.Node]*nodeStat{}, strip: flags[0], weigh: flags[1], clean: flags[2]}
		n := s.grab(clone(body))
		if n == nil {
			continue
		}
		l := textLen(n)
		if l >= 250 || (l >= 140 && cjkShare(n) > 0.3) {
			best = n
			break
		}
		if l > bestLen {
			best, bestLen = n, l
		}
	}
	if best != nil {
		if post := firstPost(best); post != nil {
			remove(post)
			if post.Data != "div" && post.Data != "article" && post.Data != "section" {
				post.Data, post.DataAtom = "div", atom.Div // a cell or item out of its table or list
			}
			best = &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
			best.AppendChild(post)
		}
		stripBoilerplate(best)
	}
	return best
}

func cjkShare(n *html.Node) float64 {
	t := textOf(n)
	total, cjk := 0, 0
	for _, r := range t {
		if r > ' ' {
			total++
			if r >= 0x3400 && r <= 0x9fff {
				cjk++
			}
		}
	}
	if total == 0 {
		return 0
	}
	return float64(cjk) / float64(total)
}

// prune drops what is never article content: scripts, styles, navigation,
// forms, buttons, hidden elements and comments.
func prune(body *html.Node) {
	total := -1 // measured only if the page has a form
	var drop, unwrapList []*html.Node
	walk(body, func(n *html.Node) bool {
		switch n.Type {
		case html.CommentNode:
			drop = append(drop, n)
			return false
		case html.ElementNode:
		default:
			return true
		}
		switch n.Data {
		case "script", "style", "noscript", "template", "nav", "aside", "footer", "button", "select", "textarea", "input", "link", "meta", "svg", "canvas", "object", "embed", "dialog":
			drop = append(drop, n)
			return false
		case "form":
			if total < 0 {
				total = textLen(body)
			}
			if total > 0 && textLen(n)*2 > total {
				unwrapList = append(unwrapList, n)
				return true
			}
			drop = append(drop, n)
			return false
		case "iframe":
			if !isVideoURL(iframeSrc(n)) {
				drop = append(drop, n)
				return false
			}
		}
		if hidden(n) {
			drop = append(drop, n)
			return false
		}
		return true
	})
	for _, n := range drop {
		remove(n)
	}
	for _, n := range unwrapList {
		unwrap(n)
	}
}

var hiddenStyleRe = regexp.MustCompile(`(?i)display\s*:\s*none|visibility\s*:\s*hidden`)

func hidden(n *html.Node) bool {
	if hasAttr(n, "hidden") {
		return true
	}
	if st := attr(n, "style"); st != "" && hiddenStyleRe.MatchString(st) {
		return true
	}
	return false
}

func classID(n *html.Node) string {
	return attr(n, "class") + " " + attr(n, "id")
}

func (s *scorer) classWeight(n *html.Node) float64 {
	if !s.weigh {
		return 0
	}
	if w, ok := s.weights[n]; ok {
		return w
	}
	w := 0.0
	for _, v := range []string{attr(n, "class"), attr(n, "id")} {
		if v == "" {
			continue
		}
		v = strings.ToLower(v)
		if negativeClass(v) {
			w -= 25
		}
		if positiveClass(v) {
			w += 25
		}
	}
	s.weights[n] = w
	return w
}

func (s *scorer) initScore(n *html.Node) {
	if _, ok := s.scores[n]; ok {
		return
	}
	sc := 0.0
	switch n.Data {
	case "div", "article", "section", "main":
		sc = 5
	case "pre", "td", "blockquote":
		sc = 3
	case "address", "ol", "ul", "dl", "dd", "dt", "li", "form":
		sc = -3
	case "h1", "h2", "h3", "h4", "h5", "h6", "th":
		sc = -5
	}
	s.scores[n] = sc + s.classWeight(n)
}

// stat is n's cached subtree measure.
func (s *scorer) stat(n *html.Node) *nodeStat {
	if st := s.stats[n]; st != nil {
		return st
	}
	return computeStats(n, s.stats)
}

func (s *scorer) linkDensity(n *html.Node) float64 {
	st := s.stat(n)
	if st.text == 0 {
		return 0
	}
	return st.link / float64(st.text)
}

func linkDensity(n *html.Node) float64 {
	return (&scorer{stats: map[*html.Node]*nodeStat{}}).linkDensity(n)
}

func isPhrasing(n *html.Node) bool {
	if n.Type == html.TextNode {
		return true
	}
	if n.Type != html.ElementNode {
		return false
	}
	if phrasing[n.Data] {
		if n.Data == "a" || n.Data == "del" || n.Data == "ins" {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if !isPhrasing(c) {
					return false
				}
			}
		}
		return true
	}
	return false
}

// grab scores body (a clone it may change) and returns the article node.
func (s *scorer) grab(body *html.Node) *html.Node {
	var toScore []*html.Node
	var drop []*html.Node
	hasBlock := blockDescendants(body)
	walk(body, func(n *html.Node) bool {
		if n.Type != html.ElementNode || n == body {
			return true
		}
		if s.strip {
			if unlikelyRoles[attr(n, "role")] {
				drop = append(drop, n)
				return false
			}
			if unlikely(lowerClassID(n)) && !quotedPost(n) &&
				n.Data != "a" && n.Data != "body" && n.Data != "article" && !in(n, "table", "code") {
				drop = append(drop, n)
				return false
			}
		}
		switch n.Data {
		case "section", "h2", "h3", "h4", "h5", "h6", "p", "td", "pre":
			toScore = append(toScore, n)
		case "div":
			if !hasBlock[n] {
				n.Data, n.DataAtom = "p", atom.P
				toScore = append(toScore, n)
				return true
			}
			// Wrap runs of loose text and inline elements in <p>.
			var run []*html.Node
			flush := func(before *html.Node) {
				if len(run) == 0 {
					return
				}
				txt := ""
				for _, r := range run {
					txt += textOf(r)
				}
				if strings.TrimSpace(txt) != "" {
					pn := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
					n.InsertBefore(pn, before)
					for _, r := range run {
						n.RemoveChild(r)
						pn.AppendChild(r)
					}
					toScore = append(toScore, pn)
				}
				run = run[:0]
			}
			for c := n.FirstChild; c != nil; {
				next := c.NextSibling
				if isPhrasing(c) {
					run = append(run, c)
				} else {
					flush(c)
				}
				c = next
			}
			flush(nil)
		}
		return true
	})
	for _, n := range drop {
		remove(n)
	}
	computeStats(body, s.stats)
	var candidates []*html.Node
	for _, el := range toScore {
		if el.Parent == nil || el.Parent.Type != html.ElementNode {
			continue
		}
		st := s.stats[el]
		if st == nil || st.text < 25 {
			continue
		}
		if !attached(el, body) {
			continue
		}
		l := st.text
		score := 1 + float64(st.commas+1) + math.Min(math.Floor(float64(l)/100), 3)
		level := 0
		for a := el.Parent; a != nil && a.Type == html.ElementNode && level < 5; a = a.Parent {
			if _, ok := s.scores[a]; !ok {
				s.initScore(a)
				candidates = append(candidates, a)
			}
			div := 1.0
			if level == 1 {
				div = 2
			} else if level > 1 {
				div = float64(level) * 3
			}
			s.scores[a] += score / div
			level++
			if a == body {
				break
			}
		}
	}
	if len(candidates) == 0 {
		return body
	}
	for _, c := range candidates {
		s.scores[c] *= 1 - s.linkDensity(c)
	}
	sort.SliceStable(candidates, func(i, j int) bool { return s.scores[candidates[i]] > s.scores[candidates[j]] })
	top := candidates[0]
	if top == body || top.Data == "html" {
		return s.finish(body, body)
	}
	// Several near-top candidates under one ancestor: take the ancestor.
	var alts []*html.Node
	for _, c := range candidates[1:min(5, len(candidates))] {
		if s.scores[c]/s.scores[top] >= 0.75 {
			alts = append(alts, c)
		}
	}
	if len(alts) >= 3 {
		for a := top.Parent; a != nil && a != body; a = a.Parent {
			n := 0
			for _, c := range alts {
				if isAncestor(a, c) {
					n++
				}
			}
			if n >= 3 {
				top = a
				s.initScore(top)
				break
			}
		}
	}
	// Climb while the parent scores better.
	last := s.scores[top]
	threshold := last / 3
	for a := top.Parent; a != nil && a != body && a.Type == html.ElementNode; a = a.Parent {
		sc, ok := s.scores[a]
		if !ok {
			continue
		}
		if sc < threshold {
			break
		}
		if sc > last {
			top = a
			break
		}
		last = sc
	}
	for top.Parent != nil && top.Parent != body && top.Parent.Type == html.ElementNode && elementChildren(top.Parent) == 1 {
		top = top.Parent
		s.initScore(top)
	}
	return s.finish(top, body)
}

func attached(n, root *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == root {
			return true
		}
	}
	return false
}

func isAncestor(a, n *html.Node) bool {
	for n = n.Parent; n != nil; n = n.Parent {
		if n == a {
			return true
		}
	}
	return false
}

func elementChildren(n *html.Node) int {
	k := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			k++
		}
	}
	return k
}

// finish gathers top and its qualifying siblings into a new <div> and cleans it.
func (s *scorer) finish(top, body *html.Node) *html.Node {
	out := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	if top == body {
		for c := body.FirstChild; c != nil; {
			next := c.NextSibling
			body.RemoveChild(c)
			out.AppendChild(c)
			c = next
		}
	} else {
		topScore := s.scores[top]
		threshold := math.Max(10, topScore*0.2)
		parent := top.Parent
		var keep []*html.Node
		for c := parent.FirstChild; c != nil; c = c.NextSibling {
			if c == top {
				keep = append(keep, c)
				continue
			}
			if c.Type != html.ElementNode {
				continue
			}
			bonus := 0.0
			if cl := attr(top, "class"); cl != "" && attr(c, "class") == cl {
				bonus = topScore * 0.2
			}
			if sc, ok := s.scores[c]; ok && sc+bonus >= threshold {
				keep = append(keep, c)
				continue
			}
			if c.Data == "p" {
				ld := s.linkDensity(c)
				l := s.stat(c).text
				if (l > 80 && ld < 0.25) || (l > 0 && l <= 80 && ld == 0 && sentenceEnd(textOf(c))) {
					keep = append(keep, c)
				}
			}
		}
		for _, c := range keep {
			parent.RemoveChild(c)
			out.AppendChild(c)
		}
	}
	s.prep(out)
	return out
}

// prep removes what readability removes from the chosen content.
func (s *scorer) prep(root *html.Node) {
	s.stats = map[*html.Node]*nodeStat{} // measures from before the move are stale
	if s.clean {
		for _, tag := range []string{"form", "fieldset", "table", "ul", "ol", "div", "section"} {
			for _, n := range elements(root, tag) {
				if attached(n, root) && s.junk(n) {
					remove(n)
				}
			}
		}
	}
	for _, n := range elements(root, "h1", "h2", "h3") {
		if s.classWeight(n) < 0 {
			remove(n)
		}
	}
	for _, n := range elements(root, "h1") {
		// The title is extracted on its own.
		remove(n)
	}
}

// junk is readability's "clean conditionally" test.
func (s *scorer) junk(n *html.Node) bool {
	if len(elements(n, "iframe", "video")) > 0 && hasVideo(n) {
		return false
	}
	if in(n.Parent, "code", "pre") || quotedPost(n) {
		return false
	}
	weight := s.classWeight(n)
	if weight+s.scores[n] < 0 {
		return true
	}
	st := s.stat(n)
	if st.commas >= 10 {
		return false
	}
	isList := n.Data == "ul" || n.Data == "ol"
	np := float64(len(elements(n, "p")))
	img := float64(len(elements(n, "img")))
	li := float64(len(elements(n, "li"))) - 100
	input := float64(len(elements(n, "input")))
	l := st.text
	ld := s.linkDensity(n)
	inFigure := in(n, "figure")
	switch {
	case img > 1 && np/img < 0.5 && !inFigure:
		return true
	case !isList && li > np:
		return true
	case input > math.Floor(np/3):
		return true
	case !isList && l < 25 && (img == 0 || img > 2) && !inFigure && len(elements(n, "h2", "h3", "h4", "h5", "h6")) == 0:
		return true
	case !isList && weight < 25 && ld > 0.2:
		return true
	case weight >= 25 && ld > 0.5:
		return true
	}
	return false
}

// sentenceEnd reports whether s ends a sentence somewhere: ". " or a final
// ".", or a Chinese full stop, exclamation or question mark.
func sentenceEnd(s string) bool {
	s = strings.TrimRight(s, " \t\n\r")
	if strings.HasSuffix(s, ".") || strings.Contains(s, ". ") {
		return true
	}
	return strings.ContainsAny(s, "。！？")
}

// quotedPost reports whether n is an embedded post the article quotes (a
// social-media post pasted as a blockquote inside an "embed" wrapper):
// such a wrapper's class says "social" or "media", yet what it holds is part
// of the story.
func quotedPost(n *html.Node) bool {
	ci := lowerClassID(n)
	if !strings.Contains(ci, "embed") {
		return false
	}
	if n.Data == "blockquote" {
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "blockquote" {
			return true
		}
	}
	return false
}

func hasVideo(n *html.Node) bool {
	for _, v := range elements(n, "iframe") {
		if isVideoURL(iframeSrc(v)) {
			return true
		}
	}
	return len(elements(n, "video")) > 0
}
