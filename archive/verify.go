package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"runtime/debug"
	"slices"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// VerifyOptions choose how much Verify checks.
type VerifyOptions struct {
	// Fast checks structure only: the page checks, every reference, version
	// counts and asset sizes, and the envelopes of the small records; it
	// re-hashes no snapshot, asset or raw body.
	Fast bool
	// Slice and Slices (1 <= Slice <= Slices) check only the records whose
	// key hash falls in that slice of Slices; zero checks everything. The
	// structural checks always run.
	Slice, Slices int
	// MaxDuration stops the record checks cleanly after that long; the
	// report then says Complete false and how far it got. Zero: no limit.
	MaxDuration time.Duration
	// ChunkRecords and ChunkTime bound one read transaction (defaults 1024
	// records, 100 ms): a writer waits at most one chunk.
	ChunkRecords int
	ChunkTime    time.Duration
}

func (o VerifyOptions) subset() bool { return o.Slices > 1 }

// verifier accumulates the state of one Verify run.
type verifier struct {
	s        *Store
	ctx      context.Context
	opts     VerifyOptions
	report   *Report
	deadline time.Time
	stopped  bool // MaxDuration reached
	// bboltChecked is set once bbolt's own consistency check has run.
	bboltChecked bool

	// Every asset and raw blob seen (sorted, as walked) and whether a
	// snapshot referenced it: orphans are found without a map per record.
	assetSeen, rawSeen []ID
	assetRef, rawRef   []bool
	// unsure is set when a snapshot could not be decoded: its references
	// are unknown, so nothing is reported as an orphan.
	unsure bool
}

func (v *verifier) problem(kind, key, format string, args ...any) {
	v.report.Problems = append(v.report.Problems, Problem{Kind: kind, Key: key, Detail: fmt.Sprintf(format, args...)})
}

func (v *verifier) warning(kind, key, format string, args ...any) {
	v.report.Warnings = append(v.report.Warnings, Problem{Kind: kind, Key: key, Detail: fmt.Sprintf(format, args...)})
}

// envelopeProblem records the right kind of problem for a failed envelope.
func (v *verifier) envelopeProblem(key, what string, err error) {
	if errors.Is(err, errEnvelopeHash) {
		v.problem(ProblemRecordCorrupt, key, "%s record does not match its hash: the stored bytes changed", what)
		return
	}
	v.problem(ProblemUndecodableRecord, key, "%s record cannot be decoded: %v", what, err)
}

// inSlice reports whether a record whose key hashes to h is in the slice
// being checked.
func (v *verifier) inSlice(h uint64) bool {
	if !v.opts.subset() {
		return true
	}
	return h%uint64(v.opts.Slices) == uint64(v.opts.Slice-1)
}

// idSlice is the slice of a key that is a SHA-256 (or starts with one).
func (v *verifier) idSlice(k []byte) bool {
	if len(k) < 8 {
		return v.keySlice(k)
	}
	return v.inSlice(binary.BigEndian.Uint64(k))
}

// keySlice is the slice of any other key: by its FNV-64a hash.
func (v *verifier) keySlice(k []byte) bool {
	if !v.opts.subset() {
		return true
	}
	h := fnv.New64a()
	_, _ = h.Write(k)
	return v.inSlice(h.Sum64())
}

// Verify checks the whole archive (VerifyWith with default options).
func (s *Store) Verify(ctx context.Context) (*Report, error) {
	return s.VerifyWith(ctx, VerifyOptions{})
}

// VerifyWith checks the archive and reports every problem found; it never
// writes. The report is OK iff it has no problems. An error is returned only
// when the check itself could not run (for example ctx was cancelled).
//
// The structural check reads the file with ordinary reads first (see
// VerifyFile); only if it finds nothing bbolt could trip over do bbolt's own
// consistency check and the record checks run. The record checks walk the
// buckets in chunks, each one short read transaction, so a writer in another
// process waits at most one chunk; the checks are ordered so that what a
// concurrent Put adds between chunks is never reported as a problem.
func (s *Store) VerifyWith(ctx context.Context, opts VerifyOptions) (*Report, error) {
	v, err := s.verify(ctx, opts)
	if err != nil {
		return nil, err
	}
	return v.report, nil
}

