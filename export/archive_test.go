package export

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chronicle-archive/chronicle/archive"
)

var _ Reader = (*archive.Store)(nil)

// TestHexoRealArchive exports from a real archive file.
func TestHexoRealArchive(t *testing.T) {
	ctx := context.Background()
	st, err := archive.Open(filepath.Join(t.TempDir(), "chronicle.db"), archive.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	img := []byte("\xff\xd8\xff real jpeg")
	imgURL := "https://img.example/lead.jpg"
	const url = "https://www.myzaker.com/article/6198ddd7"
	c := archive.Capture{
		URL: url, Source: "zaker",
		Fetch: archive.Fetch{URL: url, FetchedAt: t0, Status: 200, Raw: []byte("<html>raw</html>")},
		Content: archive.Content{
			Title: `推动共建: "一带一路" {% raw %}`, Published: t0.Add(-time.Hour), LeadImage: imgURL,
			BodyHTML: `<p>正文</p>` + "\n\n    " + `<img src="` + imgURL + `">`,
			Images:   []string{imgURL},
		},
		Assets:    []archive.AssetData{{URL: imgURL, ContentType: "image/jpeg", Data: img}},
		AssetRefs: []archive.AssetRef{{URL: imgURL, SHA: archive.Hash(img)}},
	}
	if _, err := st.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Fetch.FetchedAt = t0.Add(time.Hour)
	c.Content.Title = "推动共建 (updated)"
	c.Assets = nil
	if _, err := st.Put(ctx, c); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	opts := HexoOptions{Out: out, Images: ImagesLocal, AllVersions: true, Sources: map[string]SourceMeta{"zaker": zakerMD}}
	stats := export(t, st, opts)
	if stats.Written != 2 || stats.Assets != 1 {
		t.Fatalf("stats = %+v", stats)
	}
	stem := Slug(`推动共建: "一带一路" {% raw %}`)
	if got := posts(t, out); !slices.Equal(got, []string{stem + "-v2.md", stem + ".md"}) {
		t.Fatalf("files = %q", got)
	}
	p, body := parsePost(t, readFile(t, filepath.Join(out, stem+".md")))
	local := "images/" + archive.Hash(img).Short() + ".jpg"
	if p.Title != `推动共建: "一带一路" {% raw %}` || p.Author != "ZAKER" || p.HeadImg != local ||
		p.Date != t0.Add(-time.Hour).Format(dateLayout) || !slices.Equal(p.Categories, zakerMD.Categories) {
		t.Errorf("front matter = %+v", p)
	}
	if !strings.Contains(body, `<img src="`+local+`">`) {
		t.Errorf("body:\n%s", body)
	}
	checkHexoBody(t, body)
	if got := readFile(t, filepath.Join(out, filepath.FromSlash(local))); string(got) != string(img) {
		t.Errorf("copied asset = %q", got)
	}
	p, _ = parsePost(t, readFile(t, filepath.Join(out, stem+"-v2.md")))
	if p.Title != "推动共建 (updated)" {
		t.Errorf("v2 title = %q", p.Title)
	}

	ageFiles(t, out)
	before := mtimes(t, out)
	if stats := export(t, st, opts); stats.Written != 0 || stats.Unchanged != 2 || stats.Assets != 0 {
		t.Errorf("re-export stats = %+v", stats)
	}
	if !mapsEqual(before, mtimes(t, out)) {
		t.Error("re-export touched files")
	}
	if _, err := os.Stat(filepath.Join(out, manifestName)); err != nil {
		t.Error(err)
	}
}
