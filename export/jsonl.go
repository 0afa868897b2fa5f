package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/chronicle-archive/chronicle/archive"
)

// JSONFile is the file name export --format json writes in its directory.
const JSONFile = "chronicle.jsonl"

// JSONOptions configure JSON.
type JSONOptions struct {
	// Out is the directory chronicle.jsonl is written to, or "-" for Stdout.
	Out         string
	Stdout      io.Writer
	Only        []string  // source names to export; empty exports all
	Since       time.Time // articles last seen at or after Since; zero = all
	AllVersions bool      // every version, not only the latest
}

// JSONRecord is one line of the JSON Lines export: one version of one
// article. Field names are part of the documented contract (README).
type JSONRecord struct {
	ID           string              `json:"id"`       // article ID: SHA-256 of the canonical URL, hex
	URL          string              `json:"url"`      // canonical article URL
	Source       string              `json:"source"`   // source name from the config
	Version      int                 `json:"version"`  // 1-based version number
	Versions     int                 `json:"versions"` // versions the article has
	FirstSeen    time.Time           `json:"first_seen"`
	LastSeen     time.Time           `json:"last_seen"`
	FetchedURL   string              `json:"fetched_url"` // URL fetched (after redirects)
	FetchedAt    time.Time           `json:"fetched_at"`
	Status       int                 `json:"status"`
	ETag         string              `json:"etag"`
	LastModified string              `json:"last_modified"`
	Header       map[string][]string `json:"header"`
	RawSHA256    string              `json:"raw_sha256"` // SHA-256 of the raw response body
	RawSize      int64               `json:"raw_size"`
	ContentHash  string              `json:"content_hash"`
	Title        string              `json:"title"`
	Author       string              `json:"author"`
	Published    string              `json:"published"` // RFC 3339 UTC, or "" when unknown
	Categories   []string            `json:"categories"`
	LeadImage    string              `json:"lead_image"`
	BodyHTML     string              `json:"body_html"`
	BodyText     string              `json:"body_text"`
	Images       []string            `json:"images"`
	Videos       []string            `json:"videos"`
	Assets       []JSONAsset         `json:"assets"`
}

// JSONAsset is an asset a version references.
type JSONAsset struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
}

// JSON writes one JSON object per article version (see JSONRecord) to
// Out/chronicle.jsonl, in a stable order (articles by first sighting, then
// URL; versions ascending). The file is replaced only when its bytes change.
func JSON(ctx context.Context, r Reader, opts JSONOptions) (st Stats, err error) {
	if opts.Out == "" {
		return st, fmt.Errorf("json export: no output directory")
	}
	infos, err := r.Articles(ctx)
	if err != nil {
		return st, fmt.Errorf("json export: list articles: %w", err)
	}
	sortArticles(infos)
	fill := func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, info := range infos {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !wanted(info, opts.Only, opts.Since) {
				continue
			}
			for _, v := range versionsOf(info, opts.AllVersions) {
				snap, err := r.Snapshot(info.ID, v)
				if err != nil {
					return fmt.Errorf("json export: article %s (%s) version %d: %w", info.ID, info.URL, v, err)
				}
				if err := enc.Encode(jsonRecord(info, snap)); err != nil {
					return fmt.Errorf("json export: %w", err)
				}
				st.Records++
			}
		}
		return nil
	}
	if opts.Out == "-" {
		w := opts.Stdout
		if w == nil {
			w = os.Stdout
		}
		return st, fill(w)
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return st, fmt.Errorf("json export: output directory %s: %w", opts.Out, err)
	}
	changed, err := writeFileIfChanged(out, JSONFile, fill)
	if err != nil {
		return st, err
	}
	if changed {
		st.Written = 1
	} else {
		st.Unchanged = 1
	}
	return st, nil
}

func jsonRecord(info archive.ArticleInfo, s *archive.Snapshot) JSONRecord {
	c := s.Content
	rec := JSONRecord{
		ID: info.ID.String(), URL: info.URL, Source: s.Source, Version: s.Version, Versions: info.Versions,
		FirstSeen: info.FirstSeen.UTC(), LastSeen: info.LastSeen.UTC(),
		FetchedURL: s.URL, FetchedAt: s.FetchedAt.UTC(), Status: s.Status,
		ETag: s.ETag, LastModified: s.LastModified, Header: s.Header,
		RawSHA256: s.RawSHA.String(), RawSize: s.RawSize, ContentHash: s.ContentHash.String(),
		Title: c.Title, Author: c.Author, Categories: nonNil(c.Categories), LeadImage: c.LeadImage,
		BodyHTML: c.BodyHTML, BodyText: c.BodyText, Images: nonNil(c.Images), Videos: nonNil(c.Videos),
		Assets: []JSONAsset{},
	}
	if rec.Source == "" {
		rec.Source = info.Source
	}
	if rec.Header == nil {
		rec.Header = map[string][]string{}
	}
	if !c.Published.IsZero() {
		rec.Published = c.Published.UTC().Format(time.RFC3339)
	}
	for _, a := range s.Assets {
		rec.Assets = append(rec.Assets, JSONAsset{URL: a.URL, SHA256: a.SHA.String()})
	}
	return rec
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
