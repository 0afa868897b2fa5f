package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/rs/zerolog"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/extract"
	"github.com/chronicle-archive/chronicle/internal/config"
)

// ReextractSummary counts what Reextract did.
type ReextractSummary struct {
	Articles  int `json:"articles"`  // articles whose latest raw response was extracted again
	Changed   int `json:"changed"`   // of those, new versions written
	Unchanged int `json:"unchanged"` // extraction gave the same content
	Errors    int `json:"errors"`    // unreadable records or failed extractions (logged)
}

// Reextract runs extraction again over the raw response of the latest
// version of every archived article of the named sources (all when names
// is empty), with the rules in cfg now. Where the content changes it adds a
// version marked as a re-extraction of that fetch; nothing is downloaded.
// Images the new extraction finds that are not archived stay remote.
func Reextract(ctx context.Context, cfg *config.Config, store *archive.Store, names []string, log zerolog.Logger) (ReextractSummary, error) {
	var sum ReextractSummary
	sources, err := selectSources(cfg, names)
	if err != nil {
		return sum, err
	}
	bySource := map[string]*config.Source{}
	for _, s := range sources {
		bySource[s.Name] = s
	}
	arts, err := store.Articles(ctx)
	if err != nil {
		return sum, fmt.Errorf("list articles: %w", err)
	}
	for _, a := range arts {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		src, ok := bySource[a.Source]
		if !ok && len(names) > 0 {
			continue
		}
		sum.Articles++
		changed, err := reextractOne(ctx, store, a, src)
		switch {
		case err != nil:
			sum.Errors++
			log.Warn().Err(err).Str("id", a.ID.Short()).Str("url", a.URL).Msg("not re-extracted")
		case changed:
			sum.Changed++
			log.Info().Str("id", a.ID.Short()).Str("url", a.URL).Msg("re-extraction changed the content: new version")
		default:
			sum.Unchanged++
		}
	}
	return sum, nil
}

func reextractOne(ctx context.Context, store *archive.Store, a archive.ArticleInfo, src *config.Source) (bool, error) {
	snap, err := store.Snapshot(a.ID, 0)
	if err != nil {
		return false, fmt.Errorf("read latest version: %w", err)
	}
	// Re-extract the fetch a version came from: a re-extraction's own
	// record repeats that fetch's raw response and headers.
	raw, err := store.Raw(snap.RawSHA)
	if err != nil {
		return false, fmt.Errorf("read raw response: %w", err)
	}
	pageURL, err := url.Parse(snap.URL)
	if err != nil {
		return false, fmt.Errorf("parse fetched url: %w", err)
	}
	rules, loc := RulesFor(src)
	art, err := extract.Extract(extract.Input{
		Body:        raw,
		ContentType: http.Header(snap.Header).Get("Content-Type"),
		URL:         pageURL,
		FetchedAt:   snap.FetchedAt,
		Rules:       rules,
		Location:    loc,
	})
	if err != nil {
		return false, fmt.Errorf("extract: %w", err)
	}
	var refs []archive.AssetRef
	for _, u := range assetURLs(art) {
		if sha, ok, err := store.AssetByURL(u); err != nil {
			return false, fmt.Errorf("look up asset: %w", err)
		} else if ok {
			refs = append(refs, archive.AssetRef{URL: u, SHA: sha})
		}
	}
	origin := snap.Version
	if snap.ReextractOf > 0 {
		origin = snap.ReextractOf
	}
	res, err := store.Put(ctx, archive.Capture{
		URL:    a.URL,
		Source: a.Source,
		Fetch: archive.Fetch{
			URL: snap.URL, FetchedAt: snap.FetchedAt, Status: snap.Status, Header: snap.Header, Raw: raw,
		},
		Content:     content(art),
		AssetRefs:   dedupeRefs(refs),
		ReextractOf: origin,
	})
	if err != nil {
		return false, fmt.Errorf("archive: %w", err)
	}
	return res.Changed, nil
}

func dedupeRefs(refs []archive.AssetRef) []archive.AssetRef {
	seen := map[string]bool{}
	out := refs[:0]
	for _, r := range refs {
		if !seen[r.URL] {
			seen[r.URL] = true
			out = append(out, r)
		}
	}
	return out
}
