package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/export"
	"github.com/chronicle-archive/chronicle/internal/config"
)

type exportOptions struct {
	format      string
	out         string
	sources     []string
	since       string
	allVersions bool
}

func newExportCommand(g *globals) *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export --format hexo [--out DIR] [--source NAME] [--since RFC3339] [--all-versions]",
		Short: "Write the archive out as Hexo posts",
		Long: `Export writes one Markdown post per archived article (the latest version, or
every version with --all-versions) into --out (default: export.hexo.out in
the config). Re-running it rewrites only the posts whose content changed and
keeps each article's file name even when its title changes.

Images follow export.hexo.images: remote keeps the original URLs, local copies
the archived images next to the posts, and a template containing {url} wraps
the original URL.

` + exitHelp,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "output format: hexo")
	f.StringVar(&o.out, "out", "", "output directory (default: export.<format>.out from the config)")
	f.StringArrayVar(&o.sources, "source", nil, "only this source (repeatable)")
	f.StringVar(&o.since, "since", "", "only articles seen at or after this time (RFC 3339)")
	f.BoolVar(&o.allVersions, "all-versions", false, "write every version, not only the latest")
	return cmd
}

func runExport(cmd *cobra.Command, g *globals, o exportOptions) error {
	switch o.format {
	case "hexo":
	case "":
		return usagef("--format is required (hexo)")
	default:
		return usagef("--format %s: this version exports hexo only", o.format)
	}
	var since time.Time
	if o.since != "" {
		t, err := time.Parse(time.RFC3339, o.since)
		if err != nil {
			return usagef("--since %q: not an RFC 3339 time such as 2024-01-02T15:04:05Z", o.since)
		}
		since = t
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	for _, name := range o.sources {
		if _, ok := cfg.Source(name); !ok {
			return usagef("--source %s: no such source in %s", name, cfg.Path)
		}
	}
	out := o.out
	if out == "" {
		out = cfg.Export.Hexo.Out
	}
	st, err := g.openArchive(cfg, true)
	if err != nil {
		return err
	}
	defer st.Close()
	stats, err := export.Hexo(cmd.Context(), st, export.HexoOptions{
		Out:         out,
		Images:      cfg.Export.Hexo.Images,
		Sources:     sourceMeta(cfg),
		Only:        o.sources,
		Since:       since,
		AllVersions: o.allVersions,
		Logger:      g.log,
	})
	if err != nil {
		return fmt.Errorf("export to %s: %w", out, err)
	}
	fmt.Fprintf(g.stdout, "%s: %d posts written, %d unchanged, %d images copied\n", out, stats.Written, stats.Unchanged, stats.Assets)
	return nil
}

func sourceMeta(cfg *config.Config) map[string]export.SourceMeta {
	m := make(map[string]export.SourceMeta, len(cfg.Sources))
	for _, s := range cfg.Sources {
		m[s.Name] = export.SourceMeta{Categories: s.Categories, Author: s.Author}
	}
	return m
}
