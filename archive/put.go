package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// snapshotKey is the snapshots-bucket key: article ID then big-endian version.
func snapshotKey(id ID, version int) []byte {
	k := make([]byte, len(id)+4)
	copy(k, id[:])
	binary.BigEndian.PutUint32(k[len(id):], uint32(version))
	return k
}

// snapshotName names a snapshot in errors and problems: hex ID/version.
func snapshotName(id ID, version int) string {
	return fmt.Sprintf("%s/%d", id, version)
}

// preparedAsset is an asset of a Capture, hashed outside the transaction.
type preparedAsset struct {
	sha  ID
	data AssetData
}

// Put archives one crawl of an article in a single bbolt transaction. When
// the content hash equals the latest snapshot's, it only records that the
// article was seen (LastSeen) and stores nothing else: the raw response and
// assets of an unchanged crawl would be referenced by no snapshot. Otherwise
// it writes a new snapshot (version N+1) with its raw response and any new
// assets (each stored once, whatever number of snapshots refer to it). Every AssetRef must resolve
// to an asset in c.Assets or already in the archive, or Put fails and writes
// nothing.
//
// The frontier URLs in done, when given, leave the frontier in the same
// transaction (see Done): the crawl that fetched the capture is finished
// with them, and a crash cannot separate the write from the removal. A Put
// that fails removes nothing.
func (s *Store) Put(ctx context.Context, c Capture, done ...string) (PutResult, error) {
	if c.URL == "" {
		return PutResult{}, errors.New("put: capture has no url")
	}
	id := Hash([]byte(c.URL))
	res := PutResult{Article: id}
	fail := func(err error) (PutResult, error) {
		return PutResult{}, fmt.Errorf("put %s (%s): %w", c.URL, id.Short(), err)
	}
	if !utf8.ValidString(c.URL) {
		return fail(errors.New("url is not valid utf-8"))
	}

	// Hash, encode and compress before taking the write lock.
	seen := c.Fetch.FetchedAt.UTC()
	if c.Fetch.FetchedAt.IsZero() {
		seen = time.Now().UTC()
	}
	assets := make([]preparedAsset, 0, len(c.Assets))
	fresh := make(map[ID]bool, len(c.Assets))
	for _, a := range c.Assets {
		sha := Hash(a.Data)
		assets = append(assets, preparedAsset{sha: sha, data: a})
		fresh[sha] = true
	}
	content := normalizeContent(c.Content)
	rawSHA := Hash(c.Fetch.Raw)
	snap := snapshotRecord{
		Article:      id,
		Source:       validUTF8(c.Source),
		URL:          validUTF8(c.Fetch.URL),
		FetchedAt:    seen,
		Status:       c.Fetch.Status,
		ETag:         validUTF8(headerValue(c.Fetch.Header, "ETag")),
		LastModified: validUTF8(headerValue(c.Fetch.Header, "Last-Modified")),
		Header:       validHeader(c.Fetch.Header),
		Content:      content,
		ContentHash:  contentHash(&content),
		RawSHA:       rawSHA,
		RawSize:      int64(len(c.Fetch.Raw)),
		ReextractOf:  c.ReextractOf,
	}
	for _, r := range c.AssetRefs {
		snap.Assets = append(snap.Assets, AssetRef{URL: validUTF8(r.URL), SHA: r.SHA})
	}
	if snap.URL == "" {
		snap.URL = validUTF8(c.URL)
	}
	compressed := s.enc.EncodeAll(c.Fetch.Raw, nil)

	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		if err := frontierDone(tx, done); err != nil {
			return err
		}
		articles, err := bucket(tx, bucketArticles)
		if err != nil {
			return err
		}
		snapshots, err := bucket(tx, bucketSnapshots)
		if err != nil {
			return err
		}
		assetsB, err := bucket(tx, bucketAssets)
		if err != nil {
			return err
		}

		// Every reference must resolve before anything is written.
		for _, r := range snap.Assets {
			if !fresh[r.SHA] && assetsB.Get(r.SHA[:]) == nil {
				return fmt.Errorf("asset %s (%s) is neither in the capture nor in the archive: %w", r.SHA, r.URL, ErrNotFound)
			}
		}

		var art articleRecord
		if v := articles.Get(id[:]); v != nil {
			if err := openJSON(v, &art); err != nil {
				return fmt.Errorf("%w: article %s: %v", ErrCorrupt, id, err)
			}
			if art.URL != c.URL {
				return fmt.Errorf("%w: article %s holds url %q", ErrCorrupt, id, art.URL)
			}
			latest, err := readSnapshot(snapshots, id, art.Versions)
			if errors.Is(err, ErrNotFound) {
				err = fmt.Errorf("%w: article %s: latest version %d: %v", ErrCorrupt, id, art.Versions, err)
			}
			if err != nil {
				return err
			}
			if latest.ContentHash == snap.ContentHash {
				if c.ReextractOf > 0 {
					return nil // a re-extraction that changes nothing writes nothing
				}
				// Unchanged: only record the sighting.
				if seen.After(art.LastSeen) {
					art.LastSeen = seen
				}
				res.Version = art.Versions
				if err := putJSON(articles, id[:], &art); err != nil {
					return err
				}
				return recordArticleFetch(tx, &c, snap.ETag, snap.LastModified, seen, false)
			}
		} else {
			if c.ReextractOf > 0 {
				return fmt.Errorf("re-extraction of version %d of an article not in the archive: %w", c.ReextractOf, ErrNotFound)
			}
			res.NewArticle = true
			art = articleRecord{URL: c.URL, Source: snap.Source, FirstSeen: seen, LastSeen: seen}
		}

		// New or changed: store what the snapshot needs, then the snapshot.
		n, size, err := storeAssets(tx, assets, seen)
		if err != nil {
			return err
		}
		res.AssetsNew, res.AssetsBytes = n, size
		raw, err := bucket(tx, bucketRaw)
		if err != nil {
			return err
		}
		if raw.Get(rawSHA[:]) == nil {
			if err := raw.Put(rawSHA[:], compressed); err != nil {
				return fmt.Errorf("store raw %s: %w", rawSHA, err)
			}
		}
		art.Versions++
		art.Title = content.Title
		art.Source = snap.Source
		if seen.After(art.LastSeen) {
			art.LastSeen = seen
		}
		snap.Version = art.Versions
		if err := putJSON(snapshots, snapshotKey(id, snap.Version), &snap); err != nil {
			return err
		}
		res.Version = art.Versions
		res.Changed = true
		if err := putJSON(articles, id[:], &art); err != nil {
			return err
		}
		if c.ReextractOf > 0 {
			return nil // no fetch happened: the fetch state stays as it is
		}
		return recordArticleFetch(tx, &c, snap.ETag, snap.LastModified, seen, true)
	})
	if err != nil {
		return fail(err)
	}
	return res, nil
}

