package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExtractSavedPages(t *testing.T) {
	e := newEnv(t)
	// Save two pages as a user would with curl: one gzipped, one GBK.
	save := func(path, name string, gz bool) string {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if gz {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(body)
			zw.Close()
			body = b.Bytes()
		}
		f := filepath.Join(e.dir, name)
		if err := os.WriteFile(f, body, 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	zaker := save("/article/1002.html", "1002.html.gz", true)
	gbk := save("/article/1005.html", "1005.html", false)

	out := e.must("extract", "--json", "--url", e.srv.URL+"/article/1002.html", zaker, gbk)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one JSON line per file, got %d:\n%s", len(lines), out)
	}
	wantKeys := "body_html,body_text,author,file,images,lead_image,published,title,url,videos"
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if len(m) != len(strings.Split(wantKeys, ",")) {
			t.Errorf("line %d: keys %v, want %s", i, m, wantKeys)
		}
		for _, k := range strings.Split(wantKeys, ",") {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d: no %q", i, k)
			}
		}
	}
	var first, second extractJSON
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[1]), &second)
	if first.Title != "市科技馆“宇宙与生命”新展厅开放 三百余件展品等你来探索" || len(first.Videos) != 1 || first.Published != "2021-11-19T10:05:00Z" {
		t.Errorf("gzipped page: %+v", first)
	}
	if second.Title != "百年老街完成修缮 重现青砖黛瓦旧时风貌" {
		t.Errorf("GBK page title %q", second.Title)
	}
	// --url picked the sample source's rules: the .ad and .share blocks are gone.
	for _, text := range []string{"广告：本地生活优惠", "微博", "分享 "} {
		if strings.Contains(first.BodyText, text) {
			t.Errorf("the source's remove rules were not applied: body text keeps %q", text)
		}
	}

	if code, _, _ := e.run("extract", filepath.Join(e.dir, "missing.html")); code != ExitFailure {
		t.Errorf("extract of a missing file: exit %d, want 1", code)
	}
}
