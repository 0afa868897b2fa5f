package extract

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCorpusScore runs Extract over an extraction corpus and writes the
// predictions for the corpus's score.py. It runs only when CHRONICLE_CORPUS
// names the corpus directory (holding aeb/ and zh/); CHRONICLE_CORPUS_OUT
// names the output directory (default: a temporary one, logged).
func TestCorpusScore(t *testing.T) {
	dir := os.Getenv("CHRONICLE_CORPUS")
	if dir == "" {
		t.Skip("CHRONICLE_CORPUS not set")
	}
	out := os.Getenv("CHRONICLE_CORPUS_OUT")
	if out == "" {
		out = t.TempDir()
	}
	for _, set := range []string{"aeb", "zh"} {
		gtRaw, err := os.ReadFile(filepath.Join(dir, set, "ground-truth.json"))
		if err != nil {
			t.Fatal(err)
		}
		var gt map[string]struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(gtRaw, &gt); err != nil {
			t.Fatal(err)
		}
		preds := map[string]map[string]string{}
		for id, g := range gt {
			raw := readGz(t, filepath.Join(dir, set, "html", id+".html.gz"))
			u, _ := url.Parse(g.URL)
			a, err := Extract(Input{Body: raw, URL: u, FetchedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Errorf("%s/%s: %v", set, id, err)
				preds[id] = map[string]string{"articleBody": ""}
				continue
			}
			p := map[string]string{"articleBody": a.BodyText, "author": a.Author, "headline": a.Title}
			if !a.Published.IsZero() {
				p["datePublished"] = a.Published.Format("2006-01-02 15:04:05")
			}
			preds[id] = p
		}
		b, _ := json.MarshalIndent(preds, "", " ")
		f := filepath.Join(out, set+".json")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", f)
	}
}

func readGz(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// BenchmarkCorpus extracts every page of the corpus named by CHRONICLE_CORPUS.
func BenchmarkCorpus(b *testing.B) {
	dir := os.Getenv("CHRONICLE_CORPUS")
	if dir == "" {
		b.Skip("CHRONICLE_CORPUS not set")
	}
	var pages [][]byte
	size := 0
	for _, set := range []string{"aeb", "zh"} {
		files, _ := filepath.Glob(filepath.Join(dir, set, "html", "*.html.gz"))
		for _, f := range files {
			raw := readGz(b, f)
			pages = append(pages, raw)
			size += len(raw)
		}
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, p := range pages {
			if _, err := Extract(Input{Body: p, FetchedAt: fetched}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
