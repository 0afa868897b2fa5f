package crawler

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chronicle-archive/chronicle/internal/canon"
	"github.com/mmcdole/gofeed"
)

// discover reads every seed of a source and queues the articles found.
func (r *run) discover(ctx context.Context, st *sourceState, jobs chan<- job) {
	src := st.src
	for _, f := range src.Feeds {
		r.seed(ctx, st, f, "feed", func(u string) error { return r.feed(ctx, st, u, jobs) })
	}
	for _, s := range src.Sitemaps {
		r.seed(ctx, st, s, "sitemap", func(u string) error {
			seen := map[string]bool{}
			return r.sitemap(ctx, st, u, 0, seen, jobs)
		})
	}
	for _, l := range src.Listings {
		r.seed(ctx, st, l.URL, "listing", func(u string) error { return r.listing(ctx, st, u, l, jobs) })
	}
}

// seed runs one seed and records whether it could be read.
func (r *run) seed(ctx context.Context, st *sourceState, raw, what string, read func(u string) error) {
	if ctx.Err() != nil {
		return
	}
	st.seeds.Add(1)
	u, err := canon.URL(raw)
	if err == nil {
		err = read(u)
	}
	if err != nil {
		if ctx.Err() != nil {
			st.seeds.Add(-1) // interrupted, not failed
		}
		r.fail(ctx, st, raw, "read "+what, err)
		return
	}
	st.seedsOK.Add(1)
}

func (r *run) feed(ctx context.Context, st *sourceState, u string, jobs chan<- job) error {
	p, err := r.fetch(ctx, u, kindPage, st.src.Name)
	if err != nil {
		return err
	}
	links, err := feedLinks(p.Body)
	if err != nil {
		return fmt.Errorf("parse feed %s: %w", u, err)
	}
	r.enqueue(ctx, st, baseURL(p), links, jobs)
	return nil
}

// sitemap reads a sitemap or sitemap index; indexes are followed to
// maxSitemapDepth. Errors of nested sitemaps are counted, not returned.
func (r *run) sitemap(ctx context.Context, st *sourceState, u string, depth int, seen map[string]bool, jobs chan<- job) error {
	seen[u] = true
	p, err := r.fetch(ctx, u, kindPage, st.src.Name)
	if err != nil {
		return err
	}
	index, locs, err := parseSitemap(p.Body)
	if err != nil {
		return fmt.Errorf("parse sitemap %s: %w", u, err)
	}
	base := baseURL(p)
	if !index {
		r.enqueue(ctx, st, base, locs, jobs)
		return nil
	}
	if depth >= maxSitemapDepth {
		return fmt.Errorf("sitemap %s: index nested deeper than %d", u, maxSitemapDepth)
	}
	for _, l := range locs {
		if ctx.Err() != nil {
			return nil
		}
		child, err := canon.Resolve(base, l)
		if err != nil || !isHTTP(child) || seen[child] || r.trap(st, child) {
			continue
		}
		if err := r.sitemap(ctx, st, child, depth+1, seen, jobs); err != nil {
			r.fail(ctx, st, child, "read sitemap", err)
		}
	}
	return nil
}

// listing reads up to l.MaxPages pages of a listing, following l.Next.
// Only a failure on the first page fails the seed.
func (r *run) listing(ctx context.Context, st *sourceState, u string, l Listing, jobs chan<- job) error {
	maxPages := max(l.MaxPages, 1)
	visited := map[string]bool{}
	for n := 0; n < maxPages && u != "" && !visited[u] && ctx.Err() == nil; n++ {
		visited[u] = true
		next, err := r.listingPage(ctx, st, u, l, jobs)
		if err != nil {
			if n == 0 {
				return err
			}
			r.fail(ctx, st, u, "read listing", err)
			return nil
		}
		u = ""
		for _, c := range next {
			if cu, err := canon.Resolve(nil, c); err == nil && isHTTP(cu) && !visited[cu] && !r.trap(st, cu) {
				u = cu
				break
			}
		}
	}
	return nil
}

// listingPage queues the article links of one listing page and returns the
// candidate next-page links.
func (r *run) listingPage(ctx context.Context, st *sourceState, u string, l Listing, jobs chan<- job) ([]string, error) {
	p, err := r.fetch(ctx, u, kindPage, st.src.Name)
	if err != nil {
		return nil, err
	}
	base := baseURL(p)
	ct := p.Header.Get("Content-Type")
	links, err := r.cfg.Links(p.Body, ct, base, l.Links)
	if err != nil {
		return nil, fmt.Errorf("listing %s: links %q: %w", u, l.Links, err)
	}
	r.enqueue(ctx, st, base, links, jobs)
	if l.Next == "" {
		return nil, nil
	}
	next, err := r.cfg.Links(p.Body, ct, base, l.Next)
	if err != nil {
		return nil, fmt.Errorf("listing %s: next %q: %w", u, l.Next, err)
	}
	out := make([]string, 0, len(next))
	for _, n := range next {
		if abs, err := canon.Resolve(base, n); err == nil {
			out = append(out, abs)
		}
	}
	return out, nil
}

// pending queues the article URLs an earlier run left unfinished, before
// any discovery: they are neither re-enqueued nor asked Due.
func (r *run) pending(ctx context.Context, st *sourceState, jobs chan<- job) {
	if r.state == nil {
		return
	}
	urls, err := r.state.Pending(st.src.Name)
	if err != nil {
		r.fail(ctx, st, "", "read pending urls", err)
		return
	}
	for _, u := range urls {
		if !r.claim(u) {
			continue
		}
		r.send(ctx, st, u, jobs)
	}
	if len(urls) > 0 {
		r.log.Debug().Str("source", st.src.Name).Int("pending", len(urls)).Msg("pending articles queued")
	}
}

