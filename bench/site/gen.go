package site

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

var sections = []string{"world", "politics", "business", "technology", "science", "health", "sport", "culture", "travel", "opinion", "climate", "local"}

var words = strings.Fields(`the a of to and in that is for on with as was at by it from his her their
said would could about after before over under between city council minister government report
market company shares percent year years week month officials police court judge law bill vote
election party leader campaign people residents workers families children students school hospital
doctors patients study researchers scientists data results evidence energy power climate weather
storm flood river bridge road rail station airport flight travel tourism museum festival music film
book author artist season team match goal coach players league championship final victory defeat
price prices inflation bank interest rates budget tax spending debt trade exports imports growth
economy jobs strike union talks deal agreement plan policy reform proposal review investigation
statement spokesperson interview announced confirmed warned expected reported according local
national regional international global new old first last next major small large recent early
late public private community project program service services system network technology software
security privacy internet phone users platform online digital research development university
history century building street district village town region coast mountain island border
water food farmers harvest crops supply prices shortage demand production factory plant industry`)

var firstNames = strings.Fields("Anna Ben Clara David Elena Farid Grace Hiro Ines Jonas Kemal Lena Marco Nadia Omar Paula Quentin Rosa Sami Tara Umar Vera Wei Xenia Yusuf Zoe")
var lastNames = strings.Fields("Adams Becker Castro Dubois Eriksen Fischer Garcia Hansen Ito Jensen Kowalski Lopez Meyer Novak Okafor Petrov Quinn Rossi Silva Tanaka Ueda Varga Weber Xu Yilmaz Zhou")

func rng(kind, id uint64) *rand.Rand { return rand.New(rand.NewPCG(kind*0x9e3779b97f4a7c15+1, id)) }

func sentence(r *rand.Rand, min, max int) string {
	n := min + r.IntN(max-min+1)
	var b strings.Builder
	for i := range n {
		w := words[r.IntN(len(words))]
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if i > 2 && i < n-2 && r.IntN(12) == 0 {
			b.WriteByte(',')
		}
	}
	b.WriteByte('.')
	return b.String()
}

func paragraph(r *rand.Rand, min, max int) string {
	n := min + r.IntN(max-min+1)
	s := make([]string, n)
	for i := range s {
		s[i] = sentence(r, 8, 24)
	}
	return strings.Join(s, " ")
}

// Title is article id's headline.
func Title(id int) string {
	r := rng(1, uint64(id))
	t := strings.TrimSuffix(sentence(r, 5, 10), ".")
	return t + " (" + strconv.Itoa(id) + ")"
}

func slug(id int) string {
	t := strings.ToLower(Title(id))
	t = strings.NewReplacer(" ", "-", ",", "", "(", "", ")", "").Replace(t)
	return t
}

func articlePath(_ Options, id int) string {
	return fmt.Sprintf("/article/%d/%s.html", id, slug(id))
}

// ArticlePath is the path of article id.
func ArticlePath(id int) string { return articlePath(Options{}, id) }

func articleID(p string) int {
	rest := strings.TrimPrefix(p, "/article/")
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return -1
	}
	id, err := strconv.Atoi(rest[:i])
	if err != nil {
		return -1
	}
	return id
}

func author(id int) string {
	r := rng(2, uint64(id))
	return firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
}

func published(opt Options, id int) time.Time {
	return Base.Add(-time.Duration(opt.N-id) * 13 * time.Minute).Truncate(time.Second)
}

func sectionOf(id int) int { return int(rng(3, uint64(id)).IntN(len(sections))) }

func sectionIndex(name string) int {
	for i, s := range sections {
		if s == name {
			return i
		}
	}
	return -1
}

