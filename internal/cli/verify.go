package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
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
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if _, err := os.Stat(cfg.Archive); err != nil {
				return usagef("archive %s: %w (run 'chronicle crawl' first)", cfg.Archive, err)
			}
			// VerifyFile checks the file's structure itself before bbolt
			// reads it, so a damaged file is reported, never a crash.
			rep, err := archive.VerifyFile(cmd.Context(), cfg.Archive, archive.Options{Timeout: cfg.LockTimeout})
			if errors.Is(err, archive.ErrLocked) {
				return fmt.Errorf("archive %s is in use by another chronicle (waited %s): %w", cfg.Archive, cfg.LockTimeout, err)
			}
			if err != nil {
				return fmt.Errorf("verify %s: %w", cfg.Archive, err)
			}
			printReport(g, rep, o.json)
			if !rep.OK {
				return failure{}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the report as one JSON object")
	return cmd
}

func printReport(g *globals, rep *archive.Report, asJSON bool) {
	if asJSON {
		if rep.Problems == nil {
			rep.Problems = []archive.Problem{}
		}
		b, _ := json.Marshal(rep)
		fmt.Fprintln(g.stdout, string(b))
		return
	}
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
