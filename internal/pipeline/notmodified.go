package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/crawler"
)

// notModified records an article whose conditional re-fetch was answered
// 304: the archive notes that it was seen again (last_seen, the recheck
// schedule, any new validators), adds no version, and the article counts as
// unchanged.
func (h *handler) notModified(ctx context.Context, p crawler.Page) error {
	// The frontier entry of p.URL goes in the same transaction: the
	// crawler's State.Done for it then writes nothing.
	err := h.store.Touch(ctx, p.URL, p.FetchedAt, p.Header.Get("ETag"), p.Header.Get("Last-Modified"), p.URL)
	switch {
	case errors.Is(err, archive.ErrNotFound):
		// A 304 for a URL the archive never stored: the validators came
		// from elsewhere. Not archived; counted as an error by the crawler.
		return fmt.Errorf("304 Not Modified for an article not in the archive: %w", err)
	case err != nil:
		if ctx.Err() == nil {
			h.stop(fmt.Errorf("%w: %s: %w", ErrArchiveFailed, h.store.Path(), err))
		}
		return fmt.Errorf("archive: %w", err)
	}
	h.finished.Store(p.URL, struct{}{})
	h.unchanged.Add(1)
	h.log.Debug().Str("source", p.Source).Str("url", p.URL).Msg("article not modified")
	return nil
}

// assetNotModified answers a 304 for an asset with the asset archived for
// its URL.
func (h *handler) assetNotModified(u string) (archive.AssetRef, *archive.AssetData, error) {
	sha, ok, err := h.store.AssetByURL(u)
	if err != nil {
		h.stop(fmt.Errorf("%w: %s: %w", ErrArchiveFailed, h.store.Path(), err))
		return archive.AssetRef{}, nil, fmt.Errorf("look up asset: %w", err)
	}
	if !ok {
		return archive.AssetRef{}, nil, errors.New("fetch asset: 304 Not Modified for an asset not in the archive")
	}
	return archive.AssetRef{URL: u, SHA: sha}, nil, nil
}
