package chronicle

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/chronicle-archive/chronicle"

// layers says, for each package (by directory), which project packages and
// which third-party modules its non-test code may import. The data flows one
// way, crawler -> extract -> archive -> export / verify, and each library
// has one home.
var layers = map[string]struct {
	project []string
	third   []string
}{
	"internal/canon":      {third: []string{"golang.org/x/net/publicsuffix"}},
	"crawler":             {project: []string{"internal/canon"}, third: []string{"github.com/gocolly/colly/v2", "github.com/mmcdole/gofeed", "github.com/rs/zerolog", "github.com/temoto/robotstxt"}},
	"extract":             {third: []string{"github.com/PuerkitoBio/goquery", "github.com/andybalholm/cascadia", "github.com/microcosm-cc/bluemonday", "golang.org/x/net", "golang.org/x/text"}},
	"archive":             {third: []string{"go.etcd.io/bbolt", "github.com/klauspost/compress"}},
	"archive/archivetest": {project: []string{"archive"}},
	"export":              {project: []string{"archive"}, third: []string{"github.com/rs/zerolog", "github.com/JohannesKaufmann/html-to-markdown/v2", "github.com/nlnwa/gowarc/v3"}},
	"internal/config":     {third: []string{"github.com/goccy/go-yaml", "github.com/andybalholm/cascadia", "github.com/robfig/cron/v3"}},
	"internal/newssite":   {third: []string{"golang.org/x/text"}},
	"internal/pipeline":   {project: []string{"crawler", "extract", "archive", "internal/canon", "internal/config"}, third: []string{"github.com/rs/zerolog"}},
	"internal/cli": {project: []string{"archive", "export", "extract", "internal/canon", "internal/config", "internal/newssite", "internal/pipeline"},
		third: []string{"github.com/spf13/cobra", "github.com/rs/zerolog", "github.com/robfig/cron/v3", "github.com/aymanbagabas/go-udiff", "github.com/schollz/progressbar/v3"}},
	"cmd/chronicle": {project: []string{"internal/cli"}},
	".":             {},

	"integration/hostilesite": {},
}

func TestImportRules(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() && path != "." {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // a module of its own (bench/extractcmp), with its own dependencies
			}
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		rule, ok := layers[dir]
		if !ok {
			t.Errorf("%s: package %s has no entry in the import rules (layout_test.go)", path, dir)
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !allowed(p, rule.project, rule.third) {
				t.Errorf("%s imports %s, which the layer rules forbid for %s", path, p, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func allowed(imp string, project, third []string) bool {
	if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
		for _, p := range project {
			if rel == p {
				return true
			}
		}
		return false
	}
	first, _, _ := strings.Cut(imp, "/")
	if !strings.Contains(first, ".") {
		return true // standard library
	}
	for _, m := range third {
		if imp == m || strings.HasPrefix(imp, m+"/") {
			return true
		}
	}
	return false
}
