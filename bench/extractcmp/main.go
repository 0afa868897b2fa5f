// Command extractcmp compares Chronicle's extract package with
// go-readability and go-trafilatura on the extraction corpus: body F1 (the
// Article Extraction Benchmark metric, as the corpus's score.py computes it),
// author and date accuracy, and speed in MB/s of HTML on one goroutine.
//
// Every page is decoded to UTF-8 once, before timing; the two libraries get
// the decoded page, Chronicle gets the bytes as served (it detects and decodes
// the charset itself, inside the timed call). MB/s counts the decoded bytes
// for every extractor. The extractors alternate page by page, for several
// rounds, so that they see the same machine state.
//
//	go run . -corpus ../../../shared/corpus [-rounds 5] [-out DIR]
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	readability "codeberg.org/readeck/go-readability/v2"
	"github.com/chronicle-archive/chronicle/extract"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
)

// fetchedAt is the fetch time given to Chronicle for relative dates.
var fetchedAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

type page struct {
	id  string
	u   *url.URL
	raw []byte // as served
	utf []byte // decoded to UTF-8
}

type gtEntry struct {
	URL           string `json:"url"`
	ArticleBody   string `json:"articleBody"`
	Author        string `json:"author"`
	DatePublished string `json:"datePublished"`
}

// pred is one page's prediction, in score.py's shape.
type pred struct {
	ArticleBody   string `json:"articleBody"`
	Author        string `json:"author"`
	DatePublished string `json:"datePublished"` // "" when none: score.py then counts it wrong
}

type extractor struct {
	name string
	run  func(p *page) pred
}

func main() {
	corpus := flag.String("corpus", "../../../shared/corpus", "corpus directory (holding aeb/ and zh/)")
	rounds := flag.Int("rounds", 5, "timing rounds over each set")
	out := flag.String("out", "out", "directory for the predictions JSON")
	flag.Parse()
	runtime.GOMAXPROCS(1)

	exts := []extractor{
		{"chronicle", runChronicle},
		{"go-readability v2.1.3", runReadability},
		{"go-trafilatura v1.12.2", runTrafilatura},
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	type row struct {
		set, ext                 string
		f1, p, r                 float64
		author, date             string
		mbps                     float64
		predFile                 string
		authorN, dateN, cjkPages int
	}
	var rows []row
	var cmds []string
	for _, set := range []string{"aeb", "zh"} {
		gt, pages, err := load(filepath.Join(*corpus, set))
		if err != nil {
			fail(err)
		}
		cjk := set == "zh"
		preds := make([]map[string]pred, len(exts))
		for i := range preds {
			preds[i] = map[string]pred{}
		}
		elapsed := make([]time.Duration, len(exts))
		var bytesPerRound int64
		for _, p := range pages {
			bytesPerRound += int64(len(p.utf))
		}
		runtime.GC()
		for r := 0; r < *rounds; r++ {
			for pi, p := range pages {
				for k := range exts {
					// Rotate the order page by page so no extractor always runs first.
					i := (k + pi + r) % len(exts)
					start := time.Now()
					pr := exts[i].run(p)
					elapsed[i] += time.Since(start)
					if r == 0 {
						preds[i][p.id] = pr
					}
				}
			}
		}
		for i, e := range exts {
			slug := strings.Fields(e.name)[0]
			f := filepath.Join(*out, slug+"-"+set+".json")
			b, _ := json.MarshalIndent(preds[i], "", " ")
			if err := os.WriteFile(f, b, 0o644); err != nil {
				fail(err)
			}
			tok := tokenizeAEB
			if cjk {
				tok = tokenizeCJK
			}
			var pairs [][2]string
			for _, id := range sortedKeys(gt) {
				pairs = append(pairs, [2]string{gt[id].ArticleBody, preds[i][id].ArticleBody})
			}
			m := bodyMetrics(pairs, tok)
			rw := row{set: set, ext: e.name, f1: m.f1, p: m.precision, r: m.recall, predFile: f,
				mbps: float64(bytesPerRound) * float64(*rounds) / 1e6 / elapsed[i].Seconds(), author: "-", date: "-"}
			var ap, dp [][2]string
			for _, id := range sortedKeys(gt) {
				if gt[id].Author != "" {
					ap = append(ap, [2]string{gt[id].Author, preds[i][id].Author})
				}
				if gt[id].DatePublished != "" {
					dp = append(dp, [2]string{gt[id].DatePublished, preds[i][id].DatePublished})
				}
			}
			if len(ap) > 0 {
				ex, n := authorExact(ap)
				rw.author = fmt.Sprintf("%.3f (n=%d)", ex, n)
			}
			if len(dp) > 0 {
				acc, n := dateAccuracy(dp)
				rw.date = fmt.Sprintf("%.3f (n=%d)", acc, n)
			}
			rows = append(rows, rw)
			flagCJK := ""
			if cjk {
				flagCJK = " --cjk-chars"
			}
			gtPath := filepath.Join(*corpus, set, "ground-truth.json")
			cmds = append(cmds, fmt.Sprintf("python3 %s %s --gt %s%s --n-bootstrap 0", filepath.Join(*corpus, "score.py"), f, gtPath, flagCJK))
		}
	}
	fmt.Printf("Go %s, %s/%s, GOMAXPROCS=1, %d rounds\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, *rounds)
	fmt.Println("| set | extractor | body F1 | precision | recall | author exact | date accuracy | MB/s |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		set := r.set
		if set == "zh" {
			set = "zh (cjk-chars)"
		}
		fmt.Printf("| %s | %s | %.3f | %.3f | %.3f | %s | %s | %.1f |\n", set, r.ext, r.f1, r.p, r.r, r.author, r.date, r.mbps)
	}
	fmt.Println("\nAuthor and date are scored as score.py does: only pages whose ground truth gives them;")
	fmt.Println("score.py itself counts only pages where the prediction has the field.")
	fmt.Println("\nConfirm the body figures with score.py:")
	for _, c := range cmds {
		fmt.Println("  " + c)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "extractcmp:", err)
	os.Exit(1)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func load(dir string) (map[string]gtEntry, []*page, error) {
	b, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, nil, err
	}
	gt := map[string]gtEntry{}
	if err := json.Unmarshal(b, &gt); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", dir, err)
	}
	var pages []*page
	for _, id := range sortedKeys(gt) {
		f, err := os.ReadFile(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, nil, err
		}
		zr, err := gzip.NewReader(bytes.NewReader(f))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", id, err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", id, err)
		}
		utf, _, err := extract.Decode(raw, "")
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", id, err)
		}
		u, _ := url.Parse(gt[id].URL)
		if u == nil {
			u = &url.URL{}
		}
		pages = append(pages, &page{id: id, u: u, raw: raw, utf: utf})
	}
	return gt, pages, nil
}

