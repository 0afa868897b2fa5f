// Command bench measures Chronicle against its peers on a generated news
// site served on 127.0.0.1, in one run, and prints one table (figure, ratio,
// target, met?), which it also writes to -out.
//
//	go run .                 # the full run (about 5 minutes on 2 cores)
//	go run . -smoke          # tiny N, one run each: a check that it all works
//	go run . -only P1,P2     # some of the figures
//	go run . -serve 127.0.0.1:8808   # only serve the site (config.yaml points there)
//
// P1 crawl (Chronicle vs a bare Colly program vs wget --mirror), P2 re-crawl
// with nothing changed, P3 extraction MB/s (bench/extractcmp), P4 verify
// MB/s vs openssl's SHA-256, P5 peak RSS at 10k/100k/1M URLs, P6 Hexo
// export and unchanged re-export, P7 archive bytes vs bytes fetched. The
// crawlers alternate, each run on a fresh archive; figures are medians.
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chronicle-archive/chronicle/bench/site"
)

//go:embed config.yaml
var configTemplate string

// templateHost is the address config.yaml names; each run's copy names the
// site's real one.
const templateHost = "http://127.0.0.1:8808"

type options struct {
	n, runs     int
	p5          []int
	p5Limit     time.Duration
	p6          int
	corpus, out string
	only        map[string]bool
	smoke       bool
	keep        bool
}

func (o *options) want(p string) bool { return len(o.only) == 0 || o.only[p] }

