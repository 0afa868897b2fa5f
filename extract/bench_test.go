package extract

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkExtract(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	var pages [][]byte
	size := 0
	for _, f := range files {
		p, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, p)
		size += len(p)
	}
	u := mustURL(b, "https://example.org/a/1.html")
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, p := range pages {
			if _, err := Extract(Input{Body: p, URL: u, FetchedAt: fetched}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
