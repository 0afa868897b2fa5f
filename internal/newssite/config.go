package newssite

import (
	"strconv"
	"strings"
)

// ConfigYAML returns a config.yaml text for crawling the site at baseURL
// (e.g. "http://127.0.0.1:8080") into the archive at archivePath, exporting
// Hexo posts to exportDir. It has one source, "sample", with both listings
// (home and channel), the RSS and Atom feeds, the sitemap index, article
// rules and export.hexo settings; per_host delay is 0 and robots.txt is
// respected. recheck.after is 0s so that a second crawl re-fetches every
// known article (tests: "a changed page adds a version").
func ConfigYAML(baseURL, archivePath, exportDir string) string {
	base := strings.TrimRight(baseURL, "/")
	q := strconv.Quote // a Go double-quoted string is a valid YAML double-quoted scalar
	var b strings.Builder
	w := func(s string) { b.WriteString(s); b.WriteByte('\n') }
	w("# Chronicle config for the bundled sample news site (internal/newssite).")
	w("archive: " + q(archivePath))
	w(`user_agent: "chronicle-demo/1.0 (+https://github.com/chronicle-archive/chronicle)"`)
	w("concurrency: 4")
	w("per_host: {parallelism: 4, delay: 0s}")
	w("respect_robots: true")
	w("timeout: 10s")
	w("lock_timeout: 5s")
	w("max_page_bytes: 10MiB")
	w("max_asset_bytes: 20MiB")
	w("sources:")
	w("  - name: sample")
	w("    categories: [新媒体, 青川新闻, sample]")
	w("    author: 青川新闻")
	w(`    schedule: "*/30 * * * *"`)
	w("    recheck: {after: 0s, max_interval: 1h, stop_after: 90d}")
	w("    feeds:")
	w("      - " + q(base+"/rss.xml"))
	w("      - " + q(base+"/atom.xml"))
	w("    sitemaps:")
	w("      - " + q(base+"/sitemap.xml"))
	w("    listings:")
	w("      - url: " + q(base+"/"))
	w(`        links: "div.list a.article-link"`)
	w(`        next: "a.next"`)
	w("        max_pages: 1")
	w("      - url: " + q(base+"/channel/1"))
	w(`        links: "div.list a.article-link"`)
	w(`        next: "a.next"`)
	w("        max_pages: 5")
	w("    article:")
	w(`      match: '/article/[0-9]+\.html'`)
	w(`      title: "h1"`)
	w(`      body: "div.article_content"`)
	w(`      author: ".author"`)
	w(`      date: ".time"`)
	w(`      remove: [".ad", ".share"]`)
	w("export:")
	w("  hexo:")
	w("    out: " + q(exportDir))
	w("    images: local")
	return b.String()
}
