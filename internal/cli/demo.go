package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/export"
	"github.com/chronicle-archive/chronicle/internal/config"
	"github.com/chronicle-archive/chronicle/internal/newssite"
	"github.com/chronicle-archive/chronicle/internal/pipeline"
)

type demoOptions struct {
	dir string
}

func newDemoCommand(g *globals) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR]",
		Short: "Offline: crawl a bundled sample news site, export it, verify it",
		Long: `Demo serves a bundled sample news site on 127.0.0.1 (listings with
pagination, an RSS and an Atom feed, a gzipped sitemap, lazy-loaded images, a
video embed, a GBK-encoded page), crawls it into a new archive, exports Hexo
posts, verifies the archive and prints where everything is. It needs no
network and ignores --config: it writes its own config.yaml into --dir (a new
temporary directory by default), ready for the other commands.`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), g, o)
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", "", "where to put the archive, config and posts (default: a new temporary directory)")
	return cmd
}

// progName is how the user ran chronicle, for commands we suggest: a
// binary built by `go run` lives in a temporary directory.
func progName() string {
	if len(os.Args) > 0 && strings.Contains(os.Args[0], "go-build") {
		return "go run ./cmd/chronicle"
	}
	return "chronicle"
}

func runDemo(ctx context.Context, g *globals, o demoOptions) error {
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "chronicle-demo-")
		if err != nil {
			return fmt.Errorf("create demo directory: %w", err)
		}
		dir = d
	} else {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create demo directory: %w", err)
		}
		for _, name := range []string{"config.yaml", "chronicle.db", "posts"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return usagef("--dir %s already holds %s: give an empty or new directory", dir, name)
			}
		}
	}
	dir, _ = filepath.Abs(dir)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("serve the sample site: %w", err)
	}
	srv := &http.Server{Handler: newssite.New(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown below
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	base := "http://" + ln.Addr().String()

	cfgPath := filepath.Join(dir, "config.yaml")
	archivePath := filepath.Join(dir, "chronicle.db")
	postsDir := filepath.Join(dir, "posts")
	if err := os.WriteFile(cfgPath, []byte(newssite.ConfigYAML(base, archivePath, postsDir)), 0o644); err != nil {
		return fmt.Errorf("write demo config: %w", err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	w := g.stdout
	fmt.Fprintf(w, "Serving the sample news site at %s\n", base)

	st, err := archive.Open(cfg.Archive, archive.Options{Timeout: cfg.LockTimeout})
	if err != nil {
		return fmt.Errorf("open demo archive: %w", err)
	}
	start := time.Now()
	sum, err := pipeline.Crawl(ctx, cfg, st, nil, g.log)
	if err != nil && !errors.Is(err, pipeline.ErrAllSourcesFailed) {
		st.Close()
		return fmt.Errorf("demo crawl: %w", err)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(w, "Crawled %d pages in %.2fs (%.0f pages/s): %d articles, %d images (%s), %d errors\n",
		sum.PagesFetched, elapsed.Seconds(), float64(sum.PagesFetched)/elapsed.Seconds(),
		sum.ArticlesNew+sum.ArticlesUpdated+sum.ArticlesUnchanged, sum.AssetsNew, humanBytes(sum.AssetsBytes), sum.Errors)

	stats, err := export.Hexo(ctx, st, export.HexoOptions{
		Out: cfg.Export.Hexo.Out, Images: cfg.Export.Hexo.Images, Sources: sourceMeta(cfg), Logger: g.log,
	})
	if err != nil {
		st.Close()
		return fmt.Errorf("demo export: %w", err)
	}
	fmt.Fprintf(w, "Exported %d Hexo posts (%d images copied)\n", stats.Written, stats.Assets)

	rep, err := st.Verify(ctx)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("demo verify: %w", err)
	}
	size := int64(0)
	if fi, err := os.Stat(cfg.Archive); err == nil {
		size = fi.Size()
	}
	if rep.OK {
		fmt.Fprintf(w, "Verified: %d articles, %d snapshots, %d assets, %s checked, no problems\n", rep.Articles, rep.Snapshots, rep.Assets, humanBytes(rep.BytesChecked))
	} else {
		fmt.Fprintf(w, "Verify found %d problems\n", len(rep.Problems))
	}
	fmt.Fprintf(w, `
Results in %s:
  config.yaml    the config used (the site is gone when demo exits; the archive stays)
  chronicle.db   the archive (%s)
  posts/         the Hexo posts

Try:
  %[4]s --config %[3]s list
  %[4]s --config %[3]s show <ID>
  %[4]s --config %[3]s export --format hexo
  %[4]s --config %[3]s verify
`, dir, humanBytes(size), cfgPath, progName())
	if !rep.OK {
		return failure{}
	}
	return nil
}
