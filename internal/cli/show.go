package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/internal/canon"
	"github.com/chronicle-archive/chronicle/internal/config"
)

type showOptions struct {
	version int
	json    bool
}

// showJSON is the `show --json` object: the article, the version shown and
// its extracted fields.
type showJSON struct {
	ID          string              `json:"id"`
	URL         string              `json:"url"`
	Source      string              `json:"source"`
	Version     int                 `json:"version"`
	Versions    int                 `json:"versions"`
	FetchedAt   time.Time           `json:"fetched_at"`
	Status      int                 `json:"status"`
	Title       string              `json:"title"`
	Author      string              `json:"author"`
	Published   string              `json:"published"` // RFC 3339, "" when unknown
	Categories  []string            `json:"categories"`
	LeadImage   string              `json:"lead_image"`
	BodyHTML    string              `json:"body_html"`
	BodyText    string              `json:"body_text"`
	Images      []string            `json:"images"`
	Videos      []string            `json:"videos"`
	Assets      []showAsset         `json:"assets"`
	ContentHash string              `json:"content_hash"`
	ReextractOf int                 `json:"reextract_of,omitempty"` // the version whose fetch this re-extracted
	Header      map[string][]string `json:"header,omitempty"`
}

type showAsset struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
}

func newShowCommand(g *globals) *cobra.Command {
	var o showOptions
	cmd := &cobra.Command{
		Use:   "show ID|URL [--version N] [--json]",
		Short: "Show one archived article (the latest version unless --version)",
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.readArchive(func(cfg *config.Config, st *archive.Store) error {
				info, err := lookup(st, args[0])
				if err != nil {
					return err
				}
				if o.version < 0 || o.version > info.Versions {
					return usagef("--version %d: article %s has versions 1 to %d", o.version, info.ID.Short(), info.Versions)
				}
				snap, err := st.Snapshot(info.ID, o.version)
				if err != nil {
					return fmt.Errorf("read article %s: %w", info.ID.Short(), err)
				}
				if o.json {
					return printShowJSON(g, info, snap)
				}
				printShow(g, info, snap)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&o.version, "version", 0, "version number (default: the latest)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print one JSON object")
	return cmd
}

// lookup finds an article by ID (or unique ID prefix) or by URL.
func lookup(st *archive.Store, ref string) (archive.ArticleInfo, error) {
	if !strings.Contains(ref, "://") && len(ref) < 6 {
		return archive.ArticleInfo{}, usagef("%q: give at least 6 characters of an ID, or a URL", ref)
	}
	key := ref
	if strings.Contains(ref, "://") {
		if c, err := canon.URL(ref); err == nil {
			key = c
		}
	}
	info, err := st.Lookup(key)
	if errors.Is(err, archive.ErrNotFound) {
		return info, failure{msg: fmt.Sprintf("no archived article matches %q", ref)}
	}
	return info, err
}

func printShowJSON(g *globals, info archive.ArticleInfo, s *archive.Snapshot) error {
	out := showJSON{
		ID: info.ID.Short(), URL: info.URL, Source: info.Source, Version: s.Version, Versions: info.Versions,
		FetchedAt: s.FetchedAt.UTC(), Status: s.Status,
		Title: s.Content.Title, Author: s.Content.Author, Categories: nonNil(s.Content.Categories),
		LeadImage: s.Content.LeadImage, BodyHTML: s.Content.BodyHTML, BodyText: s.Content.BodyText,
		Images: nonNil(s.Content.Images), Videos: nonNil(s.Content.Videos), Assets: []showAsset{},
		ContentHash: s.ContentHash.String(), Header: s.Header, ReextractOf: s.ReextractOf,
	}
	if !s.Content.Published.IsZero() {
		out.Published = s.Content.Published.UTC().Format(time.RFC3339)
	}
	for _, a := range s.Assets {
		out.Assets = append(out.Assets, showAsset{URL: a.URL, SHA256: a.SHA.String()})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	fmt.Fprintln(g.stdout, string(b))
	return nil
}

func printShow(g *globals, info archive.ArticleInfo, s *archive.Snapshot) {
	w := g.stdout
	fmt.Fprintf(w, "%s\n%s\n\n", s.Content.Title, strings.Repeat("=", min(72, max(3, len([]rune(s.Content.Title))*2))))
	fmt.Fprintf(w, "id:        %s\nurl:       %s\nsource:    %s\nversion:   %d of %d (fetched %s, HTTP %d)\n",
		info.ID.Short(), info.URL, info.Source, s.Version, info.Versions, s.FetchedAt.UTC().Format(time.RFC3339), s.Status)
	if s.Content.Author != "" {
		fmt.Fprintf(w, "author:    %s\n", s.Content.Author)
	}
	if !s.Content.Published.IsZero() {
		fmt.Fprintf(w, "published: %s\n", s.Content.Published.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "images:    %d in the body; %d files archived (lead image and video posters included)\n", len(s.Content.Images), len(s.Assets))
	if len(s.Content.Videos) > 0 {
		fmt.Fprintf(w, "videos:    %s\n", strings.Join(s.Content.Videos, ", "))
	}
	fmt.Fprintf(w, "\n%s\n", s.Content.BodyText)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
