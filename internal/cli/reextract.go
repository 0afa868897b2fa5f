package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/internal/pipeline"
)

type reextractOptions struct {
	sources []string
	json    bool
}

func newReextractCommand(g *globals) *cobra.Command {
	var o reextractOptions
	cmd := &cobra.Command{
		Use:   "reextract [--source NAME]... [--json]",
		Short: "Run extraction again over the archived raw responses",
		Long: `Reextract runs the extraction, with the rules in the config now, over the raw
response of the latest version of every archived article (or of the named
sources). Where the extracted content changes it adds a version, marked as a
re-extraction of the same fetch; where it does not, nothing is written.
Nothing is downloaded: images the new extraction finds that are not in the
archive stay remote.

Run it after improving a source's selectors or upgrading chronicle.

` + exitHelp,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
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
			defer st.Close()
			sum, err := pipeline.Reextract(cmd.Context(), cfg, st, o.sources, g.log)
			if err != nil {
				return fmt.Errorf("reextract: %w", err)
			}
			if o.json {
				b, _ := json.Marshal(sum)
				fmt.Fprintln(g.stdout, string(b))
			} else {
				fmt.Fprintf(g.stdout, "%d articles re-extracted: %d changed (new versions), %d unchanged, %d errors\n",
					sum.Articles, sum.Changed, sum.Unchanged, sum.Errors)
			}
			if sum.Errors > 0 && sum.Errors == sum.Articles {
				return failure{msg: "no article could be re-extracted: see the log above"}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&o.sources, "source", nil, "only this source (repeatable)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the summary as one JSON object")
	return cmd
}
