package extract

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// metadata is what the page declares about itself in JSON-LD and <meta> tags.
type metadata struct {
	headline, author, published, image, url string
	sections                                []string
	metas                                   map[string]string // lower-cased name/property -> first content
}

var articleTypes = map[string]bool{
	"article": true, "newsarticle": true, "blogposting": true, "reportagenewsarticle": true,
	"analysisnewsarticle": true, "opinionnewsarticle": true, "backgroundnewsarticle": true,
	"reviewnewsarticle": true, "techarticle": true, "scholarlyarticle": true, "socialmediaposting": true,
	"liveblogposting": true, "report": true, "posting": true, "webpage": true,
}

func readMetadata(p *page) *metadata {
	m := &metadata{metas: map[string]string{}}
	p.doc.Find("meta").Each(func(_ int, s *goquery.Selection) {
		content, ok := s.Attr("content")
		if !ok {
			return
		}
		content = cleanSpace(content)
		if content == "" {
			return
		}
		for _, attr := range []string{"property", "name", "itemprop", "http-equiv"} {
			if k, ok := s.Attr(attr); ok {
				k = strings.ToLower(strings.TrimSpace(k))
				if _, dup := m.metas[k]; !dup && k != "" {
					m.metas[k] = content
				}
			}
		}
	})
	var best map[string]any
	bestRank := 0
	p.doc.Find(`script[type="application/ld+json"]`).Each(func(_ int, s *goquery.Selection) {
		var v any
		if json.Unmarshal([]byte(strings.TrimSpace(s.Text())), &v) != nil {
			return
		}
		walkLD(v, 0, func(o map[string]any) {
			rank := 0
			for _, t := range ldTypes(o) {
				if articleTypes[t] {
					rank = 1
					if t != "webpage" {
						rank = 2
					}
				}
			}
			if rank > bestRank {
				best, bestRank = o, rank
			}
		})
	})
	if best != nil {
		m.headline = cleanSpace(ldString(best["headline"]))
		if m.headline == "" {
			m.headline = cleanSpace(ldString(best["name"]))
		}
		m.author = ldNames(best["author"])
		m.published = ldString(best["datePublished"])
		if m.published == "" {
			m.published = ldString(best["dateCreated"])
		}
		m.image = ldURL(best["image"])
		if m.image == "" {
			m.image = ldURL(best["thumbnailUrl"])
		}
		m.url = ldString(best["url"])
		switch v := best["articleSection"].(type) {
		case string:
			if v = cleanSpace(v); v != "" {
				m.sections = []string{v}
			}
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok && cleanSpace(s) != "" {
					m.sections = append(m.sections, cleanSpace(s))
				}
			}
		}
	}
	if len(m.sections) == 0 {
		p.doc.Find(`meta[property="article:section"]`).Each(func(_ int, s *goquery.Selection) {
			if c := cleanSpace(s.AttrOr("content", "")); c != "" {
				m.sections = append(m.sections, c)
			}
		})
	}
	return m
}

func walkLD(v any, depth int, fn func(map[string]any)) {
	if depth > 8 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkLD(e, depth+1, fn)
		}
	case map[string]any:
		fn(x)
		if g, ok := x["@graph"]; ok {
			walkLD(g, depth+1, fn)
		}
		if me, ok := x["mainEntity"]; ok {
			walkLD(me, depth+1, fn)
		}
	}
}

func ldTypes(o map[string]any) []string {
	switch t := o["@type"].(type) {
	case string:
		return []string{strings.ToLower(t)}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, strings.ToLower(s))
			}
		}
		return out
	}
	return nil
}