// storeAssets writes the assets not yet stored, their metadata and their URL
// mappings, returning how many were new and their total size.
func storeAssets(tx *bolt.Tx, assets []preparedAsset, seen time.Time) (int, int64, error) {
	if len(assets) == 0 {
		return 0, 0, nil
	}
	data, err := bucket(tx, bucketAssets)
	if err != nil {
		return 0, 0, err
	}
	meta, err := bucket(tx, bucketAssetMeta)
	if err != nil {
		return 0, 0, err
	}
	urls, err := bucket(tx, bucketAssetURLs)
	if err != nil {
		return 0, 0, err
	}
	fs, err := bucket(tx, bucketFetchState)
	if err != nil {
		return 0, 0, err
	}
	var n int
	var size int64
	for _, a := range assets {
		if data.Get(a.sha[:]) == nil {
			if err := data.Put(a.sha[:], bytes.Clone(a.data.Data)); err != nil {
				return 0, 0, fmt.Errorf("store asset %s: %w", a.sha, err)
			}
			n++
			size += int64(len(a.data.Data))
		}
		if meta.Get(a.sha[:]) == nil {
			m := assetMetaRecord{
				URL: validUTF8(a.data.URL), ContentType: validUTF8(a.data.ContentType),
				Size: int64(len(a.data.Data)), FirstSeen: seen,
			}
			if err := putJSON(meta, a.sha[:], &m); err != nil {
				return 0, 0, err
			}
		}
		if a.data.URL != "" && len(a.data.URL) <= bolt.MaxKeySize {
			changed := true
			if old := urls.Get([]byte(a.data.URL)); old != nil {
				if p, err := open(old); err == nil && bytes.Equal(p, a.sha[:]) {
					changed = false
				}
			}
			if err := urls.Put([]byte(a.data.URL), seal(a.sha[:])); err != nil {
				return 0, 0, fmt.Errorf("store asset url %s: %w", a.data.URL, err)
			}
			etag, lm := headerValue(a.data.Header, "ETag"), headerValue(a.data.Header, "Last-Modified")
			if err := recordFetch(fs, a.data.URL, KindAsset, "", etag, lm, seen, changed, true); err != nil {
				return 0, 0, err
			}
		}
	}
	return n, size, nil
}

// recordArticleFetch updates the fetch state of a Put's article URL (and of
// the URL requested, when another) inside its transaction.
func recordArticleFetch(tx *bolt.Tx, c *Capture, etag, lastModified string, seen time.Time, changed bool) error {
	fs, err := bucket(tx, bucketFetchState)
	if err != nil {
		return err
	}
	if err := recordFetch(fs, c.URL, KindArticle, c.URL, etag, lastModified, seen, changed, true); err != nil {
		return err
	}
	if c.Requested != "" && c.Requested != c.URL && utf8.ValidString(c.Requested) {
		return recordFetch(fs, c.Requested, KindArticle, c.URL, etag, lastModified, seen, changed, true)
	}
	return nil
}

// putJSON stores v, sealed in an envelope, under key.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	val, err := sealJSON(v)
	if err != nil {
		return fmt.Errorf("encode %x: %w", key, err)
	}
	if err := b.Put(key, val); err != nil {
		return fmt.Errorf("store %x: %w", key, err)
	}
	return nil
}

// headerValue returns the first value of header name, matched without regard
// to case (headers are stored as received).
func headerValue(h map[string][]string, name string) string {
	if v := h[textproto.CanonicalMIMEHeaderKey(name)]; len(v) > 0 {
		return v[0]
	}
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}
