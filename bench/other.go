package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chronicle-archive/chronicle/bench/site"
)

// extraction runs bench/extractcmp (P3) and compares Chronicle's MB/s with
// go-trafilatura's on each corpus set.
func (h *harness) extraction() {
	corpus, _ := filepath.Abs(h.opt.corpus)
	if _, err := os.Stat(filepath.Join(corpus, "aeb")); err != nil {
		h.add("P3", "extraction MB/s", "unavailable: no corpus at "+h.opt.corpus, "", ">= 2x go-trafilatura", "n/a")
		return
	}
	rounds := "3"
	if h.opt.smoke {
		rounds = "1"
	}
	logf("P3: extractcmp over %s (%s rounds)", corpus, rounds)
	cmd := exec.Command("go", "run", ".", "-corpus", corpus, "-rounds", rounds, "-out", filepath.Join(h.work, "extractcmp"))
	cmd.Dir = "extractcmp"
	out, err := cmd.Output()
	if err != nil {
		h.add("P3", "extraction MB/s", "unavailable: extractcmp failed: "+err.Error(), "", ">= 2x go-trafilatura", "n/a")
		return
	}
	type rates struct{ chron, read, traf float64 }
	sets := map[string]*rates{}
	var order []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Split(l, "|")
		if len(f) < 10 {
			continue
		}
		set := strings.Fields(strings.TrimSpace(f[1]))
		if len(set) == 0 || (set[0] != "aeb" && set[0] != "zh") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(f[len(f)-2]), 64)
		if err != nil {
			continue
		}
		r := sets[set[0]]
		if r == nil {
			r = &rates{}
			sets[set[0]] = r
			order = append(order, set[0])
		}
		ext := strings.ToLower(f[2])
		switch {
		case strings.Contains(ext, "trafilatura"):
			r.traf = v
		case strings.Contains(ext, "readability"):
			r.read = v
		case strings.Contains(ext, "chronicle"):
			r.chron = v
		}
	}
	for _, set := range order {
		r := sets[set]
		ratio := r.chron / r.traf
		h.add("P3", fmt.Sprintf("extraction, corpus set %s, one goroutine", set),
			fmt.Sprintf("Chronicle %.1f MB/s, go-readability %.1f, go-trafilatura %.1f", r.chron, r.read, r.traf),
			fmt.Sprintf("%.2fx trafilatura", ratio), ">= 2x", yes(ratio >= 2))
	}
}

// opensslSHA256 is the single-core SHA-256 speed in MB/s on 1 MiB blocks.
func opensslSHA256(short bool) (float64, error) {
	secs := "3"
	if short {
		secs = "1"
	}
	out, err := exec.Command("openssl", "speed", "-bytes", "1048576", "-seconds", secs, "sha256").Output()
	if err != nil {
		return 0, fmt.Errorf("openssl speed: %v", err)
	}
	// The result line: "sha256   123456.78k" (1000s of bytes per second).
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && strings.EqualFold(f[0], "sha256") {
			v, err := strconv.ParseFloat(strings.TrimSuffix(f[len(f)-1], "k"), 64)
			if err == nil {
				return v / 1000, nil
			}
		}
	}
	return 0, fmt.Errorf("openssl speed: no sha256 line in %q", tail(string(out), 200))
}