func head(b *bytes.Buffer, title, desc string) {
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s | The Daily Bench</title>
<meta name="description" content="%s">
<link rel="stylesheet" href="/static/site.css">
<link rel="alternate" type="application/rss+xml" title="The Daily Bench" href="/feed.xml">
`, html.EscapeString(title), html.EscapeString(desc))
}

func nav(b *bytes.Buffer) {
	b.WriteString(`<header class="site-header"><a class="logo" href="/">The Daily Bench</a>
<nav class="main-nav" aria-label="Sections"><ul>`)
	for _, s := range sections {
		fmt.Fprintf(b, `<li class="nav-item"><a class="nav-link" href="/section/%s/">%s</a></li>`, s, strings.ToUpper(s[:1])+s[1:])
	}
	b.WriteString(`</ul></nav>
<div class="header-tools"><form class="search" action="/search" method="get"><input type="search" name="q" placeholder="Search"><button type="submit">Search</button></form>
<a class="subscribe" href="#subscribe">Subscribe</a> <a class="login" href="#login">Sign in</a></div></header>
<div class="ticker" role="marquee"><span class="ticker-label">Breaking</span> Markets open higher as talks resume; storm warnings issued for the coast; council approves new budget.</div>
`)
}

func footer(b *bytes.Buffer) {
	b.WriteString(`<footer class="site-footer"><div class="footer-cols">`)
	for c := range 4 {
		fmt.Fprintf(b, `<div class="footer-col"><h4>%s</h4><ul>`, []string{"Sections", "About", "Services", "Follow"}[c])
		for i := range 8 {
			fmt.Fprintf(b, `<li><a href="#f%d-%d">%s</a></li>`, c, i, words[(c*8+i*3)%len(words)])
		}
		b.WriteString(`</ul></div>`)
	}
	b.WriteString(`</div><p class="copyright">&copy; 2026 The Daily Bench. All rights reserved. Reproduction without permission is prohibited.</p></footer>
`)
}

// script writes an inline script of about n bytes of minified-looking code.
func script(b *bytes.Buffer, r *rand.Rand, n int) {
	b.WriteString("<script>(function(w,d){'use strict';")
	start := b.Len()
	for b.Len()-start < n {
		v := words[r.IntN(len(words))]
		switch r.IntN(5) {
		case 0:
			fmt.Fprintf(b, "var %s%d=d.querySelectorAll('.%s-%d');", v[:1], r.IntN(99), v, r.IntN(40))
		case 1:
			fmt.Fprintf(b, "function %s_%x(e,t){if(!e)return t;for(var n=0;n<e.length;n++){t+=e[n]*%d}return t>>%d}", v, r.Uint32(), r.IntN(997), r.IntN(8))
		case 2:
			fmt.Fprintf(b, "w.dataLayer=w.dataLayer||[];w.dataLayer.push({event:'%s',id:%d,ts:%d});", v, r.IntN(100000), 1700000000+r.IntN(99999999))
		case 3:
			fmt.Fprintf(b, "d.addEventListener('%s',function(){w.__%s=(w.__%s||0)+%d},{passive:!0});", []string{"scroll", "click", "load", "resize"}[r.IntN(4)], v, v, r.IntN(50))
		default:
			fmt.Fprintf(b, "var cfg_%d={slot:'%s-%d',sizes:[[%d,%d],[%d,%d]],lazy:%v};", r.IntN(999), v, r.IntN(30), 300, 250, 728, 90, r.IntN(2) == 0)
		}
	}
	b.WriteString("})(window,document);</script>\n")
}

func genArticle(opt Options, id int) []byte {
	r := rng(4, uint64(id))
	target := 30000 + r.IntN(70000) // 30-100 KB
	var b bytes.Buffer
	b.Grow(target + 2000)
	title := Title(id)
	lead := paragraph(r, 2, 3)
	pub := published(opt, id)
	sec := sections[sectionOf(id)]
	auth := author(id)
	head(&b, title, lead[:min(len(lead), 150)])
	fmt.Fprintf(&b, `<meta property="og:type" content="article"><meta property="og:title" content="%s">
<meta property="og:image" content="/img/a/%d.jpg">
<meta property="article:published_time" content="%s"><meta property="article:section" content="%s">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":%q,"datePublished":%q,"author":{"@type":"Person","name":%q},"image":["/img/a/%d.jpg"],"publisher":{"@type":"Organization","name":"The Daily Bench"}}</script>
`, html.EscapeString(title), id, pub.Format(time.RFC3339), sec, title, pub.Format(time.RFC3339), auth, id)
	script(&b, r, 1500+r.IntN(2500))
	b.WriteString("</head>\n<body class=\"article-page\">\n")
	nav(&b)
	fmt.Fprintf(&b, `<main class="layout"><article class="story">
<div class="kicker"><a href="/section/%s/">%s</a></div>
<h1 class="headline">%s</h1>
<p class="standfirst">%s</p>
<p class="byline">By <a class="author" rel="author" href="#author">%s</a> &middot; <time datetime="%s">%s</time></p>
<figure class="lead-image"><img src="/img/a/%d.jpg" alt="%s" width="320" height="200"><figcaption>%s</figcaption></figure>
<div class="story-body">
`, sec, strings.ToUpper(sec[:1])+sec[1:], html.EscapeString(title), html.EscapeString(lead), auth, pub.Format(time.RFC3339), pub.Format("2 January 2006 15:04 MST"),
		id, html.EscapeString(sentence(r, 4, 8)), html.EscapeString(sentence(r, 6, 14)))
	paras := 6 + r.IntN(14)
	for i := range paras {
		if i == paras/2 {
			k := 1 + int((uint64(id)*2654435761)%uint64(opt.SharedImgs))
			fmt.Fprintf(&b, `<figure class="inline-image"><img src="/img/s/%d.png" alt="%s" width="64" height="64"><figcaption>%s</figcaption></figure>
`, k, html.EscapeString(sentence(r, 3, 6)), html.EscapeString(sentence(r, 5, 10)))
		}
		if i == 3 {
			b.WriteString(`<aside class="inline-promo"><a href="#newsletter">Sign up for our morning briefing</a></aside>` + "\n")
		}
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(paragraph(r, 2, 6)))
	}
	b.WriteString(`</div>
<div class="share"><a href="#share-fb">Share</a> <a href="#share-x">Post</a> <a href="#share-mail">Email</a> <button class="copy-link">Copy link</button></div>
<ul class="tags">`)
	for range 5 {
		fmt.Fprintf(&b, `<li><a href="#tag-%s">%s</a></li>`, words[r.IntN(len(words))], words[r.IntN(len(words))])
	}
	b.WriteString("</ul>\n</article>\n<aside class=\"sidebar\"><section class=\"most-read\"><h3>Most read</h3><ol>")
	for range 10 {
		o := 1 + r.IntN(opt.N)
		fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, articlePath(opt, o), html.EscapeString(Title(o)))
	}
	b.WriteString(`</ol></section>
<section class="ad ad-mpu"><div class="ad-slot" data-slot="mpu-1">Advertisement</div></section>
<section class="newsletter" id="newsletter"><h3>Newsletter</h3><p>The day's top stories, every morning in your inbox.</p><form><input type="email" placeholder="Email"><button>Sign up</button></form></section>
</aside>
`)
	nc := r.IntN(25)
	fmt.Fprintf(&b, `<section class="comments" id="comments"><h3>Comments (%d)</h3>`+"\n", nc)
	for c := range nc {
		fmt.Fprintf(&b, `<div class="comment" id="c%d"><span class="comment-author">%s</span> <span class="comment-time">%d hours ago</span><p>%s</p><a class="reply" href="#c%d">Reply</a></div>`+"\n",
			c, firstNames[r.IntN(len(firstNames))], 1+r.IntN(40), html.EscapeString(paragraph(r, 1, 3)), c)
	}
	b.WriteString("</section>\n<section class=\"related\"><h3>More from " + sec + "</h3>")
	for range 6 {
		o := 1 + r.IntN(opt.N)
		fmt.Fprintf(&b, `<div class="card"><a href="%s"><h4>%s</h4></a><p>%s</p></div>`, articlePath(opt, o), html.EscapeString(Title(o)), html.EscapeString(sentence(r, 10, 18)))
	}
	b.WriteString("</section>\n</main>\n")
	footer(&b)
	// Pad with inline scripts (analytics, ads, consent) up to the target size.
	for b.Len() < target-200 {
		script(&b, r, min(12000, target-200-b.Len()))
	}
	b.WriteString("</body></html>\n")
	return b.Bytes()
}

func genTiny(opt Options, id int) []byte {
	r := rng(5, uint64(id))
	title := Title(id)
	pub := published(opt, id)
	return fmt.Appendf(nil, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title></head><body>
<article><h1>%s</h1><p class="byline">By %s <time datetime="%s">%s</time></p>
<p>%s</p><p>%s</p></article></body></html>
`, title, title, author(id), pub.Format(time.RFC3339), pub.Format("2 Jan 2006"), paragraph(r, 2, 3), paragraph(r, 1, 2))
}

