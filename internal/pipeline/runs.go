package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/config"
)

// stoppedReason tells why a crawl ended: ctx is the crawl's context (its
// cause names an archive failure), err what Crawl returns.
func stoppedReason(ctx context.Context, err error) string {
	switch {
	case errors.Is(context.Cause(ctx), ErrArchiveFailed), errors.Is(err, ErrArchiveFailed):
		return archive.StoppedArchiveFailed
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return archive.StoppedMaxDuration
	case ctx.Err() != nil:
		return archive.StoppedInterrupted
	case errors.Is(err, ErrAllSourcesFailed):
		return archive.StoppedFailed
	default:
		return archive.StoppedDone
	}
}

// recordRun records a finished crawl in the archive, however it ended. A
// failure to record it is logged: the crawl's own result stands.
func recordRun(ctx context.Context, store *archive.Store, start time.Time, sources []*config.Source, sum Summary, err error, log zerolog.Logger) {
	run := archive.Run{
		Start:   start,
		End:     time.Now(),
		Stopped: stoppedReason(ctx, err),
		Counts:  sum.RunCounts,
	}
	for _, s := range sources {
		run.Sources = append(run.Sources, s.Name)
	}
	if err != nil && run.Stopped != archive.StoppedInterrupted && run.Stopped != archive.StoppedMaxDuration {
		run.Errors = append(run.Errors, err.Error())
	}
	if rerr := store.AddRun(context.WithoutCancel(ctx), run); rerr != nil {
		log.Warn().Err(rerr).Msg("crawl run not recorded in the archive")
	}
}
