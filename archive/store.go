package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FormatVersion is the on-disk format version this package reads and writes
// (docs/format.md). It is stored in the meta bucket under format_version.
const FormatVersion = 1

// maxRawSize bounds how large a decompressed raw blob may be, so that a
// corrupt blob cannot make a read allocate without limit.
const maxRawSize = 1 << 30

// Bucket and key names (docs/format.md).
var (
	bucketMeta      = []byte("meta")
	bucketArticles  = []byte("articles")
	bucketSnapshots = []byte("snapshots")
	bucketRaw       = []byte("raw")
	bucketAssets    = []byte("assets")
	bucketAssetMeta = []byte("asset_meta")
	bucketAssetURLs = []byte("asset_urls")
	// Added in format version 1 after the first release: an archive
	// written before has none of them until it is opened for writing, and
	// Verify treats a missing one as empty.
	bucketFrontier   = []byte("frontier")
	bucketFetchState = []byte("fetch_state")
	bucketRobots     = []byte("robots")
	bucketRuns       = []byte("runs")

	keyFormatVersion = []byte("format_version")

	dataBuckets  = [][]byte{bucketArticles, bucketSnapshots, bucketRaw, bucketAssets, bucketAssetMeta, bucketAssetURLs}
	stateBuckets = [][]byte{bucketFrontier, bucketFetchState, bucketRobots, bucketRuns}
)

// Store is an open archive.
//
// A Store does not keep the bbolt file open: each operation opens it, runs
// one transaction and closes it again (operations that overlap in time share
// one open file), so that other processes can read the archive between a
// crawl's writes. A writable Store instead holds the writer lock, the file
// <archive>.lock, from Open to Close: one writer at a time.
type Store struct {
	path     string
	readOnly bool
	opWait   time.Duration // how long one operation waits for bbolt's file lock
	lock     *os.File      // the writer lock; nil when read-only
	enc      *zstd.Encoder
	dec      *zstd.Decoder

	mu       sync.Mutex
	cond     *sync.Cond
	db       *bolt.DB // open while users > 0
	users    int
	openedAt time.Time
	draining bool // no new user joins the open db: it closes when users reach 0
	closed   bool
	opens    int64 // bbolt opens so far (for tests and benchmarks)

	closeOnce sync.Once
	closeErr  error
}

// maxHold bounds how long overlapping operations of one process keep the
// bbolt file open together: after it, new operations wait for the file to be
// closed, so another process waiting for its lock gets a turn.
const maxHold = 100 * time.Millisecond

// minOpWait is the least time an operation waits for the bbolt file lock
// held by another process's transaction (readers hold it for one chunk of
// ~100 ms at most).
const minOpWait = 30 * time.Second

// Open opens the archive at path. Unless opts.ReadOnly, it creates the parent
// directory and the file if missing, initialises an empty file, and takes
// the writer lock (the file path+".lock"): it waits up to opts.Timeout for
// another writer to release it and then returns an error wrapping ErrLocked.
// Readers take no writer lock: they share the archive with each other and
// with a writer, transaction by transaction. Open refuses an archive written
// by a newer format version, and for writing also one without a known
// format version.
//
// Before handing an existing file to bbolt, Open reads its meta pages (and,
// for writing, its free list) with ordinary reads; an empty, truncated or
// foreign file gives an error wrapping ErrCorrupt. Damage deeper in the file
// is found by reads (as errors wrapping ErrCorrupt) and by VerifyFile.
func Open(path string, opts Options) (*Store, error) {
	s, err := openStore(path, opts)
	if err != nil {
		return nil, err
	}
	err = s.withDB(func(db *bolt.DB) error { return checkFormat(db, path, opts.ReadOnly) })
	if err != nil {
		_ = s.Close()
		if errors.Is(err, ErrLocked) {
			return nil, err
		}
		if errors.Is(err, ErrCorrupt) {
			return nil, fmt.Errorf("archive %s is damaged: %w; run 'chronicle verify'", path, err)
		}
		return nil, fmt.Errorf("open archive %s: %w", path, err)
	}
	return s, nil
}

// LockPath returns the writer lock file of the archive at path.
func LockPath(path string) string { return path + ".lock" }