// verify runs VerifyWith and returns its state.
func (s *Store) verify(ctx context.Context, opts VerifyOptions) (*verifier, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("verify %s: %w", s.path, err)
	}
	if opts.Slices < 0 || opts.Slices > 0 && (opts.Slice < 1 || opts.Slice > opts.Slices) {
		return nil, fmt.Errorf("verify %s: slice %d of %d: want 1 <= N <= T", s.path, opts.Slice, opts.Slices)
	}
	if opts.ChunkRecords <= 0 {
		opts.ChunkRecords = 1024
	}
	if opts.ChunkTime <= 0 {
		opts.ChunkTime = 100 * time.Millisecond
	}
	v := &verifier{s: s, ctx: ctx, opts: opts, report: &Report{Problems: []Problem{}, Warnings: []Problem{}}}
	v.report.Mode = "full"
	if opts.Fast {
		v.report.Mode = "fast"
	}
	if opts.subset() {
		v.report.Subset = fmt.Sprintf("%d/%d", opts.Slice, opts.Slices)
	}
	if opts.MaxDuration > 0 {
		v.deadline = time.Now().Add(opts.MaxDuration)
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
	v.report.Complete = !v.stopped
	if v.report.Complete {
		v.report.Total = v.report.Checked
	} else {
		v.report.Total = v.countTotal()
	}
	v.report.OK = len(v.report.Problems) == 0
	return v, nil
}

// fileStamp identifies a state of the file: its size and its newest meta
// page's transaction id.
func fileStamp(path string) (int64, uint64) {
	f, err := os.Open(path)
	if err != nil {
		return -1, 0
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return -1, 0
	}
	lay, _, err := readLayout(f, info.Size())
	if err != nil {
		return -1, 0
	}
	return info.Size(), lay.meta.txid
}

// structure runs the structural check on the file and reports whether
// bbolt's code may walk it. It runs without a lock first; when it finds
// anything and the file changed meanwhile (a writer committed), it runs
// again inside a read transaction, which keeps writers out, so that a
// concurrent write is never reported as damage.
func (v *verifier) structure() (bool, error) {
	size, txid := fileStamp(v.s.path)
	problems, safe, err := v.checkStructure()
	if err == nil && len(problems) == 0 {
		return safe, nil
	}
	if size2, txid2 := fileStamp(v.s.path); size2 == size && txid2 == txid {
		v.report.Problems = append(v.report.Problems, problems...)
		return safe, err
	}
	lockErr := v.s.withDB(func(*bolt.DB) error {
		problems, safe, err = v.checkStructure()
		return nil
	})
	if lockErr != nil && !errors.Is(lockErr, ErrCorrupt) {
		return false, lockErr
	}
	v.report.Problems = append(v.report.Problems, problems...)
	return safe, err
}

