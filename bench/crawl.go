package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/chronicle-archive/chronicle/bench/site"
)

// crawlSummary is what `chronicle crawl --json` prints.
type crawlSummary struct {
	PagesFetched      int64 `json:"pages_fetched"`
	ArticlesNew       int64 `json:"articles_new"`
	ArticlesUnchanged int64 `json:"articles_unchanged"`
	AssetsNew         int64 `json:"assets_new"`
	AssetsBytes       int64 `json:"assets_bytes"`
	Errors            int64 `json:"errors"`
	DurationMS        int64 `json:"duration_ms"`
}

type verifySummary struct {
	OK           bool  `json:"ok"`
	Articles     int64 `json:"articles"`
	BytesChecked int64 `json:"bytes_checked"`
}

// sample is one crawler run, with the server's view of it.
type sample struct {
	m   measured
	srv site.Snapshot
}

func (s sample) pagesPerSec() float64 { return float64(s.srv.Articles) / s.m.wall.Seconds() }

// writeConfig writes config.yaml for a site into dir, with the archive in
// dir, and returns its path.
func writeConfig(dir, siteURL string, edit func(string) string) string {
	c := strings.ReplaceAll(configTemplate, templateHost, siteURL)
	c = strings.Replace(c, "archive: data/chronicle.db", "archive: chronicle.db", 1)
	if edit != nil {
		c = edit(c)
	}
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
		fatal(err)
	}
	return p
}

// chronicleCrawl runs one crawl and returns its measure, its summary and
// what the server saw.
func (h *harness) chronicleCrawl(s *site.Site, cfg string, extra ...string) (sample, crawlSummary, error) {
	s.CloseIdle()
	before := s.Snapshot()
	args := append([]string{"--config", cfg, "--log-level", "error", "crawl", "--json"}, extra...)
	m, err := run(filepath.Dir(cfg), h.chronicle, args)
	smp := sample{m: m, srv: s.Snapshot().Sub(before)}
	var sum crawlSummary
	if err == nil {
		if jerr := json.Unmarshal(m.stdout, &sum); jerr != nil {
			err = fmt.Errorf("crawl --json: %v: %q", jerr, tail(string(m.stdout), 300))
		}
	}
	return smp, sum, err
}