// frontier measures P5 (peak RSS as the sitemap grows) and P6 (Hexo export
// of the archive of the P6-sized crawl, then again with nothing changed).
func (h *harness) frontier() {
	var rss []float64
	for _, n := range h.opt.p5 {
		full := n == h.opt.p6 && h.opt.want("P6")
		if !full && !h.opt.want("P5") {
			continue
		}
		s := site.New(site.Options{N: n, Mode: site.Tiny})
		if err := s.Start("127.0.0.1:0"); err != nil {
			fatal(err)
		}
		s.Warm()
		dir := filepath.Join(h.work, fmt.Sprintf("p5-%d", n))
		os.MkdirAll(dir, 0o755)
		cfg := writeConfig(dir, s.URL, func(c string) string {
			// The sitemap only: no feed, no listings.
			c = strings.Replace(c, `feeds: ["`+s.URL+`/feed.xml"]`, "feeds: []", 1)
			i := strings.Index(c, "    listings:")
			j := strings.Index(c, "    article:")
			return c[:i] + c[j:]
		})
		var extra []string
		if !full {
			extra = []string{"--max-duration", h.opt.p5Limit.String()}
		}
		smp, sum, err := h.chronicleCrawl(s, cfg, extra...)
		s.Close()
		if err != nil {
			fatal(err)
		}
		parts := (n + s.Options().PartSize - 1) / s.Options().PartSize
		how := "crawled to the end"
		if !full {
			how = "stopped by --max-duration " + h.opt.p5Limit.String()
		}
		logf("P5 %d URLs: %s, %s, %d articles archived, %d/%d sitemap parts read, rss %d MB, cpu %.1fs",
			n, how, smp.m.wall.Round(time.Millisecond), sum.ArticlesNew, smp.srv.Sitemaps-1, parts, smp.m.rssKB>>10, smp.m.cpu.Seconds())
		r := float64(smp.m.rssKB) / 1024
		rss = append(rss, r)
		if h.opt.want("P5") {
			target, met := "", ""
			if n == 100000 || (h.opt.smoke && n == h.opt.p5[len(h.opt.p5)-1]) {
				target, met = "<= 150 MB", yes(r <= 150)
			}
			ratio := ""
			if len(rss) > 1 {
				ratio = fmt.Sprintf("%.2fx the %d-URL run", r/rss[0], h.opt.p5[0])
			}
			h.add("P5", fmt.Sprintf("crawl of a %d-URL sitemap (tiny pages), %s", n, how),
				fmt.Sprintf("%.0f MB peak RSS; %d sitemap parts of %d read, %d articles archived in %.1f s", r, smp.srv.Sitemaps-1, parts, sum.ArticlesNew, smp.m.wall.Seconds()),
				ratio, target, met)
		}
		if full && h.opt.want("P6") {
			h.export(dir, cfg, n)
		}
	}
	if h.opt.want("P5") && len(rss) > 1 {
		flat := rss[len(rss)-1] <= 1.5*rss[0]
		h.add("P5", "flat?", fmt.Sprintf("%.0f MB at %d URLs vs %.0f MB at %d", rss[len(rss)-1], h.opt.p5[len(h.opt.p5)-1], rss[0], h.opt.p5[0]),
			fmt.Sprintf("%.2fx", rss[len(rss)-1]/rss[0]), "flat (<= 1.5x, harness criterion)", yes(flat))
	}
}

type fileState struct {
	size int64
	mod  time.Time
}

func snapshotDir(dir string) map[string]fileState {
	m := map[string]fileState{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			m[p] = fileState{fi.Size(), fi.ModTime()}
		}
		return nil
	})
	return m
}

// export is P6: export --format hexo of the archive, then the same again.
func (h *harness) export(dir, cfg string, n int) {
	out := filepath.Join(dir, "posts")
	args := []string{"--config", cfg, "--log-level", "error", "export", "--format", "hexo", "--out", out}
	m1, err := run(dir, h.chronicle, args)
	if err != nil {
		fatal(err)
	}
	first := snapshotDir(out)
	time.Sleep(20 * time.Millisecond) // so that a rewrite shows in the mtime
	m2, err := run(dir, h.chronicle, args)
	if err != nil {
		fatal(err)
	}
	second := snapshotDir(out)
	written := 0
	for p, st := range second {
		if old, ok := first[p]; !ok || old != st {
			written++
		}
	}
	removed := 0
	for p := range first {
		if _, ok := second[p]; !ok {
			removed++
		}
	}
	logf("P6: export of %d posts %s (%d files), re-export %s (%d written, %d removed)", n, m1.wall.Round(time.Millisecond), len(first), m2.wall.Round(time.Millisecond), written, removed)
	h.add("P6", fmt.Sprintf("`export --format hexo` of the %d-article archive", n),
		fmt.Sprintf("%.2f s, %d files, %.1f CPU s, %.0f MB peak RSS", m1.wall.Seconds(), len(first), m1.cpu.Seconds(), float64(m1.rssKB)/1024),
		fmt.Sprintf("%.0f posts/s", float64(n)/m1.wall.Seconds()), "", "")
	h.add("P6", "re-export, nothing changed", fmt.Sprintf("%.2f s, %d files written or changed, %d removed", m2.wall.Seconds(), written, removed),
		fmt.Sprintf("%.2f of the first export's time", m2.wall.Seconds()/m1.wall.Seconds()), "writes nothing", yes(written == 0 && removed == 0))
}

var _ = json.Unmarshal
