package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"
	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/config"
)

func newHistoryCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "history ID|URL",
		Short: "An article's versions, with what changed between them",
		Long: `History lists every archived version of one article (by ID, a unique ID prefix
of at least 6 characters, or URL) with its fetch time, and between two
versions a unified diff of what changed: title, author, date, images, videos
and the body text, one paragraph per line.

` + exitHelp,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.readArchive(func(_ *config.Config, st *archive.Store) error {
				info, err := lookup(st, args[0])
				if err != nil {
					return err
				}
				return printHistory(g, st, info)
			})
		},
	}
}

func printHistory(g *globals, st *archive.Store, info archive.ArticleInfo) error {
	w := g.stdout
	fmt.Fprintf(w, "%s\n%s  %s  (%s)\nfirst seen %s, last seen %s, %d version(s)\n",
		info.Title, info.ID.Short(), info.URL, info.Source,
		info.FirstSeen.UTC().Format(time.RFC3339), info.LastSeen.UTC().Format(time.RFC3339), info.Versions)
	var prev *archive.Snapshot
	for v := 1; v <= info.Versions; v++ {
		s, err := st.Snapshot(info.ID, v)
		if err != nil {
			return fmt.Errorf("read version %d of %s: %w", v, info.ID.Short(), err)
		}
		fmt.Fprintf(w, "\nversion %d  fetched %s  HTTP %d  content %s\n", v, s.FetchedAt.UTC().Format(time.RFC3339), s.Status, s.ContentHash.String()[:12])
		if prev != nil {
			before, after := versionText(prev), versionText(s)
			if before == after {
				fmt.Fprintln(w, "  (no change in the extracted text; markup or image bytes changed)")
			} else {
				fmt.Fprint(w, udiff.Unified(fmt.Sprintf("version %d", prev.Version), fmt.Sprintf("version %d", s.Version), before, after))
			}
		}
		prev = s
	}
	return nil
}

// versionText renders what a reader sees of a version, one paragraph per
// line, so a diff shows changed paragraphs.
func versionText(s *archive.Snapshot) string {
	var b strings.Builder
	c := s.Content
	fmt.Fprintf(&b, "title: %s\nauthor: %s\n", c.Title, c.Author)
	if !c.Published.IsZero() {
		fmt.Fprintf(&b, "published: %s\n", c.Published.UTC().Format(time.RFC3339))
	}
	for _, im := range c.Images {
		fmt.Fprintf(&b, "image: %s\n", im)
	}
	for _, v := range c.Videos {
		fmt.Fprintf(&b, "video: %s\n", v)
	}
	b.WriteString("\n")
	for _, p := range strings.Split(c.BodyText, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString(p)
			b.WriteString("\n")
		}
	}
	return b.String()
}
