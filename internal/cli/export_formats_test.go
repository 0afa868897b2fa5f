package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportFormats(t *testing.T) {
	e := newEnv(t)
	e.crawl()
	n := len(e.list())

	hugo := filepath.Join(e.dir, "hugo")
	e.must("export", "--format", "hugo", "--out", hugo)
	bundles, err := os.ReadDir(filepath.Join(hugo, "content", "posts"))
	if err != nil || len(bundles) != n {
		t.Fatalf("hugo bundles: %d, %v; want %d", len(bundles), err, n)
	}
	if out := e.must("export", "--format", "hugo", "--out", hugo); !strings.Contains(out, " 0 posts written") {
		t.Errorf("hugo re-export: %s", out)
	}

	js := filepath.Join(e.dir, "json")
	e.must("export", "--format", "json", "--out", js, "--all-versions")
	f, err := os.Open(filepath.Join(js, "chronicle.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var rec struct {
			URL    string `json:"url"`
			Assets []struct {
				SHA256 string `json:"sha256"`
			} `json:"assets"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.URL == "" {
			t.Errorf("line %d: %v", lines+1, err)
		}
		lines++
	}
	if lines != n {
		t.Errorf("%d JSON lines, want %d", lines, n)
	}
	if out := e.must("export", "--format", "json", "--out", "-", "--since", "2999-01-01T00:00:00Z"); out != "" {
		t.Errorf("--since in the future printed %q", out)
	}

	warc := filepath.Join(e.dir, "warc")
	if out := e.must("export", "--format", "warc", "--out", warc); !strings.Contains(out, "written") {
		t.Errorf("warc export: %s", out)
	}
	if out := e.must("export", "--format", "warc", "--out", warc); !strings.Contains(out, "unchanged") {
		t.Errorf("warc re-export: %s", out)
	}
	if code, _, errs := e.run("export", "--format", "pdf"); code != 2 || !strings.Contains(errs, "hexo, hugo, json or warc") {
		t.Errorf("--format pdf: exit %d, %s", code, errs)
	}
	if code, _, _ := e.run("export", "--format", "warc", "--out", "-"); code != 2 {
		t.Errorf("--format warc --out -: exit %d, want 2", code)
	}
}
