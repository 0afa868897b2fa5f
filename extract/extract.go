package extract

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// Limits on the work one page may cost.
const (
	MaxBodyBytes = 16 << 20 // raw page bytes
	MaxNodes     = 200_000  // parsed HTML nodes
)

// Rules are a source's CSS selectors. An empty selector, or one that matches
// nothing, leaves the field to generic extraction.
type Rules struct {
	Title, Body, Author, Date string   // CSS selectors; "" = generic
	Remove                    []string // dropped from the document before anything else
}

// Input is one fetched page.
type Input struct {
	Body        []byte         // raw bytes as served (any charset, not gzipped)
	ContentType string         // Content-Type header ("" if unknown)
	URL         *url.URL       // page address, for resolving relative links
	FetchedAt   time.Time      // for relative dates ("3小时前")
	Rules       Rules          // the source's selectors
	Location    *time.Location // zone for dates that carry none; nil = Asia/Shanghai
}

// Article is what Extract finds in a page.
type Article struct {
	Title, Author string
	Published     time.Time // zero when unknown
	Canonical     string    // absolute rel=canonical / og:url if present, else ""
	Categories    []string
	LeadImage     string // absolute URL
	BodyHTML      string // sanitised, lazy images given real src, video iframes kept
	BodyText      string // the running text of BodyHTML: figure captions and photo credits left out
	Images        []Image
	Videos        []Video
	Charset       string // the charset the page was decoded from
}

// Image is an image of the body.
type Image struct {
	URL, Alt      string
	Width, Height int
}

// Video is a video embed of the body: an iframe src from a known video host, or
// a <video>/<source> src.
type Video struct {
	URL, Poster string // Poster may be ""
}

// page is one parsed document and what every extractor needs from it.
type page struct {
	in   Input
	base *url.URL
	root *html.Node
	doc  *goquery.Document
	meta *metadata
	loc  *time.Location
}

// parse decodes and parses in.Body, enforcing the limits.
func parse(in Input) (*page, string, error) {
	if len(in.Body) > MaxBodyBytes {
		return nil, "", fmt.Errorf("page of %d bytes exceeds the %d byte limit", len(in.Body), MaxBodyBytes)
	}
	utf, cs, err := Decode(in.Body, in.ContentType)
	if err != nil {
		return nil, "", err
	}
	root, err := html.Parse(bytes.NewReader(utf))
	if err != nil {
		return nil, "", fmt.Errorf("parse html: %w", err)
	}
	if n := countNodes(root, MaxNodes+1); n > MaxNodes {
		return nil, "", fmt.Errorf("document has more than %d nodes", MaxNodes)
	}
	base := in.URL
	if base == nil {
		base = &url.URL{}
	}
	// A <base href> changes how relative links resolve.
	doc := goquery.NewDocumentFromNode(root)
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if u, err := base.Parse(strings.TrimSpace(href)); err == nil && u.IsAbs() {
			base = u
		}
	}
	loc := in.Location
	if loc == nil {
		loc = shanghai()
	}
	return &page{in: in, base: base, root: root, doc: doc, loc: loc}, cs, nil
}

func countNodes(n *html.Node, limit int) int {
	count := 0
	stack := []*html.Node{n}
	for len(stack) > 0 && count < limit {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		count++
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, c)
		}
	}
	return count
}

// Extract finds the article in one page.
func Extract(in Input) (*Article, error) {
	p, cs, err := parse(in)
	if err != nil {
		return nil, fmt.Errorf("parse page: %w", err)
	}
	for _, sel := range in.Rules.Remove {
		if strings.TrimSpace(sel) != "" {
			p.doc.Find(sel).Remove()
		}
	}
	p.meta = readMetadata(p)
	a := &Article{Charset: cs}
	a.Title = p.title()
	a.Author = p.author()
	a.Published = p.published()
	a.Canonical = p.canonical()
	a.Categories = p.meta.sections

	body := p.ruleNode(in.Rules.Body)
	if body == nil {
		body = p.generic()
	}
	if body != nil {
		p.finishBody(body, a)
	}
	a.LeadImage = p.leadImage(a)
	return a, nil
}

// ruleNode is the first element matching sel, or nil.
func (p *page) ruleNode(sel string) *html.Node {
	if strings.TrimSpace(sel) == "" {
		return nil
	}
	s := p.doc.Find(sel)
	if s.Length() == 0 {
		return nil
	}
	return s.Get(0)
}

// Links returns the absolute hrefs of the <a> elements matching selector, or
// of the <a> elements inside the elements matching it, in document order and
// without duplicates. javascript:, mailto:, tel: and fragment-only links are
// skipped and fragments are removed.
func Links(in Input, selector string) ([]string, error) {
	p, _, err := parse(in)
	if err != nil {
		return nil, fmt.Errorf("links: %w", err)
	}
	if strings.TrimSpace(selector) == "" {
		selector = "a"
	}
	var out []string
	seen := map[string]bool{}
	add := func(href string) {
		u := p.abs(href)
		if u == "" || seen[u] {
			return
		}
		seen[u] = true
		out = append(out, u)
	}
	p.doc.Find(selector).Each(func(_ int, s *goquery.Selection) {
		if goquery.NodeName(s) == "a" {
			if h, ok := s.Attr("href"); ok {
				add(h)
			}
			return
		}
		s.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
			h, _ := a.Attr("href")
			add(h)
		})
	})
	return out, nil
}

// abs resolves ref against the page address; "" for refs that are not web
// links (javascript:, mailto:, data:, fragment-only, unparsable).
func (p *page) abs(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ""
	}
	u, err := p.base.Parse(ref)
	if err != nil {
		return ""
	}
	if u.Scheme == "" && u.Host != "" {
		u.Scheme = "https"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	if u.Host == "" {
		return ""
	}
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}
