package cli

import (
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/chronicle-archive/chronicle/internal/pipeline"
)

// progressBar draws a crawl's progress on a terminal's stderr; off a
// terminal, or with JSON logs, it draws nothing.
type progressBar struct {
	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func newProgressBar(g *globals) *progressBar {
	if !isTerminal(g.stderr) || g.logFormat == "json" {
		return &progressBar{}
	}
	// The total grows as listings and feeds reveal articles.
	return &progressBar{bar: progressbar.NewOptions(1,
		progressbar.OptionSetWriter(g.stderr),
		progressbar.OptionSetDescription("crawling"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("articles"),
		progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

// update is the pipeline's progress callback: it must not block the crawl
// for long, so it only moves the bar.
func (p *progressBar) update(e pipeline.Progress) {
	if p.bar == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if int64(e.Queued) > p.bar.GetMax64() {
		p.bar.ChangeMax(e.Queued)
	}
	_ = p.bar.Set(e.Done)
}

func (p *progressBar) finish() {
	if p.bar == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Finish()
}
