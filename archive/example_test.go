package archive_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/chronicle-archive/chronicle/archive"
)

func ExampleStore_Put() {
	dir, err := os.MkdirTemp("", "archive-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := archive.Open(filepath.Join(dir, "chronicle.db"), archive.Options{Timeout: 5 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	c := archive.Capture{
		URL:     "https://example.org/article/1",
		Source:  "example",
		Fetch:   archive.Fetch{Status: 200, Raw: []byte("<html><h1>Hello</h1></html>")},
		Content: archive.Content{Title: "Hello", BodyHTML: "<p>First.</p>"},
	}
	for _, body := range []string{"<p>First.</p>", "<p>First.</p>", "<p>Edited.</p>"} {
		c.Content.BodyHTML = body
		res, err := s.Put(ctx, c)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("version %d, changed %v\n", res.Version, res.Changed)
	}
	rep, err := s.Verify(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ok:", rep.OK, "snapshots:", rep.Snapshots)
	// Output:
	// version 1, changed true
	// version 1, changed false
	// version 2, changed true
	// ok: true snapshots: 2
}
