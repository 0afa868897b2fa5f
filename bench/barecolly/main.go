// Command barecolly is the framework floor of the crawl benchmark: a bare
// Colly program that reads the same feed, sitemap (index and gzipped parts)
// and listing pages as Chronicle's benchmark config, fetches every article
// they lead to and the article's images, and does nothing else (no
// extraction, no storage).
//
//	barecolly -feed URL -sitemap URL -listing URL [-max-pages 3] [-parallelism 8]
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"
)

type sitemapDoc struct {
	URLs []struct {
		Loc string `xml:"loc"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

type rssDoc struct {
	Items []struct {
		Link string `xml:"link"`
	} `xml:"channel>item"`
}

func main() {
	feed := flag.String("feed", "", "RSS feed URL")
	sitemap := flag.String("sitemap", "", "sitemap or sitemap index URL")
	listing := flag.String("listing", "", "first listing page URL")
	maxPages := flag.Int("max-pages", 3, "listing pages followed")
	par := flag.Int("parallelism", 8, "requests in flight")
	match := flag.String("match", "/article/", "substring of article URLs")
	flag.Parse()

	start := time.Now()
	var pages, images, listings, bytesIn, errs atomic.Int64
	c := colly.NewCollector(colly.Async(true), colly.UserAgent("barecolly/1.0"))
	c.IgnoreRobotsTxt = false
	c.SetRequestTimeout(30 * time.Second)
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: *par}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	visit := func(u string) {
		var av *colly.AlreadyVisitedError
		if err := c.Visit(u); err != nil && !errors.As(err, &av) {
			errs.Add(1)
		}
	}
	c.OnError(func(_ *colly.Response, err error) { errs.Add(1) })
	c.OnResponse(func(r *colly.Response) {
		bytesIn.Add(int64(len(r.Body)))
		p := r.Request.URL.Path
		switch {
		case strings.Contains(r.Request.URL.String(), *match):
			pages.Add(1)
		case strings.HasPrefix(p, "/img/"):
			images.Add(1)
		case r.Request.URL.String() == *feed:
			var d rssDoc
			if err := xml.Unmarshal(r.Body, &d); err != nil {
				errs.Add(1)
				return
			}
			for _, it := range d.Items {
				visit(strings.TrimSpace(it.Link))
			}
		case strings.Contains(p, "sitemap"):
			body := r.Body
			if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					errs.Add(1)
					return
				}
				body, err = io.ReadAll(zr)
				if err != nil {
					errs.Add(1)
					return
				}
			}
			var d sitemapDoc
			if err := xml.Unmarshal(body, &d); err != nil {
				errs.Add(1)
				return
			}
			for _, s := range d.Sitemaps {
				visit(strings.TrimSpace(s.Loc))
			}
			for _, u := range d.URLs {
				visit(strings.TrimSpace(u.Loc))
			}
		default:
			listings.Add(1)
		}
	})
	// Article pages: their images. Listing pages: their articles and the
	// next page, up to max-pages.
	c.OnHTML("img[src]", func(e *colly.HTMLElement) {
		if strings.Contains(e.Request.URL.String(), *match) {
			visit(e.Request.AbsoluteURL(e.Attr("src")))
		}
	})
	var listed atomic.Int64
	c.OnHTML("ul.river h2 a[href]", func(e *colly.HTMLElement) {
		if !strings.Contains(e.Request.URL.String(), *match) {
			visit(e.Request.AbsoluteURL(e.Attr("href")))
		}
	})
	c.OnHTML("a.next[href]", func(e *colly.HTMLElement) {
		if !strings.Contains(e.Request.URL.String(), *match) && listed.Add(1) < int64(*maxPages) {
			visit(e.Request.AbsoluteURL(e.Attr("href")))
		}
	})
	for _, u := range []string{*feed, *sitemap, *listing} {
		if u != "" {
			visit(u)
		}
	}
	c.Wait()
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"pages_fetched": pages.Load(), "images": images.Load(), "listings": listings.Load(),
		"body_bytes": bytesIn.Load(), "errors": errs.Load(), "duration_ms": time.Since(start).Milliseconds(),
	})
}
