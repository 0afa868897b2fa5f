package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/config"
)

// runEntry is one element of the `runs --json` array: the `crawl --json`
// summary fields of the run, plus when it ran and why it stopped.
type runEntry struct {
	archive.RunCounts
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Stopped       string    `json:"stopped"`
	SourceNames   []string  `json:"source_names"`
	ErrorMessages []string  `json:"error_messages"`
}

func newRunsCommand(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "runs [--json]",
		Short: "List the crawl runs recorded in the archive",
		Long: `Runs lists every crawl recorded in the archive, oldest first: when it started
and ended, why it stopped (done, max-duration, interrupted, archive-failed,
failed), what it archived and how many errors it met. A crawl killed outright
(kill -9, a power cut) is not recorded; the next one finishes its work.

` + exitHelp,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.readArchive(func(cfg *config.Config, st *archive.Store) error {
				runs, err := st.Runs(cmd.Context())
				if err != nil {
					return fmt.Errorf("runs %s: %w", cfg.Archive, err)
				}
				entries := make([]runEntry, 0, len(runs))
				for _, r := range runs {
					e := runEntry{RunCounts: r.Counts, Start: r.Start.UTC(), End: r.End.UTC(), Stopped: r.Stopped,
						SourceNames: r.Sources, ErrorMessages: r.Errors}
					if e.SourceNames == nil {
						e.SourceNames = []string{}
					}
					if e.ErrorMessages == nil {
						e.ErrorMessages = []string{}
					}
					entries = append(entries, e)
				}
				if asJSON {
					b, err := json.Marshal(entries)
					if err != nil {
						return err
					}
					fmt.Fprintln(g.stdout, string(b))
					return nil
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "START\tDURATION\tSTOPPED\tSOURCES\tPAGES\tNEW\tUPDATED\tUNCHANGED\tIMAGES\tERRORS")
				for _, e := range entries {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n",
						e.Start.Local().Format("2006-01-02 15:04:05"), e.End.Sub(e.Start).Round(time.Second/10),
						e.Stopped, strings.Join(e.SourceNames, ","), e.PagesFetched, e.ArticlesNew,
						e.ArticlesUpdated, e.ArticlesUnchanged, e.AssetsNew, e.Errors)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				for _, e := range entries {
					for _, m := range e.ErrorMessages {
						fmt.Fprintf(g.stdout, "%s: %s\n", e.Start.Local().Format("2006-01-02 15:04:05"), m)
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}