// openStore takes the writer lock (unless read-only), checks the file's meta
// pages and opens it once with bbolt, without reading any bucket.
func openStore(path string, opts Options) (*Store, error) {
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("open archive %s: %w", path, err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open archive %s: %w", path, err)
	}
	s := &Store{path: path, readOnly: opts.ReadOnly, opWait: opts.Timeout}
	s.cond = sync.NewCond(&s.mu)
	if s.opWait != 0 && s.opWait < minOpWait {
		s.opWait = minOpWait
	}
	if !opts.ReadOnly {
		f, err := lockFile(LockPath(path), opts.Timeout)
		if err != nil {
			return nil, fmt.Errorf("open archive %s: %w", path, err)
		}
		s.lock = f
	}
	fail := func(err error) (*Store, error) {
		s.unlock()
		return nil, err
	}
	if err := checkBeforeOpen(path, opts.ReadOnly); err != nil {
		return fail(err)
	}
	// The first open waits only opts.Timeout, as the caller asked.
	if err := s.openDB(opts.Timeout); err != nil {
		return fail(err)
	}
	s.releaseDB()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return fail(fmt.Errorf("open archive %s: zstd encoder: %w", path, err))
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(maxRawSize))
	if err != nil {
		_ = enc.Close()
		return fail(fmt.Errorf("open archive %s: zstd decoder: %w", path, err))
	}
	s.enc, s.dec = enc, dec
	return s, nil
}

// openDB opens the bbolt file (s.mu held or not yet shared) and makes the
// caller its only user.
func (s *Store) openDB(wait time.Duration) error {
	timeout := wait
	if timeout < 0 {
		// bbolt treats zero as "wait forever"; any timeout shorter than its
		// retry interval makes it try once.
		timeout = 1
	}
	var db *bolt.DB
	err := guard(s.path, "opening", func() (err error) {
		db, err = bolt.Open(s.path, 0o644, &bolt.Options{Timeout: timeout, ReadOnly: s.readOnly})
		return err
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return fmt.Errorf("open archive %s: %w (a transaction of another process held it for %s)", s.path, ErrLocked, wait)
		}
		if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) {
			err = fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return fmt.Errorf("open archive %s: %w", s.path, err)
	}
	s.db, s.users, s.openedAt, s.draining = db, 1, time.Now(), false
	s.opens++
	return nil
}

// acquireDB returns the open bbolt file, opening it when no operation of
// this process has it open. Every acquireDB is paired with a releaseDB.
func (s *Store) acquireDB() (*bolt.DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.closed {
			return nil, fmt.Errorf("archive %s: %w", s.path, errClosed)
		}
		if s.db == nil {
			break
		}
		if !s.draining && time.Since(s.openedAt) < maxHold {
			s.users++
			return s.db, nil
		}
		s.draining = true
		s.cond.Wait()
	}
	if err := s.openDB(s.opWait); err != nil {
		return nil, err
	}
	return s.db, nil
}

// releaseDB ends one operation's use of the bbolt file; the last user closes
// it, releasing bbolt's file lock.
func (s *Store) releaseDB() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users--
	if s.users > 0 {
		return
	}
	if err := s.db.Close(); err != nil && s.closeErr == nil {
		s.closeErr = fmt.Errorf("close archive %s: %w", s.path, err)
	}
	s.db = nil
	s.cond.Broadcast()
}

// withDB runs fn with the bbolt file open.
func (s *Store) withDB(fn func(*bolt.DB) error) error {
	db, err := s.acquireDB()
	if err != nil {
		return err
	}
	defer s.releaseDB()
	return fn(db)
}

// Opens returns how many times the Store has opened the bbolt file: one per
// operation, fewer when operations overlapped.
func (s *Store) Opens() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens
}

// errClosed is returned by operations on a closed Store.
var errClosed = errors.New("store is closed")

// checkBeforeOpen reads the meta pages of an existing file with ordinary
// reads, so that bbolt is never handed a file whose memory map would end
// before its pages do: the file must have a valid meta page and be as long
// as it says. For writing, bbolt also reads the free list on open, so that
// is checked too. A missing file is left to bbolt (which creates it).
func checkBeforeOpen(path string, readOnly bool) error {
	f, err := os.Open(path)
	if !readOnly && errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open archive %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open archive %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("open archive %s: not a regular file", path)
	}
	lay, problems, err := readLayout(f, info.Size())
	if err != nil {
		return fmt.Errorf("open archive %s: %w", path, err)
	}
	if !lay.fatal && !readOnly {
		c := &pageChecker{r: f, ps: lay.pageSize, hwm: lay.meta.hwm,
			used: newPageSet(lay.meta.hwm), free: newPageSet(lay.meta.hwm)}
		c.used.add(0)
		c.used.add(1)
		if err := c.checkFreelist(lay.meta.freelist); err != nil {
			return fmt.Errorf("open archive %s: %w", path, err)
		}
		lay.fatal = c.bad
		problems = append(problems, c.problems...)
	}
	if !lay.fatal {
		return nil
	}
	var details []string
	for _, p := range problems {
		if p.Key != "" {
			details = append(details, p.Key+": "+p.Detail)
		} else {
			details = append(details, p.Detail)
		}
	}
	return fmt.Errorf("archive %s is damaged (%w): %s; run 'chronicle verify'", path, ErrCorrupt, strings.Join(details, "; "))
}