func (h *harness) crawls() {
	o := h.opt
	logf("generating the site: %d articles", o.n)
	s := site.New(site.Options{N: o.n})
	if err := s.Start("127.0.0.1:0"); err != nil {
		fatal(err)
	}
	defer s.Close()
	s.Warm()
	htmlB, imgB := s.ContentBytes()
	logf("site on %s: %.1f MB of article HTML (%.0f KB each on average), %.1f MB of distinct images", s.URL, mb(htmlB), float64(htmlB)/float64(o.n)/1e3, mb(imgB))

	var chron, colly, wget, recrawl []sample
	var verifyMBs, verifyWall []float64
	var verifyBytes []int64
	var archiveRatio []float64
	var archiveSize []int64
	crawlers := []string{"chronicle", "colly", "wget"}
	for r := range o.runs {
		for i := range crawlers {
			name := crawlers[(i+r)%len(crawlers)]
			dir := filepath.Join(h.work, fmt.Sprintf("run%d-%s", r+1, name))
			os.MkdirAll(dir, 0o755)
			switch name {
			case "chronicle":
				cfg := writeConfig(dir, s.URL, nil)
				smp, sum, err := h.chronicleCrawl(s, cfg)
				if err != nil {
					fatal(err)
				}
				chron = append(chron, smp)
				logf("run %d chronicle crawl: %s, %d articles (%d new, %d errors), %.1f MB sent, %.0f pages/s, cpu %.1fs, rss %d MB",
					r+1, smp.m.wall.Round(time.Millisecond), smp.srv.Articles, sum.ArticlesNew, sum.Errors, mb(smp.srv.BytesOut), smp.pagesPerSec(), smp.m.cpu.Seconds(), smp.m.rssKB>>10)
				if sum.Errors > 0 {
					h.note("run %d: Chronicle's first crawl counted %d errors", r+1, sum.Errors)
				}
				db := filepath.Join(dir, "chronicle.db")
				size := fileSize(db)
				archiveSize = append(archiveSize, size)
				archiveRatio = append(archiveRatio, float64(size)/float64(smp.srv.BytesOut))

				// P2: the same archive, nothing changed on the site. The
				// pause lets recheck.after (1s) pass for the last articles.
				time.Sleep(1100 * time.Millisecond)
				smp2, sum2, err := h.chronicleCrawl(s, cfg)
				if err != nil {
					fatal(err)
				}
				recrawl = append(recrawl, smp2)
				logf("run %d chronicle re-crawl: %s, %d article requests (%d answered 304, %d unchanged), %.2f MB sent",
					r+1, smp2.m.wall.Round(time.Millisecond), smp2.srv.Articles, smp2.srv.NotModified, sum2.ArticlesUnchanged, mb(smp2.srv.BytesOut))

				// P4: verify the archive.
				m, err := run(dir, h.chronicle, []string{"--config", cfg, "--log-level", "error", "verify", "--json"})
				if err != nil {
					fatal(err)
				}
				var v verifySummary
				if err := json.Unmarshal(m.stdout, &v); err != nil || !v.OK {
					fatal(fmt.Errorf("verify: ok=%v err=%v: %s", v.OK, err, tail(string(m.stdout), 300)))
				}
				verifyMBs = append(verifyMBs, float64(v.BytesChecked)/1e6/m.wall.Seconds())
				verifyWall = append(verifyWall, m.wall.Seconds())
				verifyBytes = append(verifyBytes, v.BytesChecked)
				logf("run %d chronicle verify: %s, %.1f MB checked, %.0f MB/s", r+1, m.wall.Round(time.Millisecond), mb(v.BytesChecked), verifyMBs[len(verifyMBs)-1])
			case "colly":
				s.CloseIdle()
				before := s.Snapshot()
				m, err := run(dir, h.colly, []string{"-feed", s.URL + "/feed.xml", "-sitemap", s.URL + "/sitemap.xml", "-listing", s.URL + "/", "-max-pages", "3", "-parallelism", "8"})
				if err != nil {
					fatal(err)
				}
				smp := sample{m: m, srv: s.Snapshot().Sub(before)}
				colly = append(colly, smp)
				logf("run %d bare colly: %s, %d articles, %d images, %.1f MB sent, %.0f pages/s, cpu %.1fs, rss %d MB",
					r+1, m.wall.Round(time.Millisecond), smp.srv.Articles, smp.srv.Images, mb(smp.srv.BytesOut), smp.pagesPerSec(), m.cpu.Seconds(), m.rssKB>>10)
			case "wget":
				if h.wget == "" {
					continue
				}
				s.CloseIdle()
				before := s.Snapshot()
				m, err := run(dir, h.wget, []string{"--mirror", "--page-requisites", "--no-parent", "-q", "-P", filepath.Join(dir, "mirror"),
					"--user-agent", "wget-bench", s.URL + "/"}, 8)
				if err != nil {
					fatal(err)
				}
				smp := sample{m: m, srv: s.Snapshot().Sub(before)}
				wget = append(wget, smp)
				logf("run %d wget --mirror: %s, %d articles, %d images, %d listings, %.1f MB sent, %.0f pages/s, cpu %.1fs, rss %d MB",
					r+1, m.wall.Round(time.Millisecond), smp.srv.Articles, smp.srv.Images, smp.srv.Listings, mb(smp.srv.BytesOut), smp.pagesPerSec(), m.cpu.Seconds(), m.rssKB>>10)
			}
			os.RemoveAll(filepath.Join(dir, "mirror"))
		}
	}

	med := func(ss []sample, f func(sample) float64) float64 {
		xs := make([]float64, len(ss))
		for i, s := range ss {
			xs[i] = f(s)
		}
		return median(xs)
	}
	pps := func(s sample) float64 { return s.pagesPerSec() }
	cpu := func(s sample) float64 { return s.m.cpu.Seconds() }
	rss := func(s sample) float64 { return float64(s.m.rssKB) / 1024 }
	wall := func(s sample) float64 { return s.m.wall.Seconds() }
	bytesOut := func(s sample) float64 { return float64(s.srv.BytesOut) }
	arts := func(s sample) float64 { return float64(s.srv.Articles) }
	imgs := func(s sample) float64 { return float64(s.srv.Images) }

	cp, kp := med(chron, pps), med(colly, pps)
	if o.want("P1") {
		h.add("P1", fmt.Sprintf("Chronicle first crawl (%.0f articles + %.0f images, fetch+extract+archive)", med(chron, arts), med(chron, imgs)),
			fmt.Sprintf("%.0f pages/s, %.1f s wall, %.1f CPU s, %.0f MB peak RSS", cp, med(chron, wall), med(chron, cpu), med(chron, rss)), "", "", "")
		h.add("P1", fmt.Sprintf("bare Colly, same pages and images (%.0f + %.0f)", med(colly, arts), med(colly, imgs)),
			fmt.Sprintf("%.0f pages/s, %.1f s wall, %.1f CPU s, %.0f MB peak RSS", kp, med(colly, wall), med(colly, cpu), med(colly, rss)),
			fmt.Sprintf("Chronicle/Colly %.2fx", cp/kp), ">= 0.8x", yes(cp/kp >= 0.8))
		if h.wget != "" {
			wp := med(wget, pps)
			h.add("P1", fmt.Sprintf("wget --mirror --page-requisites, one connection (%.0f + %.0f)", med(wget, arts), med(wget, imgs)),
				fmt.Sprintf("%.0f pages/s, %.1f s wall, %.1f CPU s, %.0f MB peak RSS", wp, med(wget, wall), med(wget, cpu), med(wget, rss)),
				fmt.Sprintf("Chronicle/wget %.2fx", cp/wp), ">= 1.2x", yes(cp/wp >= 1.2))
		} else {
			h.add("P1", "wget --mirror", "unavailable: "+h.wgetWhy, "", ">= 1.2x", "n/a")
		}
		h.add("P1", "CPU per article: Chronicle / bare Colly", fmt.Sprintf("%.2f ms / %.2f ms", 1e3*med(chron, cpu)/med(chron, arts), 1e3*med(colly, cpu)/med(colly, arts)),
			fmt.Sprintf("%.1fx", (med(chron, cpu)/med(chron, arts))/(med(colly, cpu)/med(colly, arts))), "", "")
	}
	if o.want("P2") {
		bRatio := med(recrawl, bytesOut) / med(chron, bytesOut)
		tRatio := med(recrawl, wall) / med(chron, wall)
		h.add("P2", fmt.Sprintf("re-crawl, nothing changed (%.0f article requests, %.0f answered 304)", med(recrawl, arts), med(recrawl, func(s sample) float64 { return float64(s.srv.NotModified) })),
			fmt.Sprintf("%.1f MB sent (P1 %.1f MB), %.1f s (P1 %.1f s)", mb(int64(med(recrawl, bytesOut))), mb(int64(med(chron, bytesOut))), med(recrawl, wall), med(chron, wall)),
			fmt.Sprintf("bytes %.2f, time %.2f", bRatio, tRatio), "bytes <= 0.10, time <= 0.30", yes(bRatio <= 0.10 && tRatio <= 0.30))
	}
	if o.want("P4") {
		v := median(verifyMBs)
		limit, err := opensslSHA256(o.smoke)
		if err != nil {
			h.add("P4", "verify", fmt.Sprintf("%.0f MB/s", v), "", ">= 0.7x SHA-256", "n/a: "+err.Error())
		} else {
			h.add("P4", fmt.Sprintf("`verify` of the P1 archive (%.0f MB checked in %.2f s)", mb(verifyBytes[0]), median(verifyWall)),
				fmt.Sprintf("%.0f MB/s (openssl SHA-256, 1 core: %.0f MB/s)", v, limit), fmt.Sprintf("%.2fx", v/limit), ">= 0.7x", yes(v/limit >= 0.7))
		}
	}
	if o.want("P7") {
		ra := median(archiveRatio)
		h.add("P7", "archive file size / bytes sent by the server in P1", fmt.Sprintf("%.1f MB / %.1f MB", mb(archiveSize[0]), mb(int64(med(chron, bytesOut)))),
			fmt.Sprintf("%.2f", ra), "<= 0.35", yes(ra <= 0.35))
		// The floor: the distinct images (incompressible) plus every page
		// compressed alone with zstd at its default level, and nothing else.
		enc, _ := zstd.NewWriter(nil)
		var zpages int64
		for _, p := range s.Pages() {
			zpages += int64(len(enc.EncodeAll(p, nil)))
		}
		floor := float64(imgB+zpages) / med(chron, bytesOut)
		h.add("P7", "floor on this site: distinct images + each page zstd-compressed alone", fmt.Sprintf("%.1f MB images + %.1f MB pages (%.0f%% of %.1f MB HTML)", mb(imgB), mb(zpages), 100*float64(zpages)/float64(htmlB), mb(htmlB)),
			fmt.Sprintf("%.2f", floor), "", "")
	}
	h.note("P1 pages/s counts the article pages the server answered during the run, over the process's wall time (start-up included); CPU is user+sys of the process (rusage), RSS its peak (VmHWM). The site's HTML averages %.0f KB per article; images are 320x200 JPEGs (one per article) and 64x64 PNGs, each shared by ~%d articles.",
		float64(htmlB)/float64(o.n)/1e3, max(1, o.n/s.Options().SharedImgs))
}