func main() {
	var o options
	flag.IntVar(&o.n, "n", 5000, "articles on the benchmark site (P1, P2, P4, P7)")
	flag.IntVar(&o.runs, "runs", 3, "runs of each crawler (medians)")
	p5 := flag.String("p5", "10000,100000,1000000", "P5 frontier sizes (URLs in the sitemap)")
	flag.DurationVar(&o.p5Limit, "p5-limit", 15*time.Second, "P5: crawl --max-duration for the frontiers other than the P6 one (crawled to the end)")
	flag.IntVar(&o.p6, "p6", 10000, "P6: posts exported (the first P5 frontier is crawled to the end with this many)")
	flag.StringVar(&o.corpus, "corpus", "../../shared/corpus", "P3: the extraction corpus (aeb/ and zh/)")
	flag.StringVar(&o.out, "out", "out/results.md", "where the table is written")
	only := flag.String("only", "", "comma-separated figures to measure (P1..P7); empty = all")
	flag.BoolVar(&o.smoke, "smoke", false, "tiny N and one run: a check, not a measurement")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	serve := flag.String("serve", "", "only serve the site on this address (e.g. 127.0.0.1:8808) until interrupted")
	flag.Parse()

	if *serve != "" {
		s := site.New(site.Options{N: o.n})
		if err := s.Start(*serve); err != nil {
			fatal(err)
		}
		html, img := s.ContentBytes()
		fmt.Printf("serving %d articles (%.1f MB HTML, %.1f MB images) on %s; ^C stops\n", o.n, mb(html), mb(img), s.URL)
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		<-c
		return
	}
	if o.smoke {
		o.n, o.runs, o.p6, o.p5Limit = 100, 1, 1000, 2*time.Second
		*p5 = "1000,3000,10000"
	}
	for _, f := range strings.Split(*p5, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			fatal(fmt.Errorf("-p5: %q is not a size", f))
		}
		o.p5 = append(o.p5, v)
	}
	if *only != "" {
		o.only = map[string]bool{}
		for _, p := range strings.Split(*only, ",") {
			o.only[strings.ToUpper(strings.TrimSpace(p))] = true
		}
	}

	start := time.Now()
	work, err := os.MkdirTemp("", "chronicle-bench-")
	if err != nil {
		fatal(err)
	}
	if !o.keep {
		defer os.RemoveAll(work)
	}
	h := &harness{opt: o, work: work}
	h.setup()
	h.loadStart = loadavg()
	h.measure()
	table := h.render(time.Since(start))
	fmt.Print("\n" + table)
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err == nil {
		if err := os.WriteFile(o.out, []byte(table), 0o644); err != nil {
			fatal(err)
		}
		fmt.Printf("\nwritten to %s\n", o.out)
	}
	if o.keep {
		fmt.Printf("work directory kept: %s\n", work)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func mb(b int64) float64 { return float64(b) / 1e6 }

// harness holds the binaries and the results.
type harness struct {
	opt       options
	work      string
	chronicle string // built binary
	colly     string
	wget      string // "" when unavailable
	wgetWhy   string
	machine   string
	loadStart string
	rows      []row
	notes     []string
}

// row is one line of the table.
type row struct {
	fig, what, figure, ratio, target, met string
}

func (h *harness) add(fig, what, figure, ratio, target, met string) {
	h.rows = append(h.rows, row{fig, what, figure, ratio, target, met})
}

func (h *harness) note(format string, args ...any) {
	h.notes = append(h.notes, fmt.Sprintf(format, args...))
}

func yes(ok bool) string {
	if ok {
		return "**yes**"
	}
	return "no"
}

// setup builds Chronicle and the bare Colly program and finds wget.
func (h *harness) setup() {
	bin := filepath.Join(h.work, "bin")
	os.MkdirAll(bin, 0o755)
	h.chronicle = filepath.Join(bin, "chronicle")
	h.colly = filepath.Join(bin, "barecolly")
	logf("building chronicle (from ..) and barecolly")
	if out, err := exec.Command("go", "build", "-C", "..", "-o", h.chronicle, "./cmd/chronicle").CombinedOutput(); err != nil {
		fatal(fmt.Errorf("go build chronicle: %v\n%s", err, out))
	}
	if out, err := exec.Command("go", "build", "-o", h.colly, "./barecolly").CombinedOutput(); err != nil {
		fatal(fmt.Errorf("go build barecolly: %v\n%s", err, out))
	}
	h.findWget()
	h.machine = machine()
}

func (h *harness) findWget() {
	if p, err := exec.LookPath("wget"); err == nil {
		h.wget = p
		return
	}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("apt-get"); err == nil {
			logf("wget missing: apt-get install -y wget")
			cmd := exec.Command("apt-get", "install", "-y", "-q", "wget")
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			if out, err := cmd.CombinedOutput(); err != nil {
				h.wgetWhy = "apt-get install wget failed: " + firstLine(string(out))
				return
			}
			if p, err := exec.LookPath("wget"); err == nil {
				h.wget = p
				return
			}
		}
	}
	h.wgetWhy = "wget not installed and not installable here"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s, %s", runtime.NumCPU(), cpu, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// loadavg is the 1-minute load average, "?" when unknown.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func (h *harness) measure() {
	if h.opt.want("P1") || h.opt.want("P2") || h.opt.want("P4") || h.opt.want("P7") {
		h.crawls()
	}
	if h.opt.want("P3") {
		h.extraction()
	}
	if h.opt.want("P5") || h.opt.want("P6") {
		h.frontier()
	}
}

func (h *harness) render(total time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %s; load average %s at the start, %s at the end (other work on the machine skews the figures). Site: %d articles (P1, P2, P4, P7), %d runs each, crawlers alternating; medians. Total %s.\n\n",
		h.machine, h.loadStart, loadavg(), h.opt.n, h.opt.runs, total.Round(time.Second))
	sort.SliceStable(h.rows, func(i, j int) bool { return h.rows[i].fig < h.rows[j].fig })
	b.WriteString("| # | what | figure | ratio | target | met? |\n|---|---|---|---|---|---|\n")
	for _, r := range h.rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.fig, r.what, r.figure, r.ratio, r.target, r.met)
	}
	if len(h.notes) > 0 {
		b.WriteString("\n")
		for _, n := range h.notes {
			b.WriteString("- " + n + "\n")
		}
	}
	return b.String()
}
