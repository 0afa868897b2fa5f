package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// readSnapshot reads and checks one snapshot record inside a transaction.
func readSnapshot(b *bolt.Bucket, id ID, version int) (*snapshotRecord, error) {
	name := snapshotName(id, version)
	if version <= 0 {
		return nil, fmt.Errorf("snapshot %s: %w", name, ErrNotFound)
	}
	v := b.Get(snapshotKey(id, version))
	if v == nil {
		return nil, fmt.Errorf("snapshot %s: %w", name, ErrNotFound)
	}
	var rec snapshotRecord
	if err := openJSON(v, &rec); err != nil {
		return nil, fmt.Errorf("%w: snapshot %s: %v", ErrCorrupt, name, err)
	}
	if rec.Article != id || rec.Version != version {
		return nil, fmt.Errorf("%w: snapshot %s: record names %s", ErrCorrupt, name, snapshotName(rec.Article, rec.Version))
	}
	if h := contentHash(&rec.Content); h != rec.ContentHash {
		return nil, fmt.Errorf("%w: snapshot %s: content hash %s, recorded %s", ErrCorrupt, name, h.Short(), rec.ContentHash.Short())
	}
	return &rec, nil
}

// readArticle reads and checks one article record inside a transaction.
func readArticle(b *bolt.Bucket, id ID) (*articleRecord, error) {
	v := b.Get(id[:])
	if v == nil {
		return nil, fmt.Errorf("article %s: %w", id, ErrNotFound)
	}
	var rec articleRecord
	if err := openJSON(v, &rec); err != nil {
		return nil, fmt.Errorf("%w: article %s: %v", ErrCorrupt, id, err)
	}
	if Hash([]byte(rec.URL)) != id {
		return nil, fmt.Errorf("%w: article %s: key is not the hash of its url %q", ErrCorrupt, id, rec.URL)
	}
	return &rec, nil
}

// Snapshot returns version of article id (version 0 = latest), checked
// against its envelope and content hash.
func (s *Store) Snapshot(id ID, version int) (*Snapshot, error) {
	var snap *Snapshot
	err := s.view(func(tx *bolt.Tx) error {
		if version == 0 {
			articles, err := bucket(tx, bucketArticles)
			if err != nil {
				return err
			}
			art, err := readArticle(articles, id)
			if err != nil {
				return err
			}
			version = art.Versions
		}
		snapshots, err := bucket(tx, bucketSnapshots)
		if err != nil {
			return err
		}
		rec, err := readSnapshot(snapshots, id, version)
		if err != nil {
			return err
		}
		snap = rec.snapshot() // decoded from JSON: no memory shared with the txn
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	return snap, nil
}

// Raw returns the raw response body with SHA-256 sha, decompressed and
// checked against its hash.
func (s *Store) Raw(sha ID) ([]byte, error) {
	var compressed []byte
	err := s.view(func(tx *bolt.Tx) error {
		raw, err := bucket(tx, bucketRaw)
		if err != nil {
			return err
		}
		v := raw.Get(sha[:])
		if v == nil {
			return fmt.Errorf("raw %s: %w", sha, ErrNotFound)
		}
		compressed = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read raw: %w", err)
	}
	body, err := s.decompress(sha, compressed)
	if err != nil {
		return nil, fmt.Errorf("read raw: %w", err)
	}
	return body, nil
}

// decompress decompresses a raw blob and checks it hashes to sha.
func (s *Store) decompress(sha ID, compressed []byte) ([]byte, error) {
	body, err := s.dec.DecodeAll(compressed, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: raw %s: decompress: %v", ErrCorrupt, sha, err)
	}
	if Hash(body) != sha {
		return nil, fmt.Errorf("%w: raw %s: content hashes to %s", ErrCorrupt, sha, Hash(body).Short())
	}
	return body, nil
}

// Asset returns the asset with SHA-256 sha and its metadata, checked against
// its hash.
func (s *Store) Asset(sha ID) ([]byte, AssetInfo, error) {
	var data []byte
	var meta assetMetaRecord
	err := s.view(func(tx *bolt.Tx) error {
		assets, err := bucket(tx, bucketAssets)
		if err != nil {
			return err
		}
		v := assets.Get(sha[:])
		if v == nil {
			return fmt.Errorf("asset %s: %w", sha, ErrNotFound)
		}
		if Hash(v) != sha {
			return fmt.Errorf("%w: asset %s: content hashes to %s", ErrCorrupt, sha, Hash(v).Short())
		}
		data = bytes.Clone(v)
		metas, err := bucket(tx, bucketAssetMeta)
		if err != nil {
			return err
		}
		m := metas.Get(sha[:])
		if m == nil {
			return fmt.Errorf("%w: asset %s: metadata missing", ErrCorrupt, sha)
		}
		if err := openJSON(m, &meta); err != nil {
			return fmt.Errorf("%w: asset metadata %s: %v", ErrCorrupt, sha, err)
		}
		return nil
	})
	if err != nil {
		return nil, AssetInfo{}, fmt.Errorf("read asset: %w", err)
	}
	return data, AssetInfo{SHA: sha, URL: meta.URL, ContentType: meta.ContentType, Size: int64(len(data))}, nil
}

// AssetByURL reports the asset most recently stored for url, so that a crawl
// need not download it again. It reports false when no asset is recorded for
// url or when the recorded asset's bytes are no longer stored (Verify reports
// the latter if a snapshot needs them).
func (s *Store) AssetByURL(url string) (ID, bool, error) {
	var sha ID
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		urls, err := bucket(tx, bucketAssetURLs)
		if err != nil {
			return err
		}
		if url == "" || len(url) > bolt.MaxKeySize {
			return nil
		}
		v := urls.Get([]byte(url))
		if v == nil {
			return nil
		}
		payload, err := open(v)
		if err == nil && len(payload) != len(sha) {
			err = fmt.Errorf("%w: %d-byte hash", errEnvelopeFormat, len(payload))
		}
		if err != nil {
			return fmt.Errorf("%w: asset url %q: %v", ErrCorrupt, url, err)
		}
		copy(sha[:], payload)
		assets, err := bucket(tx, bucketAssets)
		if err != nil {
			return err
		}
		found = assets.Get(sha[:]) != nil
		return nil
	})
	if err != nil {
		return ID{}, false, fmt.Errorf("asset by url: %w", err)
	}
	if !found {
		return ID{}, false, nil
	}
	return sha, true, nil
}

// Articles returns every article, sorted by FirstSeen then URL.
func (s *Store) Articles(ctx context.Context) ([]ArticleInfo, error) {
	var out []ArticleInfo
	err := s.view(func(tx *bolt.Tx) error {
		articles, err := bucket(tx, bucketArticles)
		if err != nil {
			return err
		}
		c := articles.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(out)%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			info, err := decodeArticle(k, v)
			if err != nil {
				return err
			}
			out = append(out, info)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].FirstSeen.Equal(out[j].FirstSeen) {
			return out[i].FirstSeen.Before(out[j].FirstSeen)
		}
		return out[i].URL < out[j].URL
	})
	return out, nil
}

