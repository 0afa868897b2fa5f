package archive

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchArchive builds an archive of n articles, each with a 64 KiB-ish
// snapshot body, a 20 KiB raw page and a 200 KiB image.
func benchArchive(tb testing.TB, n int) string {
	path := filepath.Join(tb.TempDir(), "bench.db")
	s, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(7, 7))
	img := make([]byte, 200<<10)
	for i := range n {
		for j := 0; j < len(img); j += 8 {
			v := rng.Uint64()
			for k := 0; k < 8 && j+k < len(img); k++ {
				img[j+k] = byte(v >> (8 * k))
			}
		}
		url := fmt.Sprintf("https://example.org/article/%d", i)
		imgURL := fmt.Sprintf("https://example.org/img/%d.jpg", i)
		body := fmt.Sprintf("<p>article %d %x</p>", i, rng.Uint64())
		for len(body) < 64<<10 {
			body += fmt.Sprintf("<p>paragraph %x of article %d</p>", rng.Uint64(), i)
		}
		c := Capture{URL: url, Source: "bench",
			Fetch:     Fetch{URL: url, Status: 200, Raw: []byte(body[:20<<10])},
			Content:   Content{Title: url, BodyHTML: body, Images: []string{imgURL}},
			Assets:    []AssetData{{URL: imgURL, ContentType: "image/jpeg", Data: img}},
			AssetRefs: []AssetRef{{URL: imgURL, SHA: Hash(img)}},
		}
		if _, err := s.Put(context.Background(), c); err != nil {
			tb.Fatal(err)
		}
	}
	return path
}

// BenchmarkVerify measures full and fast verify of an archive of
// $CHRONICLE_BENCH_ARTICLES articles (default 200, ~55 MiB) in the page
// cache, in MB/s of file size.
func BenchmarkVerify(b *testing.B) {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("CHRONICLE_BENCH_ARTICLES")); err == nil {
		n = v
	}
	path := benchArchive(b, n)
	info, _ := os.Stat(path)
	for _, fast := range []bool{false, true} {
		b.Run(fmt.Sprintf("fast=%v", fast), func(b *testing.B) {
			_, _ = os.ReadFile(path) // into the page cache
			b.SetBytes(info.Size())
			for b.Loop() {
				rep, err := VerifyFileWith(context.Background(), path, Options{Timeout: time.Second}, VerifyOptions{Fast: fast})
				if err != nil || !rep.OK {
					b.Fatalf("%+v %v", rep, err)
				}
			}
		})
	}
}

// TestMakeBenchArchive writes an archive of n articles to a path, for
// measuring the chronicle binary on it (BENCHMARKS.md, "Verify"):
// CHRONICLE_MAKE_ARCHIVE=/tmp/a.db:300 go test -run TestMakeBenchArchive ./archive
func TestMakeBenchArchive(t *testing.T) {
	spec := os.Getenv("CHRONICLE_MAKE_ARCHIVE")
	if spec == "" {
		t.Skip("set CHRONICLE_MAKE_ARCHIVE=PATH:ARTICLES")
	}
	dest, count, ok := strings.Cut(spec, ":")
	n, err := strconv.Atoi(count)
	if !ok || err != nil {
		t.Fatalf("CHRONICLE_MAKE_ARCHIVE=%q: want PATH:ARTICLES", spec)
	}
	if err := os.Rename(benchArchive(t, n), dest); err != nil {
		t.Fatal(err)
	}
}
