package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/config"
)

type verifyOptions struct {
	json bool
}

func newVerifyCommand(g *globals) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify [--json]",
		Short: "Check the archive and report every problem found",
		Long: `Verify opens the archive read-only and checks all of it: bbolt's own page
consistency check, every record's checksum, every snapshot's content hash,
every asset's and raw response's SHA-256, and that every reference resolves.
The archive file is not changed.

` + exitHelp,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.readArchive(func(cfg *config.Config, st *archive.Store) error {
				rep, err := st.Verify(cmd.Context())
				if err != nil {
					return fmt.Errorf("verify %s: %w", cfg.Archive, err)
				}
				if o.json {
					if rep.Problems == nil {
						rep.Problems = []archive.Problem{}
					}
					b, _ := json.Marshal(rep)
					fmt.Fprintln(g.stdout, string(b))
				} else {
					for _, p := range rep.Problems {
						fmt.Fprintf(g.stdout, "%s %s: %s\n", p.Kind, p.Key, p.Detail)
					}
					fmt.Fprintf(g.stdout, "%d articles, %d snapshots, %d assets, %s checked: ", rep.Articles, rep.Snapshots, rep.Assets, humanBytes(rep.BytesChecked))
					if rep.OK {
						fmt.Fprintln(g.stdout, "no problems found")
					} else {
						fmt.Fprintf(g.stdout, "%d problems found\n", len(rep.Problems))
					}
				}
				if !rep.OK {
					return failure{}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the report as one JSON object")
	return cmd
}
