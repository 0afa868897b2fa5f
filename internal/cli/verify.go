package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/config"
)

type verifyOptions struct {
	json         bool
	fast         bool
	subset       string
	maxDuration  time.Duration
	repair       bool
	pruneOrphans bool
}

func newVerifyCommand(g *globals) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify [--json] [--fast] [--subset N/T] [--max-duration D] [--repair [--prune-orphans]]",
		Short: "Check the archive and report every problem found",
		Long: `Verify checks the archive: the file's page structure (read without trusting
it, then bbolt's own consistency check), every record's checksum, every
snapshot's content hash, every asset's and raw response's SHA-256, and that
every reference resolves. It never writes, and it runs beside a crawl: it
reads in short transactions, so a crawl's write waits for one at most.

  --fast            structure only: pages, references, version counts and
                    asset sizes; no snapshot, asset or raw body is re-hashed
  --subset N/T      check the N-th of T slices (by key hash) of the records;
                    the structural checks always run. A weekly cron job with
                    T=7 and N = day of the week covers the archive each week
  --max-duration D  stop cleanly after D and report how far it got
  --repair          fix what can be fixed: download missing or rotten assets
                    again (kept only if they hash right), derive indexes and
                    version counts again; report what is lost for good.
                    Takes the writer lock, like a crawl
  --prune-orphans   with --repair: delete assets and raw responses that no
                    snapshot references (reported as warnings otherwise)

Orphans are warnings: they leave "ok" true and the exit status 0.

` + exitHelp,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVerify(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print the report as one JSON object")
	f.BoolVar(&o.fast, "fast", false, "check structure only (no re-hashing)")
	f.StringVar(&o.subset, "subset", "", "check only slice N of T (e.g. 3/7)")
	f.DurationVar(&o.maxDuration, "max-duration", 0, "stop cleanly after this long (e.g. 10m); 0 = no limit")
	f.BoolVar(&o.repair, "repair", false, "fix what can be fixed (takes the writer lock)")
	f.BoolVar(&o.pruneOrphans, "prune-orphans", false, "with --repair: delete unreferenced assets and raw responses")
	return cmd
}

// parseSubset parses "N/T" (1 <= N <= T).
func parseSubset(s string) (int, int, error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "/")
	n, err1 := strconv.Atoi(a)
	t, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || t < 1 || n < 1 || n > t {
		return 0, 0, usagef("--subset %q: want N/T with 1 <= N <= T, e.g. 3/7", s)
	}
	return n, t, nil
}

