package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the logger's writes while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestScheduleCrawlsAndStopsCleanly(t *testing.T) {
	e := newEnv(t)
	cfg := strings.Replace(newssiteConfig(e), `schedule: "*/30 * * * *"`, `schedule: "@every 1s"`, 1)
	e.writeConfig(cfg)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int)
	go func() { done <- Main(ctx, []string{"--config", e.cfg, "schedule"}, &out, &errb) }()

	deadline := time.After(30 * time.Second)
	for strings.Count(errb.String(), `"message":"crawl finished"`) < 2 {
		select {
		case code := <-done:
			t.Fatalf("schedule exited early with %d:\n%s", code, errb.String())
		case <-deadline:
			t.Fatalf("no two scheduled crawls within 30s:\n%s", errb.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	// While it runs, it holds the archive: a crawl from cron exits 75.
	e.writeConfig(strings.Replace(cfg, "lock_timeout: 5s", "lock_timeout: 50ms", 1))
	if code, _, _ := e.run("crawl"); code != ExitLocked {
		t.Errorf("crawl while schedule runs: exit %d, want 75", code)
	}
	cancel() // SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("schedule after SIGTERM: exit %d, want 0\n%s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("schedule did not stop within 30s of SIGTERM")
	}
	if !strings.Contains(errb.String(), `"message":"schedule stopped"`) {
		t.Errorf("no JSON log line for the stop:\n%s", errb.String())
	}
	if n := len(e.list()); n != len(e.site.ArticlePaths()) {
		t.Errorf("archive holds %d articles after scheduled crawls, want %d", n, len(e.site.ArticlePaths()))
	}
}

func TestScheduleNeedsASchedule(t *testing.T) {
	e := newEnv(t)
	e.writeConfig(strings.Replace(newssiteConfig(e), `    schedule: "*/30 * * * *"`+"\n", "", 1))
	if code, _, errs := e.run("schedule"); code != ExitUsage || !strings.Contains(errs, "no source has a schedule") {
		t.Errorf("schedule without schedules: exit %d, stderr %q", code, errs)
	}
}