// decodeArticle checks and decodes an articles-bucket entry.
func decodeArticle(k, v []byte) (ArticleInfo, error) {
	var id ID
	if len(k) != len(id) {
		return ArticleInfo{}, fmt.Errorf("%w: article key %x: %d bytes", ErrCorrupt, k, len(k))
	}
	copy(id[:], k)
	var rec articleRecord
	if err := openJSON(v, &rec); err != nil {
		return ArticleInfo{}, fmt.Errorf("%w: article %s: %v", ErrCorrupt, id, err)
	}
	if Hash([]byte(rec.URL)) != id {
		return ArticleInfo{}, fmt.Errorf("%w: article %s: key is not the hash of its url %q", ErrCorrupt, id, rec.URL)
	}
	return rec.info(id), nil
}

// minPrefix is the shortest hex ID prefix Lookup accepts.
const minPrefix = 6

// Lookup finds an article by its hex ID, a unique hex prefix of at least six
// characters, or its exact (canonical) URL.
func (s *Store) Lookup(ref string) (ArticleInfo, error) {
	ref = strings.TrimSpace(ref)
	var info ArticleInfo
	err := s.view(func(tx *bolt.Tx) error {
		articles, err := bucket(tx, bucketArticles)
		if err != nil {
			return err
		}
		if isHexPrefix(ref) {
			return lookupPrefix(articles, strings.ToLower(ref), &info)
		}
		id := Hash([]byte(ref))
		v := articles.Get(id[:])
		if v == nil {
			return fmt.Errorf("article %q: %w", ref, ErrNotFound)
		}
		info, err = decodeArticle(id[:], v)
		return err
	})
	if err != nil {
		return ArticleInfo{}, fmt.Errorf("lookup: %w", err)
	}
	return info, nil
}

func isHexPrefix(s string) bool {
	if len(s) < minPrefix || len(s) > 2*len(ID{}) {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// lookupPrefix finds the single article whose hex ID starts with prefix.
func lookupPrefix(articles *bolt.Bucket, prefix string, info *ArticleInfo) error {
	seek, err := hex.DecodeString(prefix[:len(prefix)/2*2])
	if err != nil {
		return fmt.Errorf("article %q: %w", prefix, err)
	}
	var matches int
	c := articles.Cursor()
	for k, v := c.Seek(seek); k != nil && bytes.HasPrefix(k, seek); k, v = c.Next() {
		if !strings.HasPrefix(hex.EncodeToString(k), prefix) {
			continue
		}
		matches++
		if matches > 1 {
			return fmt.Errorf("article id prefix %q is ambiguous: give more characters", prefix)
		}
		if *info, err = decodeArticle(k, v); err != nil {
			return err
		}
	}
	if matches == 0 {
		return fmt.Errorf("article %q: %w", prefix, ErrNotFound)
	}
	return nil
}

// splitSnapshotKey decodes a snapshots-bucket key.
func splitSnapshotKey(k []byte) (ID, int, error) {
	var id ID
	if len(k) != len(id)+4 {
		return id, 0, fmt.Errorf("snapshot key %x: %d bytes, want %d", k, len(k), len(id)+4)
	}
	copy(id[:], k)
	return id, int(binary.BigEndian.Uint32(k[len(id):])), nil
}