func (v *verifier) checkStructure() ([]Problem, bool, error) {
	f, err := os.Open(v.s.path)
	if err != nil {
		return nil, false, fmt.Errorf("structural check: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("structural check: %w", err)
	}
	problems, safe, err := checkFile(v.ctx, f, info.Size())
	if err != nil {
		return nil, false, fmt.Errorf("structural check: %w", err)
	}
	return problems, safe, nil
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
	err = v.run()
	if errors.Is(err, ErrCorrupt) && v.ctx.Err() == nil {
		v.problem(ProblemBboltPage, "", "%v", err)
		err = nil
	}
	return err
}

// VerifyFile checks the archive at path like Store.Verify, without trusting
// the file (VerifyFileWith with default options).
func VerifyFile(ctx context.Context, path string, opts Options) (*Report, error) {
	return VerifyFileWith(ctx, path, opts, VerifyOptions{})
}

// VerifyFileWith checks the archive at path like Store.VerifyWith, without
// trusting the file: it opens it read-only (opts.ReadOnly is ignored),
// waiting up to opts.Timeout for bbolt's lock while a writer's transaction
// holds it, and does not read any bucket before the structural check passed.
// An empty, truncated, foreign or damaged file is reported as problems
// (kinds not_an_archive, truncated, bbolt_page and the record kinds), never
// as an error. An error is returned only when the check could not run: the
// file cannot be read, it stays locked (ErrLocked) or ctx ended.
func VerifyFileWith(ctx context.Context, path string, opts Options, vo VerifyOptions) (*Report, error) {
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
		return &Report{Problems: problems, Warnings: []Problem{}}, nil
	}
	opts.ReadOnly = true
	s, err := openStore(path, opts)
	if errors.Is(err, ErrCorrupt) {
		// The file changed since it was read, or bbolt refused it.
		return &Report{Problems: []Problem{{Kind: ProblemBboltPage, Detail: err.Error()}}, Warnings: []Problem{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	defer s.Close()
	return s.VerifyWith(ctx, vo)
}

// view runs fn in one read transaction of the verify.
func (v *verifier) view(fn func(tx *bolt.Tx) error) error {
	return v.s.withDB(func(db *bolt.DB) error {
		return guard(v.s.path, "verifying", func() error { return db.View(fn) })
	})
}

func (v *verifier) run() error {
	// Layer 1: the file's structure, as bbolt sees it, in one transaction
	// (bbolt's check walks page headers, not values). The structural check
	// passed, so bbolt's walk (in a goroutine of its own, where a panic
	// could not be recovered) stays within the file's pages.
	before := len(v.report.Problems)
	err := v.view(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			v.problem(ProblemBboltPage, "", "%v", err)
		}
		v.bboltChecked = true
		if len(v.report.Problems) > before {
			return nil
		}
		version, ok, err := readFormatVersion(tx)
		switch {
		case err != nil:
			v.problem(ProblemUnknownFormatVersion, "meta/format_version", "%v", err)
		case !ok:
			v.problem(ProblemUnknownFormatVersion, "meta/format_version", "no format version: not a chronicle archive")
		case version != FormatVersion:
			v.problem(ProblemUnknownFormatVersion, "meta/format_version", "format version %d, this program knows %d", version, FormatVersion)
		}
		for _, name := range dataBuckets {
			if tx.Bucket(name) == nil {
				v.problem(ProblemUndecodableRecord, string(name), "bucket %s is missing", name)
			}
		}
		return nil
	})
	if err != nil || len(v.report.Problems) > before && !v.bboltChecked {
		return err
	}
	for _, p := range v.report.Problems[before:] {
		if p.Kind == ProblemBboltPage {
			return nil // report what bbolt found rather than read a damaged tree
		}
	}

	// Layer 2: every record and blob. Blobs first: a blob seen here was
	// stored with the snapshot that references it, so that snapshot is seen
	// by the walk after it, and an orphan is a real orphan.
	steps := []func() error{v.assets, v.raw, v.articles, v.assetMeta, v.assetURLs,
		v.frontier, v.fetchState, v.robots, v.runs}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
		if v.stopped {
			return nil
		}
	}
	if !v.opts.subset() && !v.unsure {
		v.orphans()
	}
	return nil
}

// due reports whether the walk must stop: ctx ended (an error) or
// MaxDuration passed (v.stopped).
func (v *verifier) due() (bool, error) {
	if err := v.ctx.Err(); err != nil {
		return true, err
	}
	if !v.deadline.IsZero() && time.Now().After(v.deadline) {
		v.stopped = true
		return true, nil
	}
	return false, nil
}