func genListing(opt Options, page int) []byte {
	var b bytes.Buffer
	title := "Latest news"
	if page > 1 {
		title += " - page " + strconv.Itoa(page)
	}
	head(&b, title, "The latest stories from The Daily Bench")
	b.WriteString("</head><body class=\"listing\">\n")
	nav(&b)
	b.WriteString(`<main><h1>` + title + `</h1><ul class="river">` + "\n")
	top := opt.N - (page-1)*opt.PerPage
	for id := top; id > top-opt.PerPage && id >= 1; id-- {
		r := rng(6, uint64(id))
		fmt.Fprintf(&b, `<li class="teaser"><h2><a href="%s">%s</a></h2><p>%s</p><time datetime="%s"></time></li>`+"\n",
			articlePath(opt, id), html.EscapeString(Title(id)), html.EscapeString(sentence(r, 12, 20)), published(opt, id).Format(time.RFC3339))
	}
	b.WriteString("</ul>\n<nav class=\"pagination\">")
	if page > 1 {
		fmt.Fprintf(&b, `<a class="prev" href="%s">Previous</a> `, listingPath(page-1))
	}
	if top-opt.PerPage >= 1 {
		fmt.Fprintf(&b, `<a class="next" href="%s">Next</a>`, listingPath(page+1))
	}
	b.WriteString("</nav></main>\n")
	footer(&b)
	b.WriteString("</body></html>\n")
	return b.Bytes()
}

