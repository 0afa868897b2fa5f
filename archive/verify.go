package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// verifier accumulates the state of one Verify run.
type verifier struct {
	s      *Store
	ctx    context.Context
	tx     *bolt.Tx
	report *Report
	steps  int
	// bboltChecked is set once bbolt's own consistency check has run.
	bboltChecked bool

	versions  map[ID]int          // article -> recorded version count
	snapshots map[ID]map[int]bool // article -> versions found
}

func (v *verifier) problem(kind, key, format string, args ...any) {
	v.report.Problems = append(v.report.Problems, Problem{Kind: kind, Key: key, Detail: fmt.Sprintf(format, args...)})
}

// tick checks for cancellation every so many records.
func (v *verifier) tick() error {
	v.steps++
	if v.steps%256 == 0 {
		return v.ctx.Err()
	}
	return nil
}

// envelopeProblem records the right kind of problem for a failed envelope.
func (v *verifier) envelopeProblem(key, what string, err error) {
	if errors.Is(err, errEnvelopeHash) {
		v.problem(ProblemRecordCorrupt, key, "%s record does not match its hash: the stored bytes changed", what)
		return
	}
	v.problem(ProblemUndecodableRecord, key, "%s record cannot be decoded: %v", what, err)
}

// Verify checks the whole archive and reports every problem found; it never
// writes. The report is OK iff it has no problems. An error is returned only
// when the check itself could not run (for example ctx was cancelled).
//
// It runs in one transaction, a writable one (rolled back, never committed)
// when the store is writable, so that no Put changes the file during the
// check. First the file's structure is checked with ordinary reads (see
// VerifyFile); only if that finds nothing bbolt could trip over do bbolt's
// own consistency check and the record checks run.
func (s *Store) Verify(ctx context.Context) (*Report, error) {
	v, err := s.verify(ctx)
	if err != nil {
		return nil, err
	}
	return v.report, nil
}

// verify runs Verify and returns its state.
func (s *Store) verify(ctx context.Context) (*verifier, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("verify %s: %w", s.path, err)
	}
	var tx *bolt.Tx
	err := guard(s.path, "verifying", func() (err error) {
		tx, err = s.db.Begin(!s.db.IsReadOnly())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", s.path, err)
	}
	defer func() { _ = guard(s.path, "verifying", tx.Rollback) }()

	v := &verifier{
		s: s, ctx: ctx, tx: tx, report: &Report{Problems: []Problem{}},
		versions: map[ID]int{}, snapshots: map[ID]map[int]bool{},
	}
	safe, err := v.structure()
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", s.path, err)
	}
	if safe {
		if err := v.guardedRun(); err != nil {
			return nil, fmt.Errorf("verify %s: %w", s.path, err)
		}
	}
	v.report.OK = len(v.report.Problems) == 0
	return v, nil
}

// structure runs the structural check on the file and reports whether
// bbolt's code may walk it.
func (v *verifier) structure() (bool, error) {
	f, err := os.Open(v.s.path)
	if err != nil {
		return false, fmt.Errorf("structural check: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("structural check: %w", err)
	}
	problems, safe, err := checkFile(v.ctx, f, info.Size())
	if err != nil {
		return false, fmt.Errorf("structural check: %w", err)
	}
	v.report.Problems = append(v.report.Problems, problems...)
	return safe, nil
}

// guardedRun runs the bbolt and record checks, reporting a bbolt panic or a
// memory fault as a page problem (neither is expected once the structural
// check passed).
func (v *verifier) guardedRun() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			v.problem(ProblemBboltPage, "", "reading the file failed: %v", r)
			err = nil
		}
	}()
	return v.run()
}

