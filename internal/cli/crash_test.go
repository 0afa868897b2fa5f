package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chronicle-archive/chronicle/internal/newssite"
)

// buildChronicle builds the chronicle program into a temporary directory.
func buildChronicle(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "chronicle")
	out, err := exec.Command(goBin, "build", "-o", bin, "github.com/chronicle-archive/chronicle/cmd/chronicle").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// slowSite serves the sample site with a delay on every article and image,
// so that a crawl lasts long enough to be killed in the middle.
func slowSite(delay time.Duration) http.Handler {
	site := newssite.New()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/article/") || strings.HasPrefix(r.URL.Path, "/img/") {
			time.Sleep(delay)
		}
		site.ServeHTTP(w, r)
	})
}

// crashConfig writes a config for the site at base into dir. Known
// articles are re-checked only after an hour, so a restarted crawl relies
// on the frontier, not on re-fetching everything.
func crashConfig(t *testing.T, base, dir string) string {
	t.Helper()
	yaml := newssite.ConfigYAML(base, filepath.Join(dir, "archive.db"), filepath.Join(dir, "posts"))
	yaml = strings.Replace(yaml, "recheck: {after: 0s,", "recheck: {after: 1h,", 1)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// articleVersions runs `list --json` and returns url -> versions.
func articleVersions(t *testing.T, bin, cfg string) map[string]int {
	t.Helper()
	out, err := exec.Command(bin, "--config", cfg, "list", "--json").Output()
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var entries []struct {
		URL      string `json:"url"`
		Versions int    `json:"versions"`
	}
	if err := json.Unmarshal(out, &entries); err != nil {
		t.Fatalf("list --json: %v: %s", err, out)
	}
	m := map[string]int{}
	for _, e := range entries {
		m[e.URL] = e.Versions
	}
	return m
}

func mustVerifyCLI(t *testing.T, bin, cfg string) {
	t.Helper()
	out, err := exec.Command(bin, "--config", cfg, "verify", "--json").Output()
	if err != nil {
		t.Fatalf("verify: %v: %s", err, out)
	}
	var rep struct {
		OK bool `json:"ok"`
	}
	if err := json.Unmarshal(out, &rep); err != nil || !rep.OK {
		t.Fatalf("verify: %v: %s", err, out)
	}
}

// TestCrawlSurvivesSIGKILL kills crawls at several instants, restarts them
// each time, and checks that the archive verifies clean and holds exactly
// the articles and versions of an uninterrupted crawl.
func TestCrawlSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program and runs crawls as subprocesses")
	}
	bin := buildChronicle(t)
	srv := httptest.NewServer(slowSite(25 * time.Millisecond))
	defer srv.Close()
	base := srv.URL

	crawl := func(cfg string) *exec.Cmd {
		return exec.Command(bin, "--config", cfg, "--log-level", "error", "crawl", "--json")
	}

	refDir := t.TempDir()
	refCfg := crashConfig(t, base, refDir)
	started := time.Now()
	if err := crawl(refCfg).Run(); err != nil {
		t.Fatalf("uninterrupted crawl: %v", err)
	}
	took := time.Since(started)
	t.Logf("uninterrupted crawl took %s", took)
	want := articleVersions(t, bin, refCfg)
	if len(want) == 0 {
		t.Fatal("the uninterrupted crawl archived nothing")
	}

	for _, kills := range [][]time.Duration{
		{50 * time.Millisecond, 150 * time.Millisecond, 300 * time.Millisecond},
		// Spread over one crawl's length, whatever the machine's speed.
		{took / 3, took / 2, 2 * took / 3, 5 * took / 6},
	} {
		t.Run(fmt.Sprint(kills), func(t *testing.T) {
			dir := t.TempDir()
			cfg := crashConfig(t, base, dir)
			killed := 0
			for _, after := range kills {
				cmd := crawl(cfg)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("crawl failed before it was killed: %v", err)
					}
				case <-time.After(after):
					_ = cmd.Process.Signal(syscall.SIGKILL)
					err := <-done
					var ee *exec.ExitError
					if errors.As(err, &ee) && !ee.Exited() {
						killed++
					}
				}
			}
			if killed == 0 {
				t.Log("no crawl was killed in flight: the crawl is faster than the kill times")
			}
			t.Logf("%d articles archived before the last restart", len(articleVersions(t, bin, cfg)))
			// Restart until a crawl completes.
			finish := time.Now()
			for i := 0; ; i++ {
				cmd := crawl(cfg)
				err := cmd.Run()
				if err == nil {
					break
				}
				if i == 3 {
					t.Fatalf("crawl after the kills: %v", err)
				}
			}
			t.Logf("%d of %d crawls killed in flight; the last one took %s", killed, len(kills), time.Since(finish))
			mustVerifyCLI(t, bin, cfg)
			checkRuns(t, bin, cfg)
			got := articleVersions(t, bin, cfg)
			if fmt.Sprint(sortedPairs(got)) != fmt.Sprint(sortedPairs(want)) {
				t.Errorf("after %d kills the archive holds\n%v\nan uninterrupted crawl\n%v", killed, sortedPairs(got), sortedPairs(want))
			}
		})
	}
}

func sortedPairs(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for u, n := range m {
		out = append(out, fmt.Sprintf("%s=%d", u, n))
	}
	sort.Strings(out)
	return out
}

// checkRuns checks `runs --json`: the crawls that ended are recorded (the
// killed ones are not), the last one done, with the summary's fields.
func checkRuns(t *testing.T, bin, cfg string) {
	t.Helper()
	out, err := exec.Command(bin, "--config", cfg, "runs", "--json").Output()
	if err != nil {
		t.Fatalf("runs --json: %v", err)
	}
	var runs []map[string]any
	if err := json.Unmarshal(out, &runs); err != nil || len(runs) == 0 {
		t.Fatalf("runs --json: %v: %s", err, out)
	}
	last := runs[len(runs)-1]
	for _, k := range []string{"start", "end", "stopped", "sources", "pages_fetched", "articles_new", "articles_updated",
		"articles_unchanged", "assets_new", "assets_bytes", "errors", "duration_ms"} {
		if _, ok := last[k]; !ok {
			t.Errorf("runs --json: no %q in %v", k, last)
		}
	}
	if last["stopped"] != "done" {
		t.Errorf("last run stopped %v, want done", last["stopped"])
	}
	if text, err := exec.Command(bin, "--config", cfg, "runs").Output(); err != nil || !strings.Contains(string(text), "done") {
		t.Errorf("runs: %v: %s", err, text)
	}
}