func listingPath(page int) string {
	if page == 1 {
		return "/"
	}
	return fmt.Sprintf("/page/%d/", page)
}

// genSection lists the 20 newest articles of a section.
func genSection(opt Options, k int) []byte {
	var b bytes.Buffer
	head(&b, sections[k], "Stories in "+sections[k])
	b.WriteString("</head><body class=\"section\">\n")
	nav(&b)
	b.WriteString(`<main><h1>` + sections[k] + `</h1><ul class="river">` + "\n")
	n := 0
	for id := opt.N; id >= 1 && n < 20; id-- {
		if sectionOf(id) != k {
			continue
		}
		n++
		fmt.Fprintf(&b, `<li class="teaser"><h2><a href="%s">%s</a></h2></li>`+"\n", articlePath(opt, id), html.EscapeString(Title(id)))
	}
	b.WriteString("</ul></main>\n")
	footer(&b)
	b.WriteString("</body></html>\n")
	return b.Bytes()
}

func genFeed(opt Options, base string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>The Daily Bench</title><link>%s/</link><description>Latest news</description>
<lastBuildDate>%s</lastBuildDate>
`, base, Base.Format(time.RFC1123Z))
	for id := opt.N; id > opt.N-opt.FeedItems && id >= 1; id-- {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s%s</link><guid>%s%s</guid><pubDate>%s</pubDate><description>%s</description></item>\n",
			html.EscapeString(Title(id)), base, articlePath(opt, id), base, articlePath(opt, id), published(opt, id).Format(time.RFC1123Z),
			html.EscapeString(sentence(rng(6, uint64(id)), 12, 20)))
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

func genSitemapIndex(opt Options, base string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	parts := (opt.N + opt.PartSize - 1) / opt.PartSize
	for k := 1; k <= parts; k++ {
		fmt.Fprintf(&b, "<sitemap><loc>%s/sitemaps/articles-%d.xml.gz</loc><lastmod>%s</lastmod></sitemap>\n", base, k, Base.Format(time.RFC3339))
	}
	b.WriteString("</sitemapindex>\n")
	return b.Bytes()
}

// genSitemapPart writes part k (1-based), newest articles first.
func genSitemapPart(w io.Writer, opt Options, base string, k int) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	top := opt.N - (k-1)*opt.PartSize
	for id := top; id > top-opt.PartSize && id >= 1; id-- {
		fmt.Fprintf(&b, "<url><loc>%s%s</loc><lastmod>%s</lastmod></url>\n", base, articlePath(opt, id), published(opt, id).Add(time.Hour).Format(time.RFC3339))
		if b.Len() > 1<<16 {
			w.Write(b.Bytes())
			b.Reset()
		}
	}
	b.WriteString("</urlset>\n")
	w.Write(b.Bytes())
}

func genCSS() []byte {
	var b bytes.Buffer
	r := rng(7, 1)
	for i := range 300 {
		fmt.Fprintf(&b, ".c%d-%s{margin:%dpx %dpx;padding:%dpx;color:#%06x;font-size:%.2frem}\n", i, words[r.IntN(len(words))], r.IntN(24), r.IntN(24), r.IntN(16), r.IntN(1<<24), 0.75+r.Float64())
	}
	return b.Bytes()
}
