package archive

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkOpenPerOp measures what opening the bbolt file per operation
// costs: each operation alone (open, transaction, close), against the same
// operation while the file is held open (as before readers could share the
// archive with a crawl).
func BenchmarkOpenPerOp(b *testing.B) {
	path := damageFixture(b)
	s, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	ops := map[string]func(i int) error{
		"AssetByURL": func(int) error { _, _, err := s.AssetByURL("https://example.org/img/3.png"); return err },
		"FetchState": func(int) error { _, _, err := s.FetchState("https://example.org/article/3"); return err },
		"Put": func(i int) error {
			url := fmt.Sprintf("https://example.org/bench/%d", i)
			_, err := s.Put(ctx, Capture{URL: url, Source: "b", Fetch: Fetch{URL: url, Status: 200, Raw: []byte(url)},
				Content: Content{Title: url, BodyHTML: "<p>x</p>"}})
			return err
		},
	}
	for _, name := range []string{"AssetByURL", "FetchState", "Put"} {
		for _, held := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/held=%v", name, held), func(b *testing.B) {
				if held {
					if _, err := s.acquireDB(); err != nil {
						b.Fatal(err)
					}
					s.mu.Lock()
					s.openedAt = time.Now().Add(time.Hour) // never drained
					s.mu.Unlock()
					defer s.releaseDB()
				}
				for i := 0; b.Loop(); i++ {
					if err := ops[name](i + b.N*1000); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
