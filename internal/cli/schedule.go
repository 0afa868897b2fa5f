package cli

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/config"
	"github.com/chronicle-archive/chronicle/internal/pipeline"
)

func newScheduleCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Stay running and crawl each source on the cron schedule in its config",
		Long: `Schedule keeps the archive open and crawls each source whose config has a
schedule (a cron expression such as "*/30 * * * *" or "@hourly", read in the
machine's local time zone, as cron does). A source is never crawled twice at
once: a run that is due while the previous one still runs is skipped, and
logged. Sources without a schedule are not crawled.

Logs are JSON unless --log-format is given. SIGTERM or SIGINT stops it
cleanly: running crawls stop starting new fetches, what they archived stays,
and it exits 0.

Use it instead of cron entries, for instance as a systemd service; while it
runs, other writers (crawl, reextract, compact, verify --repair) exit 75;
readers (verify, list, show, export, backup) run beside it.

` + exitHelp,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSchedule(cmd.Context(), g)
		},
	}
	return cmd
}

func runSchedule(ctx context.Context, g *globals) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	var scheduled []*config.Source
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Schedule == "" {
			g.log.Warn().Str("source", s.Name).Msg("source has no schedule: not crawled by 'chronicle schedule'")
			continue
		}
		scheduled = append(scheduled, s)
	}
	if len(scheduled) == 0 {
		return usagef("%s: no source has a schedule", cfg.Path)
	}
	st, err := g.openArchive(cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s := newScheduler(ctx, cfg, st, g, stop)
	c := cron.New(cron.WithLocation(time.Local))
	for _, src := range scheduled {
		if _, err := c.AddFunc(src.Schedule, func() { s.crawl(src.Name) }); err != nil {
			return usagef("%s: sources %s: schedule %q: %v", cfg.Path, src.Name, src.Schedule, err)
		}
	}
	c.Start()
	for _, e := range c.Entries() {
		g.log.Debug().Time("next", e.Next).Msg("scheduled")
	}
	g.log.Info().Int("sources", len(scheduled)).Str("archive", cfg.Archive).Msg("schedule started")
	<-ctx.Done()
	g.log.Info().Msg("stopping: waiting for running crawls to finish")
	<-c.Stop().Done()
	s.wg.Wait()
	if cause := context.Cause(ctx); errors.Is(cause, pipeline.ErrArchiveFailed) {
		return cause
	}
	g.log.Info().Msg("schedule stopped")
	return nil
}

// scheduler runs one crawl per source at a time.
type scheduler struct {
	ctx     context.Context // the command's: cancelled on SIGTERM
	cfg     *config.Config
	st      *archive.Store
	g       *globals
	mu      sync.Mutex
	running map[string]bool
	wg      sync.WaitGroup
	stop    context.CancelCauseFunc // ends the schedule when the archive fails
}

func newScheduler(ctx context.Context, cfg *config.Config, st *archive.Store, g *globals, stop context.CancelCauseFunc) *scheduler {
	return &scheduler{ctx: ctx, cfg: cfg, st: st, g: g, running: map[string]bool{}, stop: stop}
}

func (s *scheduler) crawl(name string) {
	// The pipeline and the crawler add the source to their own lines.
	log := s.g.log
	s.mu.Lock()
	if s.running[name] || s.ctx.Err() != nil {
		s.mu.Unlock()
		log.Warn().Str("source", name).Msg("crawl due while the previous one still runs: skipped")
		return
	}
	s.running[name] = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, name)
		s.mu.Unlock()
		s.wg.Done()
	}()

	sum, err := pipeline.Crawl(s.ctx, s.cfg, s.st, []string{name}, log)
	ev := log.Info()
	if err != nil && !errors.Is(err, context.Canceled) {
		ev = log.Error().Err(err)
	}
	if errors.Is(err, pipeline.ErrArchiveFailed) {
		s.stop(err) // every further crawl would fail the same way
	}
	ev.Str("source", name).Int("pages", sum.PagesFetched).Int("new", sum.ArticlesNew).Int("updated", sum.ArticlesUpdated).
		Int("unchanged", sum.ArticlesUnchanged).Int("assets_new", sum.AssetsNew).Int("errors", sum.Errors).
		Int64("ms", sum.DurationMS).Msg("crawl finished")
}