func runVerify(ctx context.Context, g *globals, o verifyOptions) error {
	n, t, err := parseSubset(o.subset)
	if err != nil {
		return err
	}
	if o.pruneOrphans && !o.repair {
		return usagef("--prune-orphans needs --repair")
	}
	if o.maxDuration < 0 {
		return usagef("--max-duration %s: must not be negative", o.maxDuration)
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	if _, err := os.Stat(cfg.Archive); err != nil {
		return usagef("archive %s: %w (run 'chronicle crawl' first)", cfg.Archive, err)
	}
	vo := archive.VerifyOptions{Fast: o.fast, Slice: n, Slices: t, MaxDuration: o.maxDuration}
	if o.repair {
		return runRepair(ctx, g, cfg, o, vo)
	}
	// VerifyFile checks the file's structure itself before bbolt reads it,
	// so a damaged file is reported, never a crash.
	rep, err := archive.VerifyFileWith(ctx, cfg.Archive, archive.Options{Timeout: cfg.LockTimeout}, vo)
	if errors.Is(err, archive.ErrLocked) {
		return fmt.Errorf("archive %s is in use by another chronicle (waited %s): %w", cfg.Archive, cfg.LockTimeout, err)
	}
	if err != nil {
		return fmt.Errorf("verify %s: %w", cfg.Archive, err)
	}
	printReport(g, rep, o.json)
	if !rep.Complete {
		g.log.Warn().Int64("checked", rep.Checked).Int64("total", rep.Total).
			Msg("verify stopped at --max-duration: not a complete check; run it again, or spread it over runs with --subset")
	}
	if !rep.OK {
		return failure{}
	}
	return nil
}

func runRepair(ctx context.Context, g *globals, cfg *config.Config, o verifyOptions, vo archive.VerifyOptions) error {
	st, err := g.openArchive(cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	rr, err := st.Repair(ctx, archive.RepairOptions{Fetch: assetFetcher(cfg), PruneOrphans: o.pruneOrphans, Verify: vo})
	if err != nil {
		return fmt.Errorf("repair %s: %w", cfg.Archive, err)
	}
	if err := st.Close(); err != nil {
		return err
	}
	if o.json {
		b, _ := json.Marshal(rr)
		fmt.Fprintln(g.stdout, string(b))
	} else {
		for _, p := range rr.Repaired {
			fmt.Fprintf(g.stdout, "repaired %s %s: %s\n", p.Kind, p.Key, p.Detail)
		}
		for _, p := range rr.Lost {
			fmt.Fprintf(g.stdout, "lost %s %s: %s\n", p.Kind, p.Key, p.Detail)
		}
		fmt.Fprintf(g.stdout, "%d repaired, %d lost for good. After the repair:\n", len(rr.Repaired), len(rr.Lost))
		printReport(g, rr.After, false)
	}
	if !rr.After.OK {
		return failure{}
	}
	return nil
}

// assetFetcher downloads an asset again for verify --repair: a plain GET
// with the config's user agent and timeout, bounded by max_asset_bytes.
func assetFetcher(cfg *config.Config) archive.Fetcher {
	client := &http.Client{Timeout: cfg.Timeout}
	return func(ctx context.Context, url string) ([]byte, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("User-Agent", cfg.UserAgent)
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, "", fmt.Errorf("HTTP %s", resp.Status)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, cfg.MaxAssetBytes+1))
		if err != nil {
			return nil, "", err
		}
		if int64(len(b)) > cfg.MaxAssetBytes {
			return nil, "", fmt.Errorf("larger than max_asset_bytes (%d)", cfg.MaxAssetBytes)
		}
		return b, resp.Header.Get("Content-Type"), nil
	}
}

func printReport(g *globals, rep *archive.Report, asJSON bool) {
	if rep.Problems == nil {
		rep.Problems = []archive.Problem{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []archive.Problem{}
	}
	if asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(g.stdout, string(b))
		return
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(g.stdout, "%s %s: %s\n", p.Kind, p.Key, p.Detail)
	}
	for _, p := range rep.Warnings {
		fmt.Fprintf(g.stdout, "warning: %s %s: %s\n", p.Kind, p.Key, p.Detail)
	}
	scope := rep.Mode
	if rep.Subset != "" {
		scope += ", slice " + rep.Subset
	}
	fmt.Fprintf(g.stdout, "%d articles, %d snapshots, %d assets, %s checked (%s): ", rep.Articles, rep.Snapshots, rep.Assets, humanBytes(rep.BytesChecked), scope)
	if rep.OK {
		fmt.Fprint(g.stdout, "no problems found")
	} else {
		fmt.Fprintf(g.stdout, "%d problems found", len(rep.Problems))
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(g.stdout, ", %d warnings", len(rep.Warnings))
	}
	fmt.Fprintln(g.stdout)
	if !rep.Complete && rep.Total > 0 {
		fmt.Fprintf(g.stdout, "stopped at --max-duration after %d of %d records (%.0f%%): run verify again for the rest\n",
			rep.Checked, rep.Total, 100*float64(rep.Checked)/float64(rep.Total))
	}
	if cmd := fixCommand(rep); cmd != "" {
		fmt.Fprintf(g.stdout, "To fix what can be fixed, run:\n  %s\n", cmd)
	}
}

// fixCommand is the command that would fix what the report found, or "".
func fixCommand(rep *archive.Report) string {
	repairable := false
	for _, p := range rep.Problems {
		switch p.Kind {
		case archive.ProblemNotAnArchive, archive.ProblemTruncated, archive.ProblemBboltPage:
			return "" // only a backup helps
		case archive.ProblemAssetHashMismatch, archive.ProblemAssetSizeMismatch, archive.ProblemMissingAsset, archive.ProblemMissingAssetMeta,
			archive.ProblemVersionCountMismatch, archive.ProblemRecordCorrupt, archive.ProblemUndecodableRecord:
			repairable = true
		}
	}
	switch {
	case len(rep.Warnings) > 0:
		return "chronicle verify --repair --prune-orphans"
	case repairable:
		return "chronicle verify --repair"
	}
	return ""
}
