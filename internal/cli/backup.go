package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/config"
)

func newBackupCommand(g *globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "backup DEST [--force]",
		Short: "Write a consistent, verified copy of the archive",
		Long: `Backup copies the archive to DEST while crawls may run: the copy is taken in
one read transaction (a crawl's writes wait until it is done), written to
DEST.tmp, synced, verified like 'chronicle verify', and only then renamed to
DEST, so a copy that does not verify never replaces an older backup. An
existing DEST is refused unless --force.

` + exitHelp,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.readArchive(func(cfg *config.Config, st *archive.Store) error {
				before := fileSize(cfg.Archive)
				size, rep, err := st.Backup(cmd.Context(), args[0], force)
				if errors.Is(err, fs.ErrExist) {
					return usageError{err}
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "backup %s: %s (archive %s)\n", args[0], humanBytes(size), humanBytes(before))
				printReport(g, rep, false)
				if !rep.OK {
					return failure{msg: fmt.Sprintf("the copy does not verify, so %s was not written: the archive itself may be damaged, run 'chronicle verify'", args[0])}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing DEST")
	return cmd
}

func newCompactCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "compact",
		Short: "Reclaim the archive's free space, verified",
		Long: `Compact rewrites the archive into a fresh file without free pages, verifies
the new file, and swaps it in atomically (the old file is kept as
<archive>.old until the swap is done). It takes the writer lock, like a
crawl: it exits 75 while a crawl runs. Readers are not disturbed.

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
			st, err := g.openArchive(cfg, false)
			if err != nil {
				return err
			}
			defer st.Close()
			before, after, rep, err := st.Compact(cmd.Context())
			if err != nil {
				return err
			}
			if !rep.OK {
				printReport(g, rep, false)
				return failure{msg: "the compacted copy does not verify; the archive is unchanged: run 'chronicle verify'"}
			}
			fmt.Fprintf(g.stdout, "compacted %s: %s -> %s\n", cfg.Archive, humanBytes(before), humanBytes(after))
			return nil
		},
	}
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}