const dateLayout = "2006-01-02 15:04:05"

func runChronicle(p *page) pred {
	a, err := extract.Extract(extract.Input{Body: p.raw, URL: p.u, FetchedAt: fetchedAt})
	if err != nil {
		return pred{}
	}
	out := pred{ArticleBody: a.BodyText, Author: a.Author}
	if !a.Published.IsZero() {
		out.DatePublished = a.Published.Format(dateLayout)
	}
	return out
}

func runReadability(p *page) pred {
	doc, err := html.Parse(bytes.NewReader(p.utf))
	if err != nil {
		return pred{}
	}
	parser := readability.NewParser()
	a, err := parser.ParseAndMutate(doc, p.u)
	if err != nil || a.Node == nil {
		return pred{}
	}
	var b strings.Builder
	if err := a.RenderText(&b); err != nil {
		return pred{}
	}
	out := pred{ArticleBody: b.String(), Author: a.Byline()}
	if t, err := a.PublishedTime(); err == nil && !t.IsZero() {
		out.DatePublished = t.Format(dateLayout)
	}
	return out
}

func runTrafilatura(p *page) pred {
	doc, err := html.Parse(bytes.NewReader(p.utf))
	if err != nil {
		return pred{}
	}
	res, err := trafilatura.ExtractDocument(doc, trafilatura.Options{OriginalURL: p.u, EnableFallback: true})
	if err != nil || res == nil {
		return pred{}
	}
	out := pred{ArticleBody: res.ContentText, Author: res.Metadata.Author}
	if !res.Metadata.Date.IsZero() {
		out.DatePublished = res.Metadata.Date.Format(dateLayout)
	}
	return out
}