func ldString(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		if len(x) > 0 {
			return ldString(x[0])
		}
	case map[string]any:
		if s, ok := x["@value"].(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

func ldURL(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		if len(x) > 0 {
			return ldURL(x[0])
		}
	case map[string]any:
		if s, ok := x["url"].(string); ok {
			return strings.TrimSpace(s)
		}
		if s, ok := x["contentUrl"].(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

func ldNames(v any) string {
	var names []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 4 {
			return
		}
		switch x := v.(type) {
		case string:
			if s := cleanSpace(x); s != "" && !looksLikeURL(s) {
				names = append(names, s)
			}
		case []any:
			for _, e := range x {
				walk(e, depth+1)
			}
		case map[string]any:
			walk(x["name"], depth+1)
		}
	}
	walk(v, 0)
	return strings.Join(dedupe(names), ", ")
}

func looksLikeURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "//")
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ---- title ----

func (p *page) title() string {
	if n := p.ruleNode(p.in.Rules.Title); n != nil {
		if t := p.nodeValue(n); t != "" {
			return t
		}
	}
	site := p.meta.metas["og:site_name"]
	for _, t := range []string{
		p.meta.headline,
		p.meta.metas["og:title"],
		p.meta.metas["twitter:title"],
	} {
		if t != "" {
			return stripSiteName(t, site)
		}
	}
	docTitle := cleanSpace(p.doc.Find("title").First().Text())
	h1 := ""
	p.doc.Find("h1").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		h1 = cleanSpace(s.Text())
		return h1 == ""
	})
	if h1 != "" && (docTitle == "" || strings.Contains(docTitle, h1) || utf8.RuneCountInString(h1) >= 6) {
		return stripSiteName(h1, site)
	}
	if docTitle != "" {
		return stripSiteName(docTitle, site)
	}
	return h1
}

var titleSeps = []string{" | ", " - ", " – ", " — ", " :: ", " · ", "_", "|", "－", " -- ", " / "}

// stripSiteName removes trailing " - Site" parts that look like a site name.
func stripSiteName(t, site string) string {
	t = cleanSpace(t)
	site = strings.ToLower(cleanSpace(site))
	for range 4 {
		cut := -1
		sepLen := 0
		for _, sep := range titleSeps {
			if i := strings.LastIndex(t, sep); i > cut {
				cut, sepLen = i, len(sep)
			}
		}
		if cut <= 0 {
			return t
		}
		rest, suffix := strings.TrimSpace(t[:cut]), strings.TrimSpace(t[cut+sepLen:])
		ls := strings.ToLower(suffix)
		siteLike := site != "" && (ls == site || strings.Contains(ls, site) || strings.Contains(site, ls))
		short := utf8.RuneCountInString(suffix) <= 16 && utf8.RuneCountInString(rest) >= 2*utf8.RuneCountInString(suffix) && utf8.RuneCountInString(rest) >= 8
		if rest == "" || !(siteLike || short) {
			return t
		}
		t = rest
	}
	return t
}

// nodeValue is what a selector's element gives: <time> its datetime, <meta>
// its content, <img> its real src, anything else its text.
func (p *page) nodeValue(n *html.Node) string {
	switch n.Data {
	case "time":
		if v := attr(n, "datetime"); v != "" {
			return cleanSpace(v)
		}
	case "meta":
		return cleanSpace(attr(n, "content"))
	case "img":
		return p.imageURL(n)
	}
	return cleanSpace(textOf(n))
}

// ---- author ----

var (
	byPrefixRe = regexp.MustCompile(`(?i)^(by|written by|posted by|author:?)\s+`)
	bylineRes  = []*regexp.Regexp{
		regexp.MustCompile(`(?:作\s*者|撰\s*文)\s*[：:]?\s*([^\n]{1,40})`),
		regexp.MustCompile(`(?:记\s*者|通讯员)\s*[：:]?\s*([^\n]{1,40})`),
		regexp.MustCompile(`(?:责任编辑|责\s*编|编\s*辑)\s*[：:]\s*([^\n]{1,40})`),
		regexp.MustCompile(`来\s*源\s*[：:]\s*([^\n]{1,40})`),
	}
	bylineWordRe = regexp.MustCompile(`作\s*者|撰\s*文|记\s*者|通讯员|编\s*辑|来\s*源`)
	nameStopRe   = regexp.MustCompile(`[（(【\[<《|｜/，,。；;！!？?：:"“”）)\]】]|来源|发布|时间|日期|编辑|责任|摄影|原标题|阅读|点击|评论|分享|字号|报道|采访|出自|表示|获悉|透露`)
	hanOnlyRe    = regexp.MustCompile(`^[\p{Han}·•]+$`)
	hanRe        = regexp.MustCompile(`\p{Han}`)
	authorNoises = map[string]bool{"本报": true, "本报记者": true, "新华社": true, "记者": true, "作者": true, "佚名": false}
)

