package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the archive to dest while crawls may
// run: bbolt's Tx.WriteTo inside one read transaction (a writer waits for
// the copy), to dest+".tmp", synced, and checked with VerifyFile; only a
// copy with no problems is renamed to dest, so a failed backup never
// replaces an older good one (the damaged copy is removed). Its report is
// returned. An existing dest is refused unless force. It returns the size of
// the copy.
func (s *Store) Backup(ctx context.Context, dest string, force bool) (int64, *Report, error) {
	if _, err := os.Stat(dest); err == nil && !force {
		return 0, nil, fmt.Errorf("backup: %s exists (give --force to replace it): %w", dest, fs.ErrExist)
	}
	tmp := dest + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, nil, fmt.Errorf("backup: %w", err)
	}
	var size int64
	err = s.view(func(tx *bolt.Tx) error {
		size, err = tx.WriteTo(f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var rep *Report
	if err == nil {
		rep, err = VerifyFile(ctx, tmp, Options{Timeout: s.opWait})
		if err != nil {
			err = fmt.Errorf("verify the copy: %w", err)
		}
	}
	if err == nil && !rep.OK {
		_ = os.Remove(tmp)
		return size, rep, nil // the caller reports the problems; dest is untouched
	}
	if err == nil {
		err = os.Rename(tmp, dest)
	}
	if err == nil {
		err = syncDir(filepath.Dir(dest))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return 0, nil, fmt.Errorf("backup to %s: %w", dest, err)
	}
	return size, rep, nil
}

// Compact rewrites the archive into a fresh file without free pages (bbolt's
// Compact), checks the new file with VerifyFile, and swaps it in: the old
// file is kept as path+".old" until the new one is in place. The Store must
// be writable (it holds the writer lock). It returns the sizes before and
// after. A report with problems leaves the archive as it was.
func (s *Store) Compact(ctx context.Context) (before, after int64, rep *Report, err error) {
	if s.readOnly {
		return 0, 0, nil, errors.New("compact: the archive is open read-only")
	}
	info, err := os.Stat(s.path)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("compact: %w", err)
	}
	before = info.Size()
	tmp := s.path + ".compact"
	_ = os.Remove(tmp)
	err = s.withDB(func(src *bolt.DB) error {
		dst, err := bolt.Open(tmp, 0o644, &bolt.Options{Timeout: time.Second})
		if err != nil {
			return err
		}
		cerr := guard(s.path, "compacting", func() error { return bolt.Compact(dst, src, 64<<20) })
		if err := dst.Close(); cerr == nil {
			cerr = err
		}
		return cerr
	})
	if err != nil {
		_ = os.Remove(tmp)
		return before, 0, nil, fmt.Errorf("compact: %w", err)
	}
	rep, err = VerifyFile(ctx, tmp, Options{Timeout: s.opWait})
	if err != nil || !rep.OK {
		_ = os.Remove(tmp)
		if err == nil {
			return before, 0, rep, nil
		}
		return before, 0, nil, fmt.Errorf("compact: verify the new file: %w", err)
	}
	if info, err := os.Stat(tmp); err == nil {
		after = info.Size()
	}
	// Keep the old file under another name until the new one is in place;
	// no other writer can run (the writer lock), and readers open the file
	// per transaction, so each sees the old or the new file, whole.
	old := s.path + ".old"
	_ = os.Remove(old)
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.db != nil {
		s.cond.Wait()
	}
	if err := os.Link(s.path, old); err != nil {
		_ = os.Remove(tmp)
		return before, 0, nil, fmt.Errorf("compact: keep the old file: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		_ = os.Remove(tmp)
		_ = os.Remove(old)
		return before, 0, nil, fmt.Errorf("compact: swap in the new file: %w", err)
	}
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return before, after, rep, fmt.Errorf("compact: the new file is in place, the old one is %s: %w", old, err)
	}
	_ = os.Remove(old)
	return before, after, rep, nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// Fetcher downloads url for Repair and returns its bytes and content type.
type Fetcher func(ctx context.Context, url string) ([]byte, string, error)

// RepairOptions configure Repair.
type RepairOptions struct {
	Fetch        Fetcher // nil: no asset is fetched again
	PruneOrphans bool    // delete assets and raw responses no snapshot references
	Verify       VerifyOptions
}

// RepairReport tells what Repair did.
type RepairReport struct {
	Repaired []Problem `json:"repaired"` // what was fixed, and how (Detail)
	Lost     []Problem `json:"lost"`     // what cannot be got back
	Before   *Report   `json:"before"`   // the verify report that drove the repair
	After    *Report   `json:"after"`    // the verify report afterwards
}

// Repair verifies the archive and fixes what can be fixed: an asset that is
// missing or whose bytes do not hash to its key is downloaded again from its
// URL and stored only if the new bytes hash to the recorded SHA-256; missing
// asset metadata and the asset_urls index are derived again; an article's
// version count is set to its snapshots when they are exactly 1..n; corrupt
// crawl-state records (frontier, fetch_state, robots) are dropped, since a
// crawl rebuilds them. Archived content (articles, snapshots, assets, raw
// responses) is never deleted, except orphans with PruneOrphans. Everything
// else is reported as lost. The Store must be writable.
func (s *Store) Repair(ctx context.Context, o RepairOptions) (*RepairReport, error) {
	if s.readOnly {
		return nil, errors.New("repair: the archive is open read-only")
	}
	before, err := s.VerifyWith(ctx, o.Verify)
	if err != nil {
		return nil, err
	}
	rr := &RepairReport{Before: before, Repaired: []Problem{}, Lost: []Problem{}}
	fixed := func(p Problem, how string, args ...any) {
		rr.Repaired = append(rr.Repaired, Problem{Kind: p.Kind, Key: p.Key, Detail: fmt.Sprintf(how, args...)})
	}
	lost := func(p Problem, why string, args ...any) {
		rr.Lost = append(rr.Lost, Problem{Kind: p.Kind, Key: p.Key, Detail: fmt.Sprintf(why, args...)})
	}
	// Structural damage: nothing below may touch the tree.
	for _, p := range before.Problems {
		switch p.Kind {
		case ProblemNotAnArchive, ProblemTruncated, ProblemBboltPage:
			lost(p, "the file is damaged below the records: restore from a backup (%s)", p.Detail)
			after := *before
			rr.After = &after
			return rr, nil
		}
	}
	refetched := map[ID]bool{}
	for _, p := range before.Problems {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch p.Kind {
		case ProblemAssetHashMismatch:
			sha, _ := ParseID(p.Key)
			info, err := s.assetMetaOf(sha)
			if err != nil || info.URL == "" {
				lost(p, "no URL is recorded for the asset: it cannot be fetched again")
				continue
			}
			if msg := s.refetch(ctx, o.Fetch, sha, info.URL, true); msg != "" {
				lost(p, "%s", msg)
				continue
			}
			refetched[sha] = true
			fixed(p, "downloaded again from %s; the bytes hash right", info.URL)
		case ProblemMissingAsset:
			sha, url := missingAssetOf(p)
			if refetched[sha] {
				fixed(p, "downloaded again from %s", url)
				continue
			}
			if msg := s.refetch(ctx, o.Fetch, sha, url, false); msg != "" {
				lost(p, "%s", msg)
				continue
			}
			refetched[sha] = true
			fixed(p, "downloaded again from %s; the bytes hash right", url)
		case ProblemMissingAssetMeta:
			sha, _ := ParseID(p.Key)
			if err := s.deriveAssetMeta(sha); err != nil {
				lost(p, "%v", err)
				continue
			}
			fixed(p, "metadata derived from the asset and a snapshot that references it")
		case ProblemVersionCountMismatch:
			id, _ := ParseID(p.Key)
			if err := s.deriveVersions(id); err != nil {
				lost(p, "%v", err)
				continue
			}
			fixed(p, "version count set from the snapshots stored")
		case ProblemRecordCorrupt, ProblemUndecodableRecord:
			if b, key, ok := stateKey(p.Key); ok {
				if err := s.update(func(tx *bolt.Tx) error { return tx.Bucket(b).Delete(key) }); err != nil {
					return nil, err
				}
				fixed(p, "crawl-state record dropped: the next crawl records it again")
				continue
			}
			lost(p, "archived record damaged: restore it from a backup")
		default:
			lost(p, "cannot be repaired: restore from a backup")
		}
	}
	if err := s.deriveAssetURLs(); err != nil {
		return nil, err
	}
	if o.PruneOrphans && !before.OK {
		for _, w := range before.Warnings {
			lost(w, "not pruned: the archive has problems, and an orphan may be what a damaged record needs")
		}
	} else if o.PruneOrphans {
		for _, w := range before.Warnings {
			sha, err := ParseID(w.Key)
			if err != nil {
				continue
			}
			var names [][]byte
			switch w.Kind {
			case WarningOrphanAsset:
				names = [][]byte{bucketAssets, bucketAssetMeta}
			case WarningOrphanRaw:
				names = [][]byte{bucketRaw}
			default:
				continue
			}
			err = s.update(func(tx *bolt.Tx) error {
				// Still an orphan? A crawl may have referenced it since:
				// the writer lock rules that out, but check the bucket.
				for _, n := range names {
					if err := tx.Bucket(n).Delete(sha[:]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			fixed(w, "orphan deleted (--prune-orphans)")
		}
	}
	rr.After, err = s.VerifyWith(ctx, o.Verify)
	if err != nil {
		return nil, err
	}
	return rr, nil
}

// assetMetaOf reads an asset's metadata record.
func (s *Store) assetMetaOf(sha ID) (assetMetaRecord, error) {
	var m assetMetaRecord
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAssetMeta).Get(sha[:])
		if v == nil {
			return ErrNotFound
		}
		return openJSON(v, &m)
	})
	return m, err
}

// missingAssetOf recovers the SHA and URL from a missing_asset problem.
func missingAssetOf(p Problem) (ID, string) {
	var shaHex, url string
	if _, err := fmt.Sscanf(p.Detail, "asset %s (%s", &shaHex, &url); err != nil {
		return ID{}, ""
	}
	sha, _ := ParseID(shaHex)
	return sha, strings.TrimSuffix(url, ")")
}

// refetch downloads url and stores the bytes as asset sha if they hash to
// it; it returns why not otherwise.
func (s *Store) refetch(ctx context.Context, fetch Fetcher, sha ID, url string, replace bool) string {
	if fetch == nil || url == "" {
		return "not fetched again"
	}
	data, ctype, err := fetch(ctx, url)
	if err != nil {
		return fmt.Sprintf("fetching %s again failed: %v; lost unless a backup has it", url, err)
	}
	if Hash(data) != sha {
		return fmt.Sprintf("%s now serves other bytes (SHA-256 %s): lost for good unless a backup has it", url, Hash(data))
	}
	if ctype == "" {
		ctype = http.DetectContentType(data)
	}
	err = s.update(func(tx *bolt.Tx) error {
		assets := tx.Bucket(bucketAssets)
		if err := assets.Put(sha[:], bytes.Clone(data)); err != nil {
			return err
		}
		meta := tx.Bucket(bucketAssetMeta)
		if meta.Get(sha[:]) == nil {
			m := assetMetaRecord{URL: validUTF8(url), ContentType: ctype, Size: int64(len(data)), FirstSeen: time.Now().UTC()}
			return putJSON(meta, sha[:], &m)
		}
		return nil
	})
	if err != nil {
		return fmt.Sprintf("storing it failed: %v", err)
	}
	return ""
}

// deriveAssetMeta writes the metadata of a stored asset from its bytes and
// the URL a snapshot references it by.
func (s *Store) deriveAssetMeta(sha ID) error {
	return s.update(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketAssets).Get(sha[:])
		if data == nil || Hash(data) != sha {
			return errors.New("the asset itself is missing or damaged")
		}
		url := ""
		c := tx.Bucket(bucketSnapshots).Cursor()
		for k, v := c.First(); k != nil && url == ""; k, v = c.Next() {
			var rec snapshotRecord
			if openJSON(v, &rec) != nil {
				continue
			}
			for _, a := range rec.Assets {
				if a.SHA == sha {
					url = a.URL
				}
			}
		}
		m := assetMetaRecord{URL: url, ContentType: http.DetectContentType(data), Size: int64(len(data)), FirstSeen: time.Now().UTC()}
		return putJSON(tx.Bucket(bucketAssetMeta), sha[:], &m)
	})
}

// deriveVersions sets an article's version count (and title and source) from
// its snapshots, when they are exactly 1..n.
func (s *Store) deriveVersions(id ID) error {
	return s.update(func(tx *bolt.Tx) error {
		articles := tx.Bucket(bucketArticles)
		art, err := readArticle(articles, id)
		if err != nil {
			return fmt.Errorf("the article record is unreadable: %v", err)
		}
		snaps := tx.Bucket(bucketSnapshots)
		n := 0
		c := snaps.Cursor()
		for k, _ := c.Seek(id[:]); k != nil && bytes.HasPrefix(k, id[:]); k, _ = c.Next() {
			_, ver, err := splitSnapshotKey(k)
			if err != nil || ver != n+1 {
				return fmt.Errorf("snapshots are not 1..n (version %d after %d): the missing versions are lost", ver, n)
			}
			n = ver
		}
		if n == 0 {
			return errors.New("no snapshot is stored: the article's content is lost")
		}
		latest, err := readSnapshot(snaps, id, n)
		if err != nil {
			return fmt.Errorf("latest snapshot unreadable: %v", err)
		}
		art.Versions, art.Title, art.Source = n, latest.Content.Title, latest.Source
		return putJSON(articles, id[:], art)
	})
}

// deriveAssetURLs drops asset_urls entries that do not decode and maps
// every asset's first URL that has no mapping yet.
func (s *Store) deriveAssetURLs() error {
	return s.update(func(tx *bolt.Tx) error {
		urls := tx.Bucket(bucketAssetURLs)
		var bad [][]byte
		c := urls.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if p, err := open(v); err != nil || len(p) != len(ID{}) {
				bad = append(bad, bytes.Clone(k))
			}
		}
		for _, k := range bad {
			if err := urls.Delete(k); err != nil {
				return err
			}
		}
		mc := tx.Bucket(bucketAssetMeta).Cursor()
		for k, v := mc.First(); k != nil; k, v = mc.Next() {
			var m assetMetaRecord
			if len(k) != len(ID{}) || openJSON(v, &m) != nil || m.URL == "" || len(m.URL) > bolt.MaxKeySize {
				continue
			}
			if urls.Get([]byte(m.URL)) == nil {
				if err := urls.Put([]byte(m.URL), seal(k)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// stateKey recognises the key of a crawl-state record in a problem
// (bucket/"key" as quoteKey writes it, or asset_urls/"key").
func stateKey(key string) ([]byte, []byte, bool) {
	for _, b := range [][]byte{bucketFrontier, bucketFetchState, bucketRobots, bucketAssetURLs} {
		prefix := string(b) + "/"
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		var k string
		if _, err := fmt.Sscanf(key[len(prefix):], "%q", &k); err != nil {
			return nil, nil, false
		}
		return b, []byte(k), true
	}
	return nil, nil, false
}
