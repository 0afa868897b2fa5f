package cli

import (
	"fmt"
	"path/filepath"
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
		Use:   "export --format hexo|hugo|json|warc [--out DIR] [--source NAME] [--since RFC3339] [--all-versions]",
		Short: "Write the archive out as Hexo or Hugo posts, JSON Lines or WARC",
		Long: `Export writes the archived articles (the latest version of each, or every
version with --all-versions) into --out (default: export.<format>.out in the
config). Re-running it rewrites only what changed.

  hexo  one Markdown post per article in --out (a Hexo site's source/_posts);
        images, date style and categories follow export.hexo
  hugo  one page bundle per article: --out/content/posts/<slug>/index.md
  json  --out/chronicle.jsonl: one JSON object per article version
        (--out - writes to stdout)
  warc  --out/chronicle.warc.gz: WARC 1.1, the archived responses and images

Posts keep their file name when an article's title changes. Images follow
export.<format>.images: remote keeps the original URLs, local copies the
archived images next to the posts, and a template containing {url} wraps the
original URL.

` + exitHelp,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "output format: hexo, hugo, json or warc")
	f.StringVar(&o.out, "out", "", "output directory (default: export.<format>.out from the config)")
	f.StringArrayVar(&o.sources, "source", nil, "only this source (repeatable)")
	f.StringVar(&o.since, "since", "", "only articles seen at or after this time (RFC 3339)")
	f.BoolVar(&o.allVersions, "all-versions", false, "write every version, not only the latest")
	return cmd
}

func runExport(cmd *cobra.Command, g *globals, o exportOptions) error {
	switch o.format {
	case "hexo", "hugo", "json", "warc":
	case "":
		return usagef("--format is required (hexo, hugo, json or warc)")
	default:
		return usagef("--format %s: want hexo, hugo, json or warc", o.format)
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
		switch o.format {
		case "hexo":
			out = cfg.Export.Hexo.Out
		case "hugo":
			out = cfg.Export.Hugo.Out
		case "json":
			out = cfg.Export.JSON.Out
		case "warc":
			out = cfg.Export.WARC.Out
		}
	}
	if out == "-" && o.format != "json" {
		return usagef("--out -: only --format json writes to stdout")
	}
	st, err := g.openArchive(cfg, true)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := cmd.Context()
	switch o.format {
	case "hexo":
		var loc *time.Location
		if cfg.Export.Hexo.Date == export.DateLocal {
			if loc, err = time.LoadLocation(cfg.Export.Hexo.Timezone); err != nil {
				return usagef("export.hexo.timezone %q: %v", cfg.Export.Hexo.Timezone, err)
			}
		}
		stats, err := export.Hexo(ctx, st, export.HexoOptions{
			Out:         out,
			Images:      cfg.Export.Hexo.Images,
			Sources:     sourceMeta(cfg),
			Only:        o.sources,
			Since:       since,
			AllVersions: o.allVersions,
			Date:        cfg.Export.Hexo.Date,
			Location:    loc,
			Categories:  cfg.Export.Hexo.Categories,
			Logger:      g.log,
		})
		if err != nil {
			return fmt.Errorf("export to %s: %w", out, err)
		}
		fmt.Fprintf(g.stdout, "%s: %d posts written, %d unchanged, %d images copied\n", out, stats.Written, stats.Unchanged, stats.Assets)
	case "hugo":
		stats, err := export.Hugo(ctx, st, export.HugoOptions{
			Out:         out,
			Images:      cfg.Export.Hugo.Images,
			Sources:     sourceMeta(cfg),
			Only:        o.sources,
			Since:       since,
			AllVersions: o.allVersions,
			Logger:      g.log,
		})
		if err != nil {
			return fmt.Errorf("export to %s: %w", out, err)
		}
		fmt.Fprintf(g.stdout, "%s: %d posts written, %d unchanged, %d images copied\n", filepath.Join(out, export.HugoPosts), stats.Written, stats.Unchanged, stats.Assets)
	case "json":
		stats, err := export.JSON(ctx, st, export.JSONOptions{
			Out: out, Stdout: g.stdout, Only: o.sources, Since: since, AllVersions: o.allVersions,
		})
		if err != nil {
			return fmt.Errorf("export to %s: %w", out, err)
		}
		if out != "-" {
			fmt.Fprintf(g.stdout, "%s: %d records, %s\n", filepath.Join(out, export.JSONFile), stats.Records, changedWord(stats))
		}
	case "warc":
		stats, err := export.WARC(ctx, st, export.WARCOptions{
			Out: out, Only: o.sources, Since: since, AllVersions: o.allVersions,
		})
		if err != nil {
			return fmt.Errorf("export to %s: %w", out, err)
		}
		fmt.Fprintf(g.stdout, "%s: %d records, %s\n", filepath.Join(out, export.WARCFile), stats.Records, changedWord(stats))
	}
	return nil
}

func changedWord(st export.Stats) string {
	if st.Written > 0 {
		return "written"
	}
	return "unchanged"
}

func sourceMeta(cfg *config.Config) map[string]export.SourceMeta {
	m := make(map[string]export.SourceMeta, len(cfg.Sources))
	for _, s := range cfg.Sources {
		m[s.Name] = export.SourceMeta{Categories: s.Categories, Author: s.Author}
	}
	return m
}
