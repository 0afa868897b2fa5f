package newssite

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"time"
)

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Items         []rssItem `xml:"item"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	Description string  `xml:"description"`
	Author      string  `xml:"author,omitempty"`
	PubDate     string  `xml:"pubDate"`
	GUID        rssGUID `xml:"guid"`
}

// rss is the RSS 2.0 feed: articles flagged "rss" (1002 with a tracking
// parameter in its link).
func (s *Site) rss(base string) []byte {
	doc := rssDoc{Version: "2.0", Channel: rssChannel{
		Title: "青川新闻", Link: base + "/", Description: "青川新闻（虚构的样例站点）",
		Language: "zh-cn", LastBuildDate: s.latest().Format(time.RFC1123Z),
	}}
	for _, a := range s.order {
		if !a.RSS {
			continue
		}
		link := base + a.path()
		if a.ID == "1002" {
			link += "?utm_source=rss&utm_medium=feed"
		}
		doc.Channel.Items = append(doc.Channel.Items, rssItem{
			Title: a.Title, Link: link, Description: a.Summary, Author: a.Author,
			PubDate: a.published.Format(time.RFC1123Z),
			GUID:    rssGUID{IsPermaLink: "false", Value: "qingchuan-" + a.ID},
		})
	}
	return marshalXML(doc)
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title     string     `xml:"title"`
	Link      atomLink   `xml:"link"`
	ID        string     `xml:"id"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Author    atomPerson `xml:"author"`
	Summary   string     `xml:"summary"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

// atom is the Atom feed: articles flagged "atom" (1007 appears nowhere else).
func (s *Site) atom(base string) []byte {
	f := atomFeed{
		Title: "青川新闻", ID: "tag:qingchuan.example,2021:feed",
		Updated: s.latest().Format(time.RFC3339),
		Links:   []atomLink{{Href: base + "/atom.xml", Rel: "self"}, {Href: base + "/", Rel: "alternate", Type: "text/html"}},
	}
	for _, a := range s.order {
		if !a.Atom {
			continue
		}
		f.Entries = append(f.Entries, atomEntry{
			Title: a.Title, Link: atomLink{Href: base + a.path(), Rel: "alternate", Type: "text/html"},
			ID:      "tag:qingchuan.example,2021:article-" + a.ID,
			Updated: a.published.Format(time.RFC3339), Published: a.published.Format(time.RFC3339),
			Author: atomPerson{Name: a.Author}, Summary: a.Summary,
		})
	}
	return marshalXML(f)
}

type sitemapLoc struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []sitemapLoc `xml:"sitemap"`
}

type urlSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapLoc `xml:"url"`
}

func (s *Site) sitemapIndex(base string) []byte {
	return marshalXML(sitemapIndex{Sitemaps: []sitemapLoc{{
		Loc: base + "/sitemap-articles.xml.gz", LastMod: s.latest().Format(time.RFC3339),
	}}})
}

// sitemapArticles is the gzipped urlset of articles flagged "sitemap" (1006
// appears nowhere else).
func (s *Site) sitemapArticles(base string) []byte {
	var u urlSet
	for _, a := range s.order {
		if a.Sitemap {
			u.URLs = append(u.URLs, sitemapLoc{Loc: base + a.path(), LastMod: a.published.Format(time.RFC3339)})
		}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(marshalXML(u))
	_ = zw.Close()
	return buf.Bytes()
}

func (s *Site) latest() time.Time {
	var t time.Time
	for _, a := range s.order {
		if a.published.After(t) {
			t = a.published
		}
	}
	return t
}

func marshalXML(v any) []byte {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		panic("newssite: " + err.Error()) // static structures: cannot fail
	}
	return append([]byte(xml.Header), append(b, '\n')...)
}