// VerifyFile checks the archive at path like Store.Verify, without trusting
// the file: it opens it read-only, waiting up to opts.Timeout for the lock
// (opts.ReadOnly is ignored), and does not read any bucket before the
// structural check passed. An empty, truncated, foreign or damaged file is
// reported as problems (kinds not_an_archive, truncated, bbolt_page and the
// record kinds), never as an error. An error is returned only when the check
// could not run: the file cannot be read, it is locked (ErrLocked) or ctx
// ended.
func VerifyFile(ctx context.Context, path string, opts Options) (*Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	var lay fileLayout
	var problems []Problem
	if err == nil {
		lay, problems, err = readLayout(f, info.Size())
	}
	_ = f.Close()
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	if lay.fatal {
		return &Report{Problems: problems}, nil
	}
	opts.ReadOnly = true
	s, err := openStore(path, opts)
	if errors.Is(err, ErrCorrupt) {
		// The file changed since it was read, or bbolt refused it.
		return &Report{Problems: []Problem{{Kind: ProblemBboltPage, Detail: err.Error()}}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	defer s.Close()
	return s.Verify(ctx)
}

func (v *verifier) run() error {
	// Layer 1: the file's structure, as bbolt sees it. The structural check
	// passed, so bbolt's walk (in a goroutine of its own, where a panic
	// could not be recovered) stays within the file's pages.
	before := len(v.report.Problems)
	for err := range v.tx.Check() {
		v.problem(ProblemBboltPage, "", "%v", err)
	}
	v.bboltChecked = true
	if len(v.report.Problems) > before {
		// Report what bbolt found rather than read a damaged tree.
		return nil
	}
	version, ok, err := readFormatVersion(v.tx)
	switch {
	case err != nil:
		v.problem(ProblemUnknownFormatVersion, "meta/format_version", "%v", err)
	case !ok:
		v.problem(ProblemUnknownFormatVersion, "meta/format_version", "no format version: not a chronicle archive")
	case version != FormatVersion:
		v.problem(ProblemUnknownFormatVersion, "meta/format_version", "format version %d, this program knows %d", version, FormatVersion)
	}
	for _, name := range dataBuckets {
		if v.tx.Bucket(name) == nil {
			v.problem(ProblemUndecodableRecord, string(name), "bucket %s is missing", name)
		}
	}

	// Layer 2: every record and blob, then the references between them.
	steps := []func() error{v.articles, v.snapshotRecords, v.versionCounts, v.assets, v.assetMeta, v.assetURLs, v.raw,
		v.frontier, v.fetchState, v.robots, v.runs}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// each calls fn for every entry of bucket name (if present).
func (v *verifier) each(name []byte, fn func(k, val []byte)) error {
	b := v.tx.Bucket(name)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		if val == nil {
			v.problem(ProblemUndecodableRecord, fmt.Sprintf("%s/%x", name, k), "unexpected nested bucket")
			continue
		}
		v.report.BytesChecked += int64(len(val))
		fn(k, val)
	}
	return nil
}

func (v *verifier) articles() error {
	return v.each(bucketArticles, func(k, val []byte) {
		v.report.Articles++
		var id ID
		if len(k) != len(id) {
			v.problem(ProblemUndecodableRecord, fmt.Sprintf("%x", k), "article key is %d bytes, want %d", len(k), len(id))
			return
		}
		copy(id[:], k)
		var rec articleRecord
		if err := openJSON(val, &rec); err != nil {
			v.envelopeProblem(id.String(), "article", err)
			return
		}
		v.versions[id] = rec.Versions
		if Hash([]byte(rec.URL)) != id {
			v.problem(ProblemArticleKeyMismatch, id.String(), "key is not the SHA-256 of the article url %q", rec.URL)
		}
	})
}

func (v *verifier) snapshotRecords() error {
	assets := v.tx.Bucket(bucketAssets)
	raw := v.tx.Bucket(bucketRaw)
	return v.each(bucketSnapshots, func(k, val []byte) {
		v.report.Snapshots++
		id, version, err := splitSnapshotKey(k)
		if err != nil {
			v.problem(ProblemUndecodableRecord, fmt.Sprintf("%x", k), "%v", err)
			return
		}
		key := snapshotName(id, version)
		if v.snapshots[id] == nil {
			v.snapshots[id] = map[int]bool{}
		}
		v.snapshots[id][version] = true
		var rec snapshotRecord
		if err := openJSON(val, &rec); err != nil {
			v.envelopeProblem(key, "snapshot", err)
			return
		}
		if rec.Article != id || rec.Version != version {
			v.problem(ProblemSnapshotKeyMismatch, key, "record says it is %s", snapshotName(rec.Article, rec.Version))
		}
		if h := contentHash(&rec.Content); h != rec.ContentHash {
			v.problem(ProblemSnapshotHashMismatch, key, "content hashes to %s, the record says %s", h, rec.ContentHash)
		}
		if raw == nil || raw.Get(rec.RawSHA[:]) == nil {
			v.problem(ProblemMissingRaw, key, "raw response %s is not stored", rec.RawSHA)
		}
		for _, a := range rec.Assets {
			if assets == nil || assets.Get(a.SHA[:]) == nil {
				v.problem(ProblemMissingAsset, key, "asset %s (%s) is not stored", a.SHA, a.URL)
			}
		}
	})
}

// versionCounts checks that every article has exactly snapshots 1..Versions
// and every snapshot has an article.
func (v *verifier) versionCounts() error {
	ids := make([]ID, 0, len(v.snapshots))
	for id := range v.snapshots {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	articles := v.tx.Bucket(bucketArticles)
	for _, id := range ids {
		if articles != nil && articles.Get(id[:]) == nil {
			for _, ver := range sortedVersions(v.snapshots[id]) {
				v.problem(ProblemDanglingReference, snapshotName(id, ver), "snapshot of an article that is not stored")
			}
		}
	}
	ids = ids[:0]
	for id := range v.versions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	for _, id := range ids {
		want, found := v.versions[id], v.snapshots[id]
		var missing, extra []int
		for ver := 1; ver <= want; ver++ {
			if !found[ver] {
				missing = append(missing, ver)
			}
		}
		for _, ver := range sortedVersions(found) {
			if ver < 1 || ver > want {
				extra = append(extra, ver)
			}
		}
		if len(missing) > 0 || len(extra) > 0 {
			v.problem(ProblemVersionCountMismatch, id.String(),
				"article records %d versions, %d snapshots stored (missing %v, unexpected %v)", want, len(found), missing, extra)
		}
	}
	return nil
}

func sortedVersions(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for ver := range m {
		out = append(out, ver)
	}
	sort.Ints(out)
	return out
}

// assets checks every asset's hash and metadata. Assets no snapshot
// references (orphans) are not problems in this format version.
func (v *verifier) assets() error {
	meta := v.tx.Bucket(bucketAssetMeta)
	return v.each(bucketAssets, func(k, val []byte) {
		v.report.Assets++
		var sha ID
		if len(k) != len(sha) {
			v.problem(ProblemUndecodableRecord, fmt.Sprintf("%x", k), "asset key is %d bytes, want %d", len(k), len(sha))
			return
		}
		copy(sha[:], k)
		if h := Hash(val); h != sha {
			v.problem(ProblemAssetHashMismatch, sha.String(), "asset bytes hash to %s", h)
		}
		if meta == nil || meta.Get(k) == nil {
			v.problem(ProblemMissingAssetMeta, sha.String(), "asset has no asset_meta record")
		}
	})
}

// assetMeta checks every metadata record. Metadata whose asset is gone is
// not a problem by itself: a snapshot that needs the asset reports
// missing_asset, and otherwise it is an orphan.
func (v *verifier) assetMeta() error {
	return v.each(bucketAssetMeta, func(k, val []byte) {
		var m assetMetaRecord
		if err := openJSON(val, &m); err != nil {
			v.envelopeProblem(fmt.Sprintf("%x", k), "asset_meta", err)
		}
	})
}

// assetURLs checks every URL mapping's envelope. A mapping whose asset is
// gone is treated like an orphan (AssetByURL reports it absent).
func (v *verifier) assetURLs() error {
	return v.each(bucketAssetURLs, func(k, val []byte) {
		payload, err := open(val)
		if err == nil && len(payload) != len(ID{}) {
			err = fmt.Errorf("%w: %d-byte hash", errEnvelopeFormat, len(payload))
		}
		if err != nil {
			v.envelopeProblem(fmt.Sprintf("asset_urls/%q", k), "asset_urls", err)
		}
	})
}

// raw decompresses and re-hashes every raw blob.
func (v *verifier) raw() error {
	return v.each(bucketRaw, func(k, val []byte) {
		var sha ID
		if len(k) != len(sha) {
			v.problem(ProblemUndecodableRecord, fmt.Sprintf("%x", k), "raw key is %d bytes, want %d", len(k), len(sha))
			return
		}
		copy(sha[:], k)
		body, err := v.s.dec.DecodeAll(val, nil)
		if err != nil {
			v.problem(ProblemRawHashMismatch, sha.String(), "raw blob does not decompress: %v", err)
			return
		}
		v.report.BytesChecked += int64(len(body))
		if h := Hash(body); h != sha {
			v.problem(ProblemRawHashMismatch, sha.String(), "raw body hashes to %s", h)
		}
	})
}

// stringKeyProblem reports a key of a URL- or host-keyed bucket that no
// write could have made (empty keys are impossible in bbolt).
func (v *verifier) stringKeyProblem(name, k []byte) bool {
	if !utf8.Valid(k) {
		v.problem(ProblemUndecodableRecord, quoteKey(name, k), "key is not valid utf-8")
		return true
	}
	return false
}

// frontier checks every frontier record. The state buckets may be missing
// from an archive written before they existed: each then counts as empty.
func (v *verifier) frontier() error {
	return v.each(bucketFrontier, func(k, val []byte) {
		if v.stringKeyProblem(bucketFrontier, k) {
			return
		}
		var rec frontierRecord
		if err := openJSON(val, &rec); err != nil {
			v.envelopeProblem(quoteKey(bucketFrontier, k), "frontier", err)
		}
	})
}

func (v *verifier) fetchState() error {
	return v.each(bucketFetchState, func(k, val []byte) {
		if v.stringKeyProblem(bucketFetchState, k) {
			return
		}
		var rec fetchStateRecord
		if err := openJSON(val, &rec); err != nil {
			v.envelopeProblem(quoteKey(bucketFetchState, k), "fetch_state", err)
			return
		}
		if rec.Kind != KindArticle && rec.Kind != KindAsset {
			v.problem(ProblemUndecodableRecord, quoteKey(bucketFetchState, k), "fetch_state record of unknown kind %q", rec.Kind)
		}
	})
}

func (v *verifier) robots() error {
	return v.each(bucketRobots, func(k, val []byte) {
		if v.stringKeyProblem(bucketRobots, k) {
			return
		}
		var rec robotsRecord
		if err := openJSON(val, &rec); err != nil {
			v.envelopeProblem(quoteKey(bucketRobots, k), "robots", err)
		}
	})
}

func (v *verifier) runs() error {
	return v.each(bucketRuns, func(k, val []byte) {
		key := fmt.Sprintf("%s/%x", bucketRuns, k)
		if len(k) != 8 {
			v.problem(ProblemUndecodableRecord, key, "run key is %d bytes, want 8", len(k))
			return
		}
		var rec runRecord
		if err := openJSON(val, &rec); err != nil {
			v.envelopeProblem(key, "run", err)
			return
		}
		if !bytes.Equal(runKey(rec.Start), k) {
			v.problem(ProblemUndecodableRecord, key, "run record starts at %s, not at its key", rec.Start.Format(time.RFC3339Nano))
		}
	})
}
