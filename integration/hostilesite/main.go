// Command hostilesite serves a small news site whose titles and bodies are
// built to break static-site generators (YAML front matter specials, Hexo's
// Nunjucks tags, indented HTML after blank lines, emoji), writes a Chronicle
// config that crawls it, and writes what every exported post must show, for
// integration/run.sh.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// titles each hit one trap of Hexo 8 or YAML.
var titles = []string{
	"Breaking: markets fall",
	"[Update] the list is back",
	"@everyone look here",
	"Issue #42 fixed #today",
	"Templates {% raw %} and {% endraw %} and {% if x %}",
	"Curly {{ site.title }} braces",
	`"Quoted" and 'single' quotes`,
	"Emoji 🎉 news 🚀 today",
	"推动共建: 中文标题 {{ x }}",
	"- dash, ? question, * star",
	"&anchor *alias !tag | pipe > gt",
	"yes",
	"2021-11-20",
	"% percent and ` backtick",
}

// article is one page of the site, and what its exported post must show.
type article struct {
	N          int      `json:"n"`
	Path       string   `json:"path"`
	Title      string   `json:"title"`
	Date       string   `json:"date"`  // the instant, RFC 3339 UTC
	Texts      []string `json:"texts"` // body text every post page must hold
	Images     int      `json:"images"`
	Categories []string `json:"categories"`
}

var categories = []string{"News", "World: Asia"}

func articles() []article {
	base := time.Date(2021, 11, 20, 4, 27, 24, 0, time.UTC)
	var out []article
	for i, t := range titles {
		out = append(out, article{
			N: i + 1, Path: fmt.Sprintf("/article/%d.html", i+1), Title: t,
			Date: base.Add(time.Duration(i) * 7 * time.Hour).Format(time.RFC3339),
			Texts: []string{
				fmt.Sprintf("First paragraph of story %d.", i+1),
				fmt.Sprintf("Indented after a blank line, story %d.", i+1),
				"Unbalanced {% if and {{ braces }} stay text.",
			},
			Images:     2,
			Categories: categories,
		})
	}
	out[0].Images = 3 // the shared image again, at another URL: a WARC revisit
	return out
}

func page(a article) string {
	// The date is written in the page's zone (+08:00) to exercise parsing.
	t, _ := time.Parse(time.RFC3339, a.Date)
	local := t.In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)
	extra := ""
	if a.Images > 2 {
		extra = `<p><img src="/img/copy.png" alt="the shared picture again"></p>` + "\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html><head><meta charset="utf-8"><title>%s</title></head><body>
<h1>%s</h1>
<div class="author">Reporter %d</div>
<time class="time" datetime="%s">%s</time>
<div class="article_content">
<p>%s</p>

    <p>%s</p>

<p><img src="/img/%d.png" alt="picture %d"></p>
<p>%s</p>
<p><img data-src="/img/shared.png" src="/img/placeholder.gif" alt="shared"></p>
%s</div>
</body></html>
`, html.EscapeString(a.Title), html.EscapeString(a.Title), a.N, local, local,
		html.EscapeString(a.Texts[0]), html.EscapeString(a.Texts[1]), a.N, a.N, html.EscapeString(a.Texts[2]), extra)
	return b.String()
}

func pngBytes(seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := 0; x < 8; x++ {
		for y := 0; y < 8; y++ {
			img.Set(x, y, color.RGBA{uint8(seed * 37), uint8(x * 30), uint8(y * 30), 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

func main() {
	dir := flag.String("dir", ".", "directory for config.yaml and expected.json")
	flag.Parse()
	arts := articles()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><meta charset="utf-8"><title>Hostile news</title></head><body><div class="list">`)
		for _, a := range arts {
			fmt.Fprintf(w, `<a class="article-link" href="%s">%s</a>`+"\n", a.Path, html.EscapeString(a.Title))
		}
		fmt.Fprint(w, `</div></body></html>`)
	})
	for _, a := range arts {
		body := page(a)
		mux.HandleFunc(a.Path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Last-Modified", "Sat, 20 Nov 2021 04:27:24 GMT")
			fmt.Fprint(w, body)
		})
	}
	mux.HandleFunc("/img/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/img/"), ".png")
		seed := 0
		if name != "shared" && name != "copy" {
			n, err := strconv.Atoi(name)
			if err != nil {
				http.NotFound(w, r)
				return
			}
			seed = n
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(pngBytes(seed))
	})
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "User-agent: *\nAllow: /\n") })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	q := strconv.Quote
	cfg := strings.Join([]string{
		"archive: " + q(*dir+"/chronicle.db"),
		"per_host: {parallelism: 4, delay: 0s}",
		"timeout: 10s",
		"sources:",
		"  - name: hostile",
		"    categories: [" + q(categories[0]) + ", " + q(categories[1]) + "]",
		"    author: Hostile Desk",
		"    timezone: Asia/Shanghai",
		"    listings:",
		"      - url: " + q(base+"/"),
		`        links: "div.list a.article-link"`,
		"        max_pages: 1",
		"    article:",
		`      match: '/article/[0-9]+\.html'`,
		`      title: "h1"`,
		`      body: "div.article_content"`,
		`      author: ".author"`,
		`      date: ".time"`,
		"export:",
		"  hexo: {out: " + q(*dir+"/site/source/_posts") + ", images: local, date: local, timezone: Asia/Shanghai, categories: hierarchy}",
		"  warc: {out: " + q(*dir+"/warc") + "}",
		"",
	}, "\n")
	if err := os.WriteFile(*dir+"/config.yaml", []byte(cfg), 0o644); err != nil {
		log.Fatal(err)
	}
	exp, _ := json.MarshalIndent(arts, "", "  ")
	if err := os.WriteFile(*dir+"/expected.json", exp, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println(base)
	go func() { log.Fatal(http.Serve(ln, mux)) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
}