// enqueue resolves, canonicalises and filters the links discovered on one
// page, records the new ones in State (Enqueue) and then queues them. A
// link is kept if it is http(s), matches the source, is not a spider trap,
// was not queued earlier in this run, and is due (State.Due).
func (r *run) enqueue(ctx context.Context, st *sourceState, base *url.URL, links []string, jobs chan<- job) {
	var fresh []string
	now := time.Now()
	for _, link := range links {
		u, err := canon.Resolve(base, link)
		if err != nil || !isHTTP(u) {
			r.log.Debug().Str("source", st.src.Name).Str("link", link).Msg("link skipped")
			continue
		}
		if st.src.Match != nil && !st.src.Match.MatchString(u) {
			continue
		}
		if !r.claim(u) {
			continue
		}
		if r.trap(st, u) {
			continue
		}
		if r.state != nil {
			due, err := r.state.Due(st.src.Name, u, now)
			if err != nil {
				r.log.Warn().Str("source", st.src.Name).Str("url", u).Err(err).Msg("recheck schedule unreadable; fetching")
				due = true
			}
			if !due {
				r.log.Debug().Str("source", st.src.Name).Str("url", u).Msg("known article not due")
				continue
			}
		}
		fresh = append(fresh, u)
	}
	if len(fresh) == 0 {
		return
	}
	if r.state != nil {
		if err := r.state.Enqueue(st.src.Name, fresh); err != nil {
			// Not recorded, not fetched: a crash could lose track of them.
			r.fail(ctx, st, fresh[0], "record discovered urls", err)
			return
		}
	}
	for _, u := range fresh {
		r.send(ctx, st, u, jobs)
	}
}

// claim marks u queued for this run and reports whether it was not yet.
func (r *run) claim(u string) bool {
	r.queuedMu.Lock()
	defer r.queuedMu.Unlock()
	if r.queued[u] {
		return false
	}
	r.queued[u] = true
	return true
}

// trap reports (logs at debug and counts) a URL that looks like a spider
// trap.
func (r *run) trap(st *sourceState, u string) bool {
	why := r.traps.check(u)
	if why == "" {
		return false
	}
	r.skipped.Add(1)
	r.log.Debug().Str("source", st.src.Name).Str("url", u).Str("reason", why).Msg("spider trap: url skipped")
	return true
}

func (r *run) send(ctx context.Context, st *sourceState, u string, jobs chan<- job) {
	st.discovered.Add(1)
	r.queuedN.Add(1)
	select {
	case jobs <- job{url: u, src: st}:
	case <-ctx.Done():
	}
}

func isHTTP(u string) bool {
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")
}

// baseURL is the address relative links of p resolve against.
func baseURL(p Page) *url.URL {
	for _, s := range []string{p.FinalURL, p.URL} {
		if u, err := url.Parse(s); err == nil && u.IsAbs() {
			return u
		}
	}
	return nil
}

// feedLinks returns the item links of an RSS, Atom or JSON feed, in feed
// order. Items without a link fall back to a GUID that is a URL.
func feedLinks(body []byte) (links []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			links, err = nil, fmt.Errorf("feed parser failed: %v", p)
		}
	}()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		l := strings.TrimSpace(it.Link)
		if l == "" && len(it.Links) > 0 {
			l = strings.TrimSpace(it.Links[0])
		}
		if l == "" && isHTTP(strings.TrimSpace(it.GUID)) {
			l = strings.TrimSpace(it.GUID)
		}
		if l != "" {
			links = append(links, l)
		}
	}
	return links, nil
}

// sitemapDoc covers both <urlset> and <sitemapindex> (any namespace).
type sitemapDoc struct {
	XMLName  xml.Name
	URLs     []sitemapLoc `xml:"url"`
	Sitemaps []sitemapLoc `xml:"sitemap"`
}

type sitemapLoc struct {
	Loc string `xml:"loc"`
}

var errNotSitemap = errors.New("not a sitemap")

// parseSitemap returns the locations of a sitemap; index tells whether it is
// a sitemap index (locations of sitemaps) rather than a urlset.
func parseSitemap(body []byte) (index bool, locs []string, err error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false // real sitemaps carry unescaped '&'
	d.CharsetReader = sitemapCharset
	var doc sitemapDoc
	if err := d.Decode(&doc); err != nil {
		return false, nil, fmt.Errorf("decode sitemap: %w", err)
	}
	var entries []sitemapLoc
	switch doc.XMLName.Local {
	case "urlset":
		entries = doc.URLs
	case "sitemapindex":
		index, entries = true, doc.Sitemaps
	default:
		return false, nil, fmt.Errorf("root element <%s>: %w", doc.XMLName.Local, errNotSitemap)
	}
	for _, e := range entries {
		if l := strings.TrimSpace(e.Loc); l != "" {
			locs = append(locs, l)
		}
	}
	return index, locs, nil
}

// sitemapCharset lets the XML decoder read sitemaps that declare an encoding
// other than UTF-8 (the protocol requires UTF-8): Latin-1 is converted; any
// other label is read as is, which is right for the ASCII URLs sitemaps
// almost always hold.
func sitemapCharset(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "iso-8859-1", "latin1", "latin-1", "l1", "iso_8859-1":
		return &latin1Reader{r: input}, nil
	default:
		return input, nil
	}
}

// latin1Reader converts ISO-8859-1 to UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte // converted bytes not yet returned
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.buf) == 0 {
		raw := make([]byte, max(len(p)/2, 1))
		n, err := l.r.Read(raw)
		for _, b := range raw[:n] {
			l.buf = utf8.AppendRune(l.buf, rune(b))
		}
		if len(l.buf) == 0 {
			return 0, err
		}
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}