// each calls fn for every entry of bucket name (if present) in the slice
// being checked, in chunks of one read transaction each; idKeyed buckets
// are sliced by the key's first bytes, others by its hash.
func (v *verifier) each(name []byte, idKeyed bool, fn func(tx *bolt.Tx, k, val []byte)) error {
	return eachRecord(v, name, idKeyed, nil, func(tx *bolt.Tx, k, val []byte, _ struct{}) { fn(tx, k, val) })
}

// eachRecord is each in two steps per chunk: work runs on every value of
// the chunk in parallel (it may be nil), then apply runs on each entry in
// key order with work's result, so that problems are reported in the same
// order whatever the number of workers. Both run inside the chunk's read
// transaction.
func eachRecord[R any](v *verifier, name []byte, idKeyed bool, work func(k, val []byte) R, apply func(tx *bolt.Tx, k, val []byte, r R)) error {
	type entry struct{ k, val []byte }
	var last []byte
	var entries []entry
	var results []R
	for {
		if stop, err := v.due(); stop {
			return err
		}
		done := false
		err := v.view(func(tx *bolt.Tx) error {
			b := tx.Bucket(name)
			if b == nil {
				done = true
				return nil
			}
			c := b.Cursor()
			var k, val []byte
			if last == nil {
				k, val = c.First()
			} else if k, val = c.Seek(last); k != nil && bytes.Equal(k, last) {
				k, val = c.Next()
			}
			entries = entries[:0]
			ch := v.newChunk()
			for ; k != nil; k, val = c.Next() {
				if idKeyed && !v.idSlice(k) || !idKeyed && !v.keySlice(k) {
					continue
				}
				entries = append(entries, entry{k, val})
				if ch.full(len(val)) {
					last = bytes.Clone(k)
					break
				}
			}
			if k == nil {
				done = true
			}
			results = slices.Grow(results[:0], len(entries))[:len(entries)]
			clear(results)
			if work != nil {
				parallel(len(entries), func(i int) {
					if e := entries[i]; e.val != nil {
						results[i] = work(e.k, e.val)
					}
				})
			}
			for i, e := range entries {
				v.report.Checked++
				if e.val == nil {
					v.problem(ProblemUndecodableRecord, fmt.Sprintf("%s/%x", name, e.k), "unexpected nested bucket")
				} else {
					apply(tx, e.k, e.val, results[i])
				}
			}
			clear(entries) // no reference into the map outlives the transaction
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// mark records that a snapshot references sha, if it was seen.
func mark(seen []ID, ref []bool, sha ID) {
	if i, ok := slices.BinarySearchFunc(seen, sha, func(a, b ID) int { return bytes.Compare(a[:], b[:]) }); ok {
		ref[i] = true
	}
}

// assets checks every asset's hash (full) or size (fast) and metadata.
func (v *verifier) assets() error {
	var work func(k, val []byte) ID
	if !v.opts.Fast {
		work = func(_, val []byte) ID { return Hash(val) }
	}
	return eachRecord(v, bucketAssets, true, work, func(tx *bolt.Tx, k, val []byte, h ID) {
		v.report.Assets++
		var sha ID
		if len(k) != len(sha) {
			v.problem(ProblemUndecodableRecord, fmt.Sprintf("%x", k), "asset key is %d bytes, want %d", len(k), len(sha))
			return
		}
		copy(sha[:], k)
		v.assetSeen = append(v.assetSeen, sha)
		v.assetRef = append(v.assetRef, false)
		metaV := tx.Bucket(bucketAssetMeta).Get(k)
		hashOK := true
		if !v.opts.Fast {
			v.report.BytesChecked += int64(len(val))
			if h != sha {
				hashOK = false
				v.problem(ProblemAssetHashMismatch, sha.String(), "asset bytes hash to %s", h)
			}
		}
		if metaV != nil && hashOK {
			var m assetMetaRecord
			if openJSON(metaV, &m) == nil && m.Size != int64(len(val)) {
				v.problem(ProblemAssetSizeMismatch, sha.String(), "asset is %d bytes, its metadata says %d", len(val), m.Size)
			}
		}
		if metaV == nil {
			v.problem(ProblemMissingAssetMeta, sha.String(), "asset has no asset_meta record")
		}
	})
}

// rawResult is what a worker found about one raw blob.
type rawResult struct {
	err  error // it does not decompress
	size int   // its body's size
	hash ID    // its body's SHA-256
}

// raw decompresses and re-hashes every raw blob (full).
func (v *verifier) raw() error {
	var work func(k, val []byte) rawResult
	if !v.opts.Fast {
		work = func(k, val []byte) rawResult {
			if len(k) != len(ID{}) {
				return rawResult{}
			}
			body, err := v.s.dec.DecodeAll(val, nil)
			if err != nil {
				return rawResult{err: err}
			}
			return rawResult{size: len(body), hash: Hash(body)}
		}
	}
	return eachRecord(v, bucketRaw, true, work, func(_ *bolt.Tx, k, val []byte, r rawResult) {
		var sha ID
		if len(k) != len(sha) {
			v.problem(ProblemUndecodableRecord, fmt.Sprintf("%x", k), "raw key is %d bytes, want %d", len(k), len(sha))
			return
		}
		copy(sha[:], k)
		v.rawSeen = append(v.rawSeen, sha)
		v.rawRef = append(v.rawRef, false)
		if v.opts.Fast {
			return
		}
		v.report.BytesChecked += int64(len(val))
		if r.err != nil {
			v.problem(ProblemRawHashMismatch, sha.String(), "raw blob does not decompress: %v", r.err)
			return
		}
		v.report.BytesChecked += int64(r.size)
		if r.hash != sha {
			v.problem(ProblemRawHashMismatch, sha.String(), "raw body hashes to %s", r.hash)
		}
	})
}

// articles walks the articles and snapshots buckets together, in article ID
// order, one chunk of articles per read transaction: an article and all its
// snapshots are always read in the same transaction, so their references
// and version counts are consistent even while a crawl writes.
func (v *verifier) articles() error {
	var after []byte // the last ID done
	for {
		if stop, err := v.due(); stop {
			return err
		}
		done := false
		err := v.view(func(tx *bolt.Tx) error {
			ab, sb := tx.Bucket(bucketArticles), tx.Bucket(bucketSnapshots)
			if ab == nil || sb == nil {
				done = true
				return nil
			}
			ac, sc := ab.Cursor(), sb.Cursor()
			var ak, av, sk, sv []byte
			if after == nil {
				ak, av = ac.First()
				sk, sv = sc.First()
			} else {
				if ak, av = ac.Seek(after); ak != nil && bytes.Equal(ak, after) {
					ak, av = ac.Next()
				}
				for sk, sv = sc.Seek(after); sk != nil && bytes.HasPrefix(sk, after); {
					sk, sv = sc.Next()
				}
			}
			// Collect the chunk's articles, decode their snapshots in
			// parallel, then check them in order.
			var items []articleItem
			var snaps [][2][]byte
			ch := v.newChunk()
			full := false
			for !full && (ak != nil || sk != nil) {
				// The next article ID: the smaller of the two cursors'.
				var id []byte
				switch {
				case sk != nil && len(sk) != len(ID{})+4:
					if ak == nil || bytes.Compare(sk, ak) < 0 {
						if v.idSlice(sk) {
							items = append(items, articleItem{badKey: sk})
						}
						sk, sv = sc.Next()
						continue
					}
					id = ak
				case ak == nil:
					id = sk[:len(ID{})]
				case sk == nil || bytes.Compare(ak, sk[:len(ID{})]) <= 0:
					id = ak
				default:
					id = sk[:len(ID{})]
				}
				id = bytes.Clone(id)
				var art []byte
				if ak != nil && bytes.Equal(ak, id) {
					art = av
					ak, av = ac.Next()
				}
				first, size := len(snaps), len(art)
				for sk != nil && bytes.HasPrefix(sk, id) && len(sk) == len(id)+4 {
					snaps = append(snaps, [2][]byte{sk, sv})
					size += len(sv)
					sk, sv = sc.Next()
				}
				if v.idSlice(id) {
					items = append(items, articleItem{id: id, art: art, first: first, last: len(snaps)})
				} else {
					snaps = snaps[:first]
				}
				after = id
				full = ch.full(size)
			}
			done = !full
			results := make([]snapResult, len(snaps))
			parallel(len(snaps), func(i int) { results[i] = v.decodeSnapshot(snaps[i][1]) })
			for _, it := range items {
				if it.badKey != nil {
					v.report.Checked++
					v.report.Snapshots++
					v.problem(ProblemUndecodableRecord, fmt.Sprintf("%x", it.badKey), "snapshot key %x: %d bytes, want %d", it.badKey, len(it.badKey), len(ID{})+4)
					continue
				}
				v.article(tx, it.id, it.art, snaps[it.first:it.last], results[it.first:it.last])
			}
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// articleItem is one article of a chunk: its ID and record (nil when
// missing) and its snapshots snaps[first:last]; or, when badKey is set, a
// snapshot key of the wrong length.
type articleItem struct {
	badKey, id, art []byte
	first, last     int
}

// snapResult is what a worker decoded from one snapshot record: its
// references, and (full) whether its content hash matches.
type snapResult struct {
	err          error
	article      ID
	version      int
	rawSHA       ID
	assets       []AssetRef
	hashed, want ID // recomputed and recorded content hash (full)
}

// snapshotRefs holds the fields of a snapshot record that --fast needs.
type snapshotRefs struct {
	Article ID         `json:"article"`
	Version int        `json:"version"`
	RawSHA  ID         `json:"raw_sha"`
	Assets  []AssetRef `json:"assets"`
}

// decodeSnapshot decodes snapshot record val: in full mode it checks the
// envelope and recomputes the content hash; --fast decodes the references
// only.
func (v *verifier) decodeSnapshot(val []byte) snapResult {
	if v.opts.Fast {
		if len(val) < envelopeHeader {
			return snapResult{err: fmt.Errorf("%w: %d bytes, shorter than the header", errEnvelopeFormat, len(val))}
		}
		var refs snapshotRefs
		if leanRefs(val[envelopeHeader:], &refs) != nil {
			var rec snapshotRecord
			if err := jsonUnmarshal(val[envelopeHeader:], &rec); err != nil {
				return snapResult{err: fmt.Errorf("%w: %v", errEnvelopeFormat, err)}
			}
			refs = snapshotRefs{Article: rec.Article, Version: rec.Version, RawSHA: rec.RawSHA, Assets: rec.Assets}
		}
		return snapResult{article: refs.Article, version: refs.Version, rawSHA: refs.RawSHA, assets: refs.Assets}
	}
	payload, err := open(val)
	if err != nil {
		return snapResult{err: err}
	}
	// The envelope matched: the payload is what the writer encoded, and the
	// fields verify does not use need no decoding.
	var refs snapshotRefs
	var want ID
	var content contentRecord
	if leanSnapshot(payload, &refs, &want, &content) != nil {
		var rec snapshotRecord
		if err := json.Unmarshal(payload, &rec); err != nil {
			return snapResult{err: fmt.Errorf("%w: %v", errEnvelopeFormat, err)}
		}
		refs = snapshotRefs{Article: rec.Article, Version: rec.Version, RawSHA: rec.RawSHA, Assets: rec.Assets}
		want, content = rec.ContentHash, rec.Content
	}
	return snapResult{article: refs.Article, version: refs.Version, rawSHA: refs.RawSHA, assets: refs.Assets,
		hashed: contentHash(&content), want: want}
}

// article checks one article record (nil when missing) and its snapshots,
// decoded in res.
func (v *verifier) article(tx *bolt.Tx, k, val []byte, snaps [][2][]byte, res []snapResult) {
	versions := -1 // unknown
	if val != nil {
		v.report.Checked++
		v.report.Articles++
		v.report.BytesChecked += int64(len(val))
		var id ID
		if len(k) != len(id) {
			v.problem(ProblemUndecodableRecord, fmt.Sprintf("%x", k), "article key is %d bytes, want %d", len(k), len(id))
		} else {
			copy(id[:], k)
			var rec articleRecord
			if err := openJSON(val, &rec); err != nil {
				v.envelopeProblem(id.String(), "article", err)
			} else {
				versions = rec.Versions
				if Hash([]byte(rec.URL)) != id {
					v.problem(ProblemArticleKeyMismatch, id.String(), "key is not the SHA-256 of the article url %q", rec.URL)
				}
			}
		}
	}
	assets, raw := tx.Bucket(bucketAssets), tx.Bucket(bucketRaw)
	found := map[int]bool{}
	for i, s := range snaps {
		v.report.Checked++
		v.report.Snapshots++
		id, version, _ := splitSnapshotKey(s[0])
		key := snapshotName(id, version)
		found[version] = true
		if val == nil {
			v.problem(ProblemDanglingReference, key, "snapshot of an article that is not stored")
		}
		if !v.opts.Fast {
			v.report.BytesChecked += int64(len(s[1]))
		}
		rec := &res[i]
		if rec.err != nil {
			v.unsure = true
			v.envelopeProblem(key, "snapshot", rec.err)
			continue
		}
		if rec.article != id || rec.version != version {
			v.problem(ProblemSnapshotKeyMismatch, key, "record says it is %s", snapshotName(rec.article, rec.version))
		}
		if !v.opts.Fast && rec.hashed != rec.want {
			v.problem(ProblemSnapshotHashMismatch, key, "content hashes to %s, the record says %s", rec.hashed, rec.want)
		}
		if raw == nil || raw.Get(rec.rawSHA[:]) == nil {
			v.problem(ProblemMissingRaw, key, "raw response %s is not stored", rec.rawSHA)
		} else {
			mark(v.rawSeen, v.rawRef, rec.rawSHA)
		}
		for _, a := range rec.assets {
			if assets == nil || assets.Get(a.SHA[:]) == nil {
				v.problem(ProblemMissingAsset, key, "asset %s (%s) is not stored", a.SHA, a.URL)
			} else {
				mark(v.assetSeen, v.assetRef, a.SHA)
			}
		}
	}
	if versions < 0 {
		return
	}
	var missing, extra []int
	for ver := 1; ver <= versions; ver++ {
		if !found[ver] {
			missing = append(missing, ver)
		}
	}
	for _, ver := range sortedVersions(found) {
		if ver < 1 || ver > versions {
			extra = append(extra, ver)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		v.problem(ProblemVersionCountMismatch, fmt.Sprintf("%x", k),
			"article records %d versions, %d snapshots stored (missing %v, unexpected %v)", versions, len(found), missing, extra)
	}
}

// orphans warns about assets and raw blobs no snapshot references: they
// cost space but lose nothing (verify --repair --prune-orphans removes them).
func (v *verifier) orphans() {
	for i, sha := range v.assetSeen {
		if !v.assetRef[i] {
			v.warning(WarningOrphanAsset, sha.String(), "asset is referenced by no snapshot")
		}
	}
	for i, sha := range v.rawSeen {
		if !v.rawRef[i] {
			v.warning(WarningOrphanRaw, sha.String(), "raw response is referenced by no snapshot")
		}
	}
}

func sortedVersions(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for ver := range m {
		out = append(out, ver)
	}
	slices.Sort(out)
	return out
}

// assetMeta checks every metadata record. Metadata whose asset is gone is
// not a problem by itself: a snapshot that needs the asset reports
// missing_asset, and otherwise it is an orphan.
func (v *verifier) assetMeta() error {
	return v.each(bucketAssetMeta, true, func(_ *bolt.Tx, k, val []byte) {
		v.report.BytesChecked += int64(len(val))
		var m assetMetaRecord
		if err := openJSON(val, &m); err != nil {
			v.envelopeProblem(fmt.Sprintf("%x", k), "asset_meta", err)
		}
	})
}

// assetURLs checks every URL mapping's envelope. A mapping whose asset is
// gone is treated like an orphan (AssetByURL reports it absent).
func (v *verifier) assetURLs() error {
	return v.each(bucketAssetURLs, false, func(_ *bolt.Tx, k, val []byte) {
		v.report.BytesChecked += int64(len(val))
		payload, err := open(val)
		if err == nil && len(payload) != len(ID{}) {
			err = fmt.Errorf("%w: %d-byte hash", errEnvelopeFormat, len(payload))
		}
		if err != nil {
			v.envelopeProblem(quoteKey(bucketAssetURLs, k), "asset_urls", err)
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
	return v.each(bucketFrontier, false, func(_ *bolt.Tx, k, val []byte) {
		var rec frontierRecord
		v.stateRecord(bucketFrontier, k, val, &rec)
	})
}

func (v *verifier) fetchState() error {
	return v.each(bucketFetchState, false, func(_ *bolt.Tx, k, val []byte) {
		var rec fetchStateRecord
		if !v.stateRecord(bucketFetchState, k, val, &rec) {
			return
		}
		if rec.Kind != KindArticle && rec.Kind != KindAsset {
			v.problem(ProblemUndecodableRecord, quoteKey(bucketFetchState, k), "fetch_state record of unknown kind %q", rec.Kind)
		}
	})
}

func (v *verifier) robots() error {
	return v.each(bucketRobots, false, func(_ *bolt.Tx, k, val []byte) {
		var rec robotsRecord
		v.stateRecord(bucketRobots, k, val, &rec)
	})
}

// stateRecord checks what every crawl-state record shares, its string key
// and its envelope, decoding it into rec; false when it is unusable.
func (v *verifier) stateRecord(bucket, k, val []byte, rec any) bool {
	v.report.BytesChecked += int64(len(val))
	if v.stringKeyProblem(bucket, k) {
		return false
	}
	if err := openJSON(val, rec); err != nil {
		v.envelopeProblem(quoteKey(bucket, k), string(bucket), err)
		return false
	}
	return true
}

func (v *verifier) runs() error {
	return v.each(bucketRuns, false, func(_ *bolt.Tx, k, val []byte) {
		v.report.BytesChecked += int64(len(val))
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

// countTotal counts the records a stopped run was to check (keys only, in
// chunks), so that the report says how far it got.
func (v *verifier) countTotal() int64 {
	var total int64
	for _, name := range slices.Concat(dataBuckets, stateBuckets) {
		idKeyed := bytes.Equal(name, bucketArticles) || bytes.Equal(name, bucketSnapshots) ||
			bytes.Equal(name, bucketAssets) || bytes.Equal(name, bucketRaw) || bytes.Equal(name, bucketAssetMeta)
		var last []byte
		for {
			done := false
			err := v.view(func(tx *bolt.Tx) error {
				b := tx.Bucket(name)
				if b == nil {
					done = true
					return nil
				}
				c := b.Cursor()
				var k []byte
				if last == nil {
					k, _ = c.First()
				} else if k, _ = c.Seek(last); k != nil && bytes.Equal(k, last) {
					k, _ = c.Next()
				}
				n := 0
				for ; k != nil; k, _ = c.Next() {
					if idKeyed && v.idSlice(k) || !idKeyed && v.keySlice(k) {
						total++
					}
					if n++; n >= 64*v.opts.ChunkRecords {
						last = bytes.Clone(k)
						return nil
					}
				}
				done = true
				return nil
			})
			if err != nil || done {
				break
			}
		}
	}
	return max(total, v.report.Checked)
}