func (p *page) author() string {
	if n := p.ruleNode(p.in.Rules.Author); n != nil {
		if t := p.nodeValue(n); t != "" {
			return cleanAuthor(t)
		}
	}
	if a := p.meta.author; a != "" {
		return a
	}
	for _, k := range []string{"author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author", "twitter:creator"} {
		if v := p.meta.metas[k]; v != "" && !looksLikeURL(v) && strings.Trim(v, "0123456789 ") != "" {
			return cleanAuthor(v)
		}
	}
	var found string
	p.doc.Find(`[itemprop="author"], [rel="author"], .author, .byline, .author-name, .byline-name, [class*="author-name"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if in(s.Get(0), "script", "style") {
			return true
		}
		var t string
		if n := s.Find(`[itemprop="name"]`); n.Length() > 0 {
			t = n.First().AttrOr("content", "")
			if t == "" {
				t = n.First().Text()
			}
		} else {
			t = s.AttrOr("content", s.Text())
		}
		t = cleanAuthor(t)
		if t != "" && utf8.RuneCountInString(t) <= 60 && !strings.ContainsAny(t, "=<>{}") {
			found = t
			return false
		}
		return true
	})
	if found != "" {
		return found
	}
	// A link whose own text says 记者 or 作者 is another page's title or a
	// section's name ("小记者训练营"), not this page's byline.
	text := blockTextSkip(bodyOf(p.root), false, func(n *html.Node) bool {
		return n.Data == "a" && bylineWordRe.MatchString(textOf(n))
	})
	for _, re := range bylineRes {
		for _, m := range re.FindAllStringSubmatch(text, 8) {
			if a := chineseName(m[1]); a != "" {
				return a
			}
		}
	}
	return ""
}

func cleanAuthor(s string) string {
	s = cleanSpace(s)
	s = byPrefixRe.ReplaceAllString(s, "")
	s = strings.TrimPrefix(s, "作者：")
	s = strings.TrimPrefix(s, "作者:")
	return strings.TrimSpace(s)
}

// chineseName keeps the names at the start of a byline tail: up to four
// whitespace- or 、-separated tokens, stopping at punctuation, digits or words
// such as 来源 and 时间.
func chineseName(s string) string {
	if loc := nameStopRe.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	s = strings.NewReplacer("、", " ", "\u3000", " ", "\u00a0", " ").Replace(s)
	var names []string
	for _, f := range strings.Fields(s) {
		if authorNoises[f] {
			continue
		}
		if !nameLike(f) {
			if len(names) == 0 {
				return ""
			}
			break
		}
		names = append(names, f)
		if len(names) == 4 {
			break
		}
	}
	return strings.Join(names, " ")
}

// nameLike accepts a personal or pen name: two to four Han characters (more
// with a middle dot), or a short token that is not a run of Han text.
func nameLike(f string) bool {
	if strings.ContainsAny(f, "0123456789=<>{}") {
		return false
	}
	n := utf8.RuneCountInString(f)
	if hanOnlyRe.MatchString(f) {
		if strings.ContainsAny(f, "·•") {
			return n <= 12
		}
		return n >= 2 && n <= 4
	}
	return n <= 20 && len(hanRe.FindAllString(f, -1)) <= 4
}

// ---- canonical, lead image ----

func (p *page) canonical() string {
	if h, ok := p.doc.Find(`link[rel~="canonical"]`).First().Attr("href"); ok {
		if u := p.abs(h); u != "" {
			return u
		}
	}
	if u := p.abs(p.meta.metas["og:url"]); u != "" {
		return u
	}
	return ""
}

func (p *page) leadImage(a *Article) string {
	for _, c := range []string{p.meta.metas["og:image"], p.meta.metas["og:image:url"], p.meta.metas["og:image:secure_url"], p.meta.metas["twitter:image"], p.meta.metas["twitter:image:src"], p.meta.image} {
		if u := p.abs(c); u != "" {
			return u
		}
	}
	if len(a.Images) > 0 {
		return a.Images[0].URL
	}
	return ""
}
