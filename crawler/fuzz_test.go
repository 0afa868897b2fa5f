package crawler

import (
	"slices"
	"testing"
)

func TestParseSitemap(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		index   bool
		locs    []string
		wantErr bool
	}{
		{"urlset", `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://a.example/1 </loc><lastmod>2024-01-01</lastmod></url><url><loc></loc></url><url><loc>https://a.example/2?a=1&b=2</loc></url></urlset>`, false, []string{"https://a.example/1", "https://a.example/2?a=1&b=2"}, false},
		{"index", `<sitemapindex><sitemap><loc>https://a.example/s1.xml.gz</loc></sitemap></sitemapindex>`, true, []string{"https://a.example/s1.xml.gz"}, false},
		{"prefixed namespace", `<s:urlset xmlns:s="http://www.sitemaps.org/schemas/sitemap/0.9"><s:url><s:loc>https://a.example/x</s:loc></s:url></s:urlset>`, false, []string{"https://a.example/x"}, false},
		{"gbk declared, ascii urls", "<?xml version=\"1.0\" encoding=\"GBK\"?><urlset><url><loc>https://a.example/%D6%D0</loc></url></urlset>", false, []string{"https://a.example/%D6%D0"}, false},
		{"latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><urlset><url><loc>https://a.example/caf\xe9</loc></url></urlset>", false, []string{"https://a.example/café"}, false},
		{"rss is not a sitemap", `<rss><channel></channel></rss>`, false, nil, true},
		{"empty", ``, false, nil, true},
		{"html", `<html><body>404</body></html>`, false, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			index, locs, err := parseSitemap([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if index != tt.index || !slices.Equal(locs, tt.locs) {
				t.Errorf("got index=%v %q, want index=%v %q", index, locs, tt.index, tt.locs)
			}
		})
	}
}

func TestFeedLinks(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"rss", `<rss version="2.0"><channel><item><link>https://a.example/1</link></item><item><guid>https://a.example/2</guid></item><item><guid isPermaLink="false">x-3</guid></item></channel></rss>`, []string{"https://a.example/1", "https://a.example/2"}},
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" href="https://a.example/a"/></entry><entry><link href="/rel"/></entry></feed>`, []string{"https://a.example/a", "/rel"}},
		{"json", `{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[{"id":"1","url":"https://a.example/j"}]}`, []string{"https://a.example/j"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := feedLinks([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := feedLinks([]byte("<html>not a feed</html>")); err == nil {
		t.Error("html parsed as a feed")
	}
}

func FuzzParseSitemap(f *testing.F) {
	f.Add([]byte(`<urlset><url><loc>https://a.example/1</loc></url></urlset>`))
	f.Add([]byte(`<sitemapindex><sitemap><loc>https://a.example/s.xml</loc></sitemap></sitemapindex>`))
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"GBK\"?><urlset><url><loc>\xd6\xd0</loc></url></urlset>"))
	f.Add([]byte(`<urlset><url><loc>&amp;&nbsp;&`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, locs, err := parseSitemap(b)
		if err != nil && len(locs) > 0 {
			t.Fatalf("error %v with %d locs", err, len(locs))
		}
		for _, l := range locs {
			if l == "" {
				t.Fatal("empty loc")
			}
		}
	})
}

func FuzzFeedLinks(f *testing.F) {
	f.Add([]byte(`<rss version="2.0"><channel><item><link>https://a.example/1</link></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/a"/></entry></feed>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"url":"x"}]}`))
	f.Add([]byte(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><item><link>x</link></item></rdf:RDF>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		links, err := feedLinks(b)
		if err != nil && len(links) > 0 {
			t.Fatalf("error %v with %d links", err, len(links))
		}
		for _, l := range links {
			if l == "" {
				t.Fatal("empty link")
			}
		}
	})
}
