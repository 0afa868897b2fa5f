package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that every failure
// is a located *Error while every success is a usable config.
func FuzzParse(f *testing.F) {
	f.Add(fullConfig)
	f.Add(source("article: {match: \"(\"}"))
	f.Add("x-a: &a {categories: [x]}\nsources:\n  - <<: *a\n    name: s\n    feeds: [https://e.org/]\n")
	f.Add("sources:\n  - name: s\n    schedule: \"TZ=\"\n    feeds: [https://e.org/]\n")
	f.Add("a: &a [*a]\n")
	f.Add("")
	if b, err := os.ReadFile("../../config.yaml"); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := Parse(strings.NewReader(src), "f.yaml")
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			if c != nil {
				t.Fatal("config returned with an error")
			}
			return
		}
		if c.Concurrency < 1 || c.PerHost.Parallelism < 1 || c.Timeout <= 0 || c.MaxPageBytes <= 0 {
			t.Fatalf("invalid values accepted: %+v", c)
		}
		names := map[string]bool{}
		for _, s := range c.Sources {
			if s.Location == nil || !sourceNameRE.MatchString(s.Name) || names[s.Name] {
				t.Fatalf("invalid source accepted: %+v", s)
			}
			names[s.Name] = true
			if s.Article.Match != "" && s.Article.MatchRE == nil {
				t.Fatalf("match %q not compiled", s.Article.Match)
			}
			for _, l := range s.Listings {
				if l.MaxPages < 1 {
					t.Fatalf("listing max_pages %d", l.MaxPages)
				}
			}
		}
	})
}