// checkFormat initialises an empty archive (when writable) and checks the
// stored format version.
func checkFormat(db *bolt.DB, path string, readOnly bool) error {
	var version int
	var present bool
	err := guard(path, "reading", func() error {
		return db.View(func(tx *bolt.Tx) error {
			v, ok, err := readFormatVersion(tx)
			version, present = v, ok
			if err != nil && !readOnly {
				return err
			}
			if first, _ := tx.Cursor().First(); !ok && !readOnly && first != nil {
				return errors.New("not a chronicle archive: it has data but no meta bucket")
			}
			return nil
		})
	})
	if err != nil {
		if readOnly && errors.Is(err, ErrCorrupt) {
			// Let reads and Verify report the damage.
			return nil
		}
		return err
	}
	if present && version > FormatVersion {
		return fmt.Errorf("archive format version %d is newer than this program supports (%d): upgrade chronicle", version, FormatVersion)
	}
	if present && version != FormatVersion && !readOnly {
		return fmt.Errorf("unknown archive format version %d (this program supports %d)", version, FormatVersion)
	}
	if readOnly {
		// Read-only opens of damaged or foreign files are allowed so that
		// Verify can report what is wrong.
		return nil
	}
	if present {
		return addStateBuckets(db, path)
	}
	return guard(path, "writing", func() error {
		return db.Update(func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return fmt.Errorf("create bucket %s: %w", bucketMeta, err)
			}
			if err := meta.Put(keyFormatVersion, []byte(strconv.Itoa(FormatVersion))); err != nil {
				return fmt.Errorf("write format version: %w", err)
			}
			for _, name := range slices.Concat(dataBuckets, stateBuckets) {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return fmt.Errorf("create bucket %s: %w", name, err)
				}
			}
			return nil
		})
	})
}

// addStateBuckets creates the buckets an archive written before they
// existed lacks; it writes nothing when all are present.
func addStateBuckets(db *bolt.DB, path string) error {
	var missing [][]byte
	err := guard(path, "reading", func() error {
		return db.View(func(tx *bolt.Tx) error {
			for _, name := range stateBuckets {
				if tx.Bucket(name) == nil {
					missing = append(missing, name)
				}
			}
			return nil
		})
	})
	if err != nil || len(missing) == 0 {
		return err
	}
	return guard(path, "writing", func() error {
		return db.Update(func(tx *bolt.Tx) error {
			for _, name := range missing {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return fmt.Errorf("create bucket %s: %w", name, err)
				}
			}
			return nil
		})
	})
}

// readFormatVersion returns the stored format version and whether one is
// present; an unparsable value is an error.
func readFormatVersion(tx *bolt.Tx) (int, bool, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, false, nil
	}
	v := meta.Get(keyFormatVersion)
	if v == nil {
		return 0, false, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n <= 0 {
		return 0, false, fmt.Errorf("unreadable archive format version %q", v)
	}
	return n, true, nil
}

// Close closes the archive and releases the writer lock. It waits for
// running operations to end. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		for s.db != nil {
			s.cond.Wait()
		}
		s.mu.Unlock()
		if s.enc != nil {
			_ = s.enc.Close()
			s.dec.Close()
		}
		s.unlock()
	})
	return s.closeErr
}

// unlock releases the writer lock, if held.
func (s *Store) unlock() {
	if s.lock != nil {
		_ = s.lock.Close() // closing the descriptor releases the flock
		s.lock = nil
	}
}

// ReadOnly reports whether the Store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Path returns the archive's file path.
func (s *Store) Path() string {
	return s.path
}

// guard runs fn, which uses bbolt on the archive at path, turning a bbolt
// panic on a damaged page, and a memory fault reading the file's mapping
// (past its end, for example), into an error wrapping ErrCorrupt. Faults are
// caught only in the calling goroutine.
func guard(path, what string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s %s: %v", ErrCorrupt, what, path, r)
		}
	}()
	return fn()
}

// view runs fn in a read transaction, turning a bbolt panic or a memory
// fault on a damaged page into an error wrapping ErrCorrupt.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	return s.withDB(func(db *bolt.DB) error {
		return guard(s.path, "reading", func() error { return db.View(fn) })
	})
}

// update runs fn in a write transaction, turning a bbolt panic or a memory
// fault on a damaged page into an error wrapping ErrCorrupt (the transaction
// is rolled back).
func (s *Store) update(fn func(*bolt.Tx) error) error {
	return s.withDB(func(db *bolt.DB) error {
		return guard(s.path, "writing", func() error { return db.Update(fn) })
	})
}

// bucket returns the named bucket, or an error wrapping ErrCorrupt when it is
// missing (every archive has all buckets from creation on).
func bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("%w: bucket %s missing", ErrCorrupt, name)
	}
	return b, nil
}
