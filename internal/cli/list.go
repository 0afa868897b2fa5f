package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/config"
)

type listOptions struct {
	sources []string
	json    bool
}

// listEntry is one element of the `list --json` array (SPEC).
type listEntry struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Source    string    `json:"source"`
	Versions  int       `json:"versions"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

func newListCommand(g *globals) *cobra.Command {
	var o listOptions
	cmd := &cobra.Command{
		Use:   "list [--source NAME] [--json]",
		Short: "List the archived articles",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.readArchive(func(cfg *config.Config, st *archive.Store) error {
				for _, name := range o.sources {
					if _, ok := cfg.Source(name); !ok {
						return usagef("--source %s: no such source in %s", name, cfg.Path)
					}
				}
				arts, err := st.Articles(cmd.Context())
				if err != nil {
					return fmt.Errorf("list %s: %w", cfg.Archive, err)
				}
				only := map[string]bool{}
				for _, s := range o.sources {
					only[s] = true
				}
				entries := []listEntry{}
				for _, a := range arts {
					if len(only) > 0 && !only[a.Source] {
						continue
					}
					entries = append(entries, listEntry{ID: a.ID.Short(), URL: a.URL, Title: a.Title, Source: a.Source,
						Versions: a.Versions, FirstSeen: a.FirstSeen.UTC(), LastSeen: a.LastSeen.UTC()})
				}
				if o.json {
					b, err := json.Marshal(entries)
					if err != nil {
						return err
					}
					fmt.Fprintln(g.stdout, string(b))
					return nil
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSOURCE\tVERSIONS\tLAST SEEN\tTITLE")
				for _, e := range entries {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", e.ID, e.Source, e.Versions, e.LastSeen.Format("2006-01-02 15:04"), e.Title)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringArrayVar(&o.sources, "source", nil, "only this source (repeatable)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print a JSON array")
	return cmd
}
