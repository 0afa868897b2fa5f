package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/newssite"
)

// TestVerifyDuringCrawl runs verify, list and backup again and again while a
// crawl of a slow site writes to the archive: each must succeed (exit 0, no
// problems: what the crawl adds between chunks is never a false problem),
// and the crawl must finish with every article and no error: readers no
// longer hold the archive for their whole run.
func TestVerifyDuringCrawl(t *testing.T) {
	srv := httptest.NewServer(slowSite(40 * time.Millisecond))
	defer srv.Close()
	dir := t.TempDir()
	cfg := crashConfig(t, srv.URL, dir)
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(context.Background(), append([]string{"--config", cfg, "--log-level", "error"}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	var crawlDone atomic.Bool
	crawlCode := make(chan int, 1)
	var crawlOut, crawlErr string
	go func() {
		var code int
		code, crawlOut, crawlErr = run("crawl", "--json")
		crawlDone.Store(true)
		crawlCode <- code
	}()

	duringCrawl := 0 // verifies that started and ended while the crawl ran
	for i := 0; !crawlDone.Load(); i++ {
		if _, err := archiveExists(dir); err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		code, out, errs := run("verify", "--json")
		var rep archive.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("verify %d during the crawl: exit %d: %v\nstdout %s\nstderr %s", i, code, err, out, errs)
		}
		if code != 0 || !rep.OK || len(rep.Problems) != 0 || !rep.Complete {
			t.Fatalf("verify %d during the crawl: exit %d, report %+v, stderr %s", i, code, rep, errs)
		}
		if code, _, errs := run("list", "--json"); code != 0 {
			t.Fatalf("list during the crawl: exit %d: %s", code, errs)
		}
		if !crawlDone.Load() {
			duringCrawl++
		}
	}
	if code := <-crawlCode; code != 0 {
		t.Fatalf("crawl beside verify: exit %d\n%s\n%s", code, crawlOut, crawlErr)
	}
	var sum struct {
		New, Errors int
	}
	var raw map[string]int
	if err := json.Unmarshal([]byte(crawlOut), &raw); err != nil {
		t.Fatalf("crawl --json: %v: %s", err, crawlOut)
	}
	sum.New, sum.Errors = raw["articles_new"], raw["errors"]
	if want := len(newssite.New().ArticlePaths()); sum.New != want || sum.Errors != 0 {
		t.Errorf("crawl beside verify: %d new articles, %d errors; want %d and 0 (%s)", sum.New, sum.Errors, want, crawlOut)
	}
	if duringCrawl < 2 {
		t.Errorf("only %d verify runs completed during the crawl; want at least 2", duringCrawl)
	}
	// A second writer is still kept out, by the writer lock.
	st, err := archive.Open(dir+"/archive.db", archive.Options{Timeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if code, _, _ := run("compact"); code != ExitLocked {
		t.Errorf("compact beside a writer: exit %d, want 75", code)
	}
}

func archiveExists(dir string) (bool, error) {
	_, err := os.Stat(dir + "/archive.db")
	return err == nil, err
}
