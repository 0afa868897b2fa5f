package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/internal/pipeline"
)

type crawlOptions struct {
	sources     []string
	json        bool
	maxDuration time.Duration
}

func newCrawlCommand(g *globals) *cobra.Command {
	var o crawlOptions
	cmd := &cobra.Command{
		Use:   "crawl [--source NAME]... [--json]",
		Short: "Crawl the configured sources once and archive what is new or changed",
		Long: `Crawl reads every listing, feed and sitemap of the configured sources (or only
those named with --source), fetches the articles they lead to, and archives
each one whose content is new or changed, with its images. Unchanged articles
add no version.

A page or image that fails is logged and counted; the crawl goes on and still
exits 0. It exits 1 only when every source failed.

--max-duration stops the crawl cleanly after that long: no new fetch starts,
what was archived stays archived, and the next crawl picks up the rest.

When not on a terminal (cron), a crawl in which nothing failed prints nothing
and logs only warnings, unless --json or --log-level ask for more.

` + exitHelp,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCrawl(cmd, g, o)
		},
	}
	cmd.Flags().StringArrayVar(&o.sources, "source", nil, "crawl only this source (repeatable)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the summary as one JSON object")
	cmd.Flags().DurationVar(&o.maxDuration, "max-duration", 0, "stop cleanly after this long (e.g. 20m); 0 = no limit")
	return cmd
}

func runCrawl(cmd *cobra.Command, g *globals, o crawlOptions) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	if len(cfg.Sources) == 0 {
		return usagef("%s: no sources configured", cfg.Path)
	}
	for _, name := range o.sources {
		if _, ok := cfg.Source(name); !ok {
			return usagef("--source %s: no such source in %s", name, cfg.Path)
		}
	}
	st, err := g.openArchive(cfg, false)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if o.maxDuration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.maxDuration, errMaxDuration)
		defer cancel()
	}
	bar := newProgressBar(g)
	sum, crawlErr := pipeline.CrawlWithProgress(ctx, cfg, st, o.sources, g.log, bar.update)
	bar.finish()
	stopped := errors.Is(context.Cause(ctx), errMaxDuration)
	if stopped {
		g.log.Info().Dur("max_duration", o.maxDuration).Msg("crawl stopped at --max-duration; the next crawl picks up the rest")
		crawlErr = nil
	}
	if cerr := st.Close(); cerr != nil && crawlErr == nil {
		crawlErr = fmt.Errorf("close archive: %w", cerr)
	}
	g.log.Info().
		Int("sources", sum.Sources).Int("pages", sum.PagesFetched).
		Int("new", sum.ArticlesNew).Int("updated", sum.ArticlesUpdated).Int("unchanged", sum.ArticlesUnchanged).
		Int("assets_new", sum.AssetsNew).Int("errors", sum.Errors).Int64("ms", sum.DurationMS).
		Msg("crawl finished")
	switch {
	case o.json:
		b, _ := json.Marshal(sum)
		fmt.Fprintln(g.stdout, string(b))
	case !isTerminal(g.stdout) && sum.Errors == 0 && crawlErr == nil:
		// cron: all is well, say nothing
	default:
		fmt.Fprintf(g.stdout, "%d sources, %d pages: %d new, %d updated, %d unchanged articles; %d new images (%s); %d errors in %.1fs\n",
			sum.Sources, sum.PagesFetched, sum.ArticlesNew, sum.ArticlesUpdated, sum.ArticlesUnchanged,
			sum.AssetsNew, humanBytes(sum.AssetsBytes), sum.Errors, float64(sum.DurationMS)/1000)
	}
	if errors.Is(crawlErr, context.Canceled) {
		return failure{msg: "crawl interrupted: what was archived stays archived, and the next crawl resumes the rest"}
	}
	if errors.Is(crawlErr, pipeline.ErrAllSourcesFailed) {
		return failure{msg: "every source failed: see the log above"}
	}
	return crawlErr
}

// errMaxDuration is the cause of a crawl stopped by --max-duration.
var errMaxDuration = errors.New("--max-duration reached")

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
