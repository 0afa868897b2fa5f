package extract

import (
	"golang.org/x/net/html"
)

// A page that shows several posts one after another (a blog's front page, a
// day's archive) wins the scorer as a whole, yet it is not one article. Such
// pages repeat one container per post, with the class each time, and put
// each post's own title and date between the containers. firstPost keeps
// the first post alone: the newest one, and the one whose date and author
// the metadata already describe.
//
// An article split into chunks by adverts repeats its container too, but
// nothing dated stands between its chunks; comments repeat theirs, but they
// follow the article rather than start the page.
func firstPost(root *html.Node) *html.Node {
	s := &scorer{stats: map[*html.Node]*nodeStat{}}
	total := computeStats(root, s.stats).text
	if total == 0 {
		return nil
	}
	groups := map[string][]*html.Node{}
	var order []string
	walk(root, func(n *html.Node) bool {
		if n == root || n.Type != html.ElementNode {
			return true
		}
		cl := attr(n, "class")
		if cl == "" || !postTags[n.Data] {
			return true
		}
		key := n.Data + "." + cl
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], n)
		return true
	})
	for _, key := range order {
		blocks := groups[key]
		if len(blocks) < 2 || boilerClass(lowerClassID(blocks[0])) {
			continue
		}
		nested := false
		for _, b := range blocks[1:] {
			if isAncestor(blocks[0], b) {
				nested = true
				break
			}
		}
		if nested {
			continue
		}
		// Every post holds prose of its own, and the posts hold most of
		// the page's text.
		sum, posts := 0, 0
		for _, b := range blocks {
			st := s.stats[b]
			if st.text >= 80 && s.linkDensity(b) < 0.3 {
				posts++
				sum += st.text
			}
		}
		if posts < 2 || posts*2 < len(blocks) || sum*2 < total {
			continue
		}
		first := blocks[0]
		if s.stats[first].text < 80 {
			continue
		}
		before, gap := textAround(root, first, blocks[1])
		if before*4 > total || textStat(gap).text > 400 || !hasDate(gap) {
			continue
		}
		return first
	}
	return nil
}

// postTags are the elements a post's container can be.
var postTags = map[string]bool{"div": true, "td": true, "article": true, "section": true, "li": true, "dd": true}

// textAround measures the text before a and returns the text between a's
// end and b's start.
func textAround(root, a, b *html.Node) (int, string) {
	before := 0
	var gap []byte
	state := 0 // 0 before a, 1 after a, 3 done
	walk(root, func(n *html.Node) bool {
		switch {
		case state == 3:
			return false
		case n == a:
			state = 1
			return false
		case n == b:
			state = 3
			return false
		}
		if n.Type == html.TextNode {
			switch state {
			case 0:
				before += textStat(n.Data).text
			case 1:
				if len(gap) < 4000 {
					gap = append(gap, n.Data...)
					gap = append(gap, ' ')
				}
			}
		}
		return true
	})
	return before, cleanSpace(string(gap))
}

// hasDate reports whether s holds a full date.
func hasDate(s string) bool {
	return zhDateRe.MatchString(s) || numDateRe.MatchString(s) || enDateRe.MatchString(s)
}
