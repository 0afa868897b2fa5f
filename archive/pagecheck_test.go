package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// damageFixture builds a closed archive of several articles, one with two
// versions, with assets large enough to need overflow pages, and returns its
// path.
func damageFixture(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "archive.db")
	s, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 6 {
		asset := make([]byte, 300+i*3000)
		for j := range asset {
			asset[j] = byte(rng.Uint32())
		}
		url := fmt.Sprintf("https://example.org/article/%d", i)
		img := fmt.Sprintf("https://example.org/img/%d.png", i)
		c := Capture{
			URL: url, Source: "test",
			Fetch: Fetch{URL: url, FetchedAt: time.Unix(1637382444+int64(i), 0), Status: 200,
				Raw: bytes.Repeat([]byte(fmt.Sprintf("<html>page %d</html>", i)), 40*(i+1))},
			Content:   Content{Title: fmt.Sprintf("Title %d", i), BodyHTML: strings.Repeat("<p>body</p>", 20*i), Images: []string{img}},
			Assets:    []AssetData{{URL: img, ContentType: "image/png", Data: asset}},
			AssetRefs: []AssetRef{{URL: img, SHA: Hash(asset)}},
		}
		if _, err := s.Put(context.Background(), c); err != nil {
			tb.Fatal(err)
		}
		if i == 2 {
			c.Content.Title = "Title 2, changed"
			c.Fetch.FetchedAt = c.Fetch.FetchedAt.Add(time.Hour)
			if _, err := s.Put(context.Background(), c); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// pageLayout reads, through bbolt, the page size, high-water mark and the
// first page of every page in use (meta pages, free list, tree) of a clean
// file: every page below the high-water mark is either free or part of a
// page in use.
func pageLayout(t *testing.T, path string) (ps int, hwm int, starts []int) {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: time.Second})
	must(t, err)
	defer db.Close()
	must(t, db.View(func(tx *bolt.Tx) error {
		ps = db.Info().PageSize
		hwm = int(tx.Size()) / ps
		for id := 0; id < hwm; {
			info, err := tx.Page(id)
			if err != nil {
				return err
			}
			if info.Type == "free" {
				id++
				continue
			}
			starts = append(starts, id)
			id += 1 + info.OverflowCount
		}
		return nil
	}))
	return ps, hwm, starts
}

// verifyDamaged runs VerifyFile, which must neither fail nor change the
// file, and checks the report is consistent.
func verifyDamaged(t *testing.T, path string) *Report {
	t.Helper()
	before := fileHash(t, path)
	rep, err := VerifyFile(context.Background(), path, Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("VerifyFile: %v", err)
	}
	if rep.OK != (len(rep.Problems) == 0) {
		t.Fatalf("report OK=%v with %d problems", rep.OK, len(rep.Problems))
	}
	if fileHash(t, path) != before {
		t.Fatal("VerifyFile changed the file")
	}
	return rep
}

// damaged writes a copy of clean, changed by edit, and returns its path.
func damaged(t *testing.T, clean []byte, edit func([]byte) []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "damaged.db")
	must(t, os.WriteFile(path, edit(bytes.Clone(clean)), 0o644))
	return path
}

func TestVerifyFileClean(t *testing.T) {
	path := damageFixture(t)
	rep := verifyDamaged(t, path)
	if !rep.OK || len(rep.Problems) != 0 || rep.Articles != 6 || rep.Snapshots != 7 || rep.Assets != 6 {
		t.Fatalf("report = %+v", rep)
	}
	s, err := Open(path, Options{ReadOnly: true, Timeout: time.Second})
	must(t, err)
	defer s.Close()
	v, err := s.verify(context.Background(), VerifyOptions{})
	must(t, err)
	if !v.bboltChecked || !v.report.OK {
		t.Fatalf("bbolt's check ran: %v; report %+v", v.bboltChecked, v.report)
	}
	f, err := os.Open(path)
	must(t, err)
	defer f.Close()
	info, err := f.Stat()
	must(t, err)
	problems, safe, err := checkFile(context.Background(), f, info.Size())
	if err != nil || !safe || len(problems) != 0 {
		t.Fatalf("checkFile = %+v, %v, %v", problems, safe, err)
	}
}

// TestVerifyFileFlippedHeaders flips every byte of the page header of every
// page in use, and every byte of both meta pages' meta structs: each must be
// reported, except the count and overflow fields of meta pages, which bbolt
// never reads.
func TestVerifyFileFlippedHeaders(t *testing.T) {
	path := damageFixture(t)
	clean, err := os.ReadFile(path)
	must(t, err)
	ps, hwm, starts := pageLayout(t, path)
	if hwm < 8 {
		t.Fatalf("fixture has only %d pages", hwm)
	}
	var overflowed bool
	for _, id := range starts {
		n := boltPageHeader
		if id < 2 {
			n += boltMetaSize
		}
		overflowed = overflowed || binary.NativeEndian.Uint32(clean[id*ps+12:]) > 0
		for i := range n {
			if id < 2 && i >= 10 && i < boltPageHeader {
				continue
			}
			for _, mask := range []byte{0x01, 0x5a, 0x80} {
				off := id*ps + i
				rep := verifyDamaged(t, damaged(t, clean, func(b []byte) []byte { b[off] ^= mask; return b }))
				if rep.OK {
					t.Errorf("page %d: flipping header byte %d with %#x went unreported", id, i, mask)
				}
			}
		}
	}
	if !overflowed {
		t.Error("fixture has no overflow pages")
	}
	// Bytes of free pages and meta page padding: never a crash, whatever the report.
	for id := range min(8, hwm) {
		for i := range boltPageHeader {
			off := id*ps + i
			verifyDamaged(t, damaged(t, clean, func(b []byte) []byte { b[off] ^= 0x5a; return b }))
		}
	}
}

// dump returns every key and value of the file, nested buckets included.
func dump(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	must(t, err)
	defer db.Close()
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket)
	walk = func(prefix string, b *bolt.Bucket) {
		_ = b.ForEach(func(k, v []byte) error {
			if v == nil {
				walk(prefix+string(k)+"/", b.Bucket(k))
				return nil
			}
			out[prefix+string(k)] = string(v)
			return nil
		})
	}
	must(t, db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			walk(string(name)+"/", b)
			return nil
		})
	}))
	return out
}

// TestVerifyFileRandomDamage flips random bytes, and overwrites random runs
// of bytes, across the file. VerifyFile must not crash, and a report of OK
// must mean the data bbolt returns is unchanged, except for asset_urls keys,
// which no hash covers (docs/format.md).
func TestVerifyFileRandomDamage(t *testing.T) {
	path := damageFixture(t)
	clean, err := os.ReadFile(path)
	must(t, err)
	want := dump(t, path)
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		p := damaged(t, clean, func(b []byte) []byte {
			if seed%4 == 3 {
				// A run of garbage.
				off, n := rng.IntN(len(b)), 1+rng.IntN(64)
				for i := off; i < min(off+n, len(b)); i++ {
					b[i] = byte(rng.Uint32())
				}
				return b
			}
			b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
			return b
		})
		rep := verifyDamaged(t, p)
		if !rep.OK {
			continue
		}
		got := dump(t, p)
		for k, v := range want {
			if got[k] != v && !strings.HasPrefix(k, string(bucketAssetURLs)+"/") {
				t.Errorf("seed %d: %q changed but the report is OK", seed, k)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok && !strings.HasPrefix(k, string(bucketAssetURLs)+"/") {
				t.Errorf("seed %d: %q appeared but the report is OK", seed, k)
			}
		}
	}
}

func TestVerifyFileTruncated(t *testing.T) {
	path := damageFixture(t)
	clean, err := os.ReadFile(path)
	must(t, err)
	ps, hwm, _ := pageLayout(t, path)
	used := ps * hwm
	for _, size := range []int{0, 1, 100, 4096, 8192, used / 2, used - 1, used, len(clean) - 1} {
		p := damaged(t, clean, func(b []byte) []byte { return b[:size] })
		rep := verifyDamaged(t, p)
		if size >= used {
			if !rep.OK {
				t.Errorf("size %d (pages end at %d): %+v", size, used, rep.Problems)
			}
			continue
		}
		if rep.OK || (rep.Problems[0].Kind != ProblemTruncated && rep.Problems[0].Kind != ProblemNotAnArchive) {
			t.Errorf("size %d: report %+v", size, rep)
		}
		for _, ro := range []bool{false, true} {
			s, err := Open(p, Options{ReadOnly: ro, Timeout: time.Second})
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "chronicle verify") {
				t.Errorf("size %d: Open(ReadOnly=%v) = %v", size, ro, err)
			}
			if s != nil {
				_ = s.Close()
			}
		}
	}
}

func TestVerifyFileForeign(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	for i, size := range []int{1, 79, 80, 1000, 4096, 3 * 4096, 64 << 10} {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		p := filepath.Join(dir, fmt.Sprintf("random%d.db", i))
		must(t, os.WriteFile(p, b, 0o644))
		rep := verifyDamaged(t, p)
		if rep.OK || rep.Problems[0].Kind != ProblemNotAnArchive {
			t.Errorf("%d random bytes: report %+v", size, rep)
		}
		if _, err := Open(p, Options{Timeout: time.Second}); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%d random bytes: Open = %v", size, err)
		}
	}
	// A file that is not a regular file, and one that is missing, cannot be
	// checked at all.
	if _, err := VerifyFile(context.Background(), dir, Options{}); err == nil {
		t.Error("VerifyFile of a directory succeeded")
	}
	if _, err := VerifyFile(context.Background(), filepath.Join(dir, "missing.db"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("VerifyFile of a missing file: %v", err)
	}
}

// TestStaleMetaInvalid damages the meta page bbolt does not use: reported,
// but the rest of the checks still run.
func TestStaleMetaInvalid(t *testing.T) {
	path := damageFixture(t)
	clean, err := os.ReadFile(path)
	must(t, err)
	ps, _, _ := pageLayout(t, path)
	lay, _, err := readLayout(bytes.NewReader(clean), int64(len(clean)))
	must(t, err)
	stale := int(lay.meta.id^1) * ps
	rep := verifyDamaged(t, damaged(t, clean, func(b []byte) []byte { b[stale+boltPageHeader+40] ^= 1; return b }))
	if rep.OK || len(rep.Problems) != 1 || rep.Problems[0].Kind != ProblemBboltPage || rep.Articles != 6 {
		t.Errorf("report %+v", rep)
	}
}

func TestVerifyFileLocked(t *testing.T) {
	path := damageFixture(t)
	s, err := Open(path, Options{Timeout: time.Second})
	must(t, err)
	// A writer's Store between transactions does not keep readers out.
	if rep, err := VerifyFile(context.Background(), path, Options{Timeout: -1}); err != nil || !rep.OK {
		t.Errorf("VerifyFile while a writer has the archive open: %+v, %v", rep, err)
	}
	must(t, s.Close())
	// A transaction that holds bbolt's lock does, for the lock's timeout.
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	must(t, err)
	defer db.Close()
	if _, err := VerifyFile(context.Background(), path, Options{Timeout: -1}); !errors.Is(err, ErrLocked) {
		t.Errorf("VerifyFile while locked: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := VerifyFile(ctx, path, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyFile cancelled: %v", err)
	}
}

// TestReadsOnDamagedTree damages a tree page so that bbolt's reads fail
// their assertions: the reads return errors wrapping ErrCorrupt.
func TestReadsOnDamagedTree(t *testing.T) {
	path := damageFixture(t)
	clean, err := os.ReadFile(path)
	must(t, err)
	ps, _, starts := pageLayout(t, path)
	for _, id := range starts[3:] {
		p := damaged(t, clean, func(b []byte) []byte { b[id*ps] ^= 0x5a; return b })
		s, err := Open(p, Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("page %d: Open = %v", id, err)
			}
			continue
		}
		if _, err := s.Articles(context.Background()); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Errorf("page %d: Articles = %v", id, err)
		}
		if _, err := s.Lookup("https://example.org/article/3"); err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNotFound) {
			t.Errorf("page %d: Lookup = %v", id, err)
		}
		rep, err := s.Verify(context.Background())
		if err != nil || rep.OK {
			t.Errorf("page %d: Verify = %+v, %v", id, rep, err)
		}
		must(t, s.Close())
	}
}

func FuzzPageCheck(f *testing.F) {
	// Seeds: small bbolt files with 1 KiB pages, and an archive.
	for i, pageSize := range []int{1024, 4096} {
		path := filepath.Join(f.TempDir(), fmt.Sprintf("seed%d.db", i))
		db, err := bolt.Open(path, 0o644, &bolt.Options{PageSize: pageSize})
		if err != nil {
			f.Fatal(err)
		}
		err = db.Update(func(tx *bolt.Tx) error {
			for _, name := range []string{"a", "b"} {
				b, err := tx.CreateBucket([]byte(name))
				if err != nil {
					return err
				}
				for k := range 40 {
					if err := b.Put([]byte(fmt.Sprintf("key%03d", k)), bytes.Repeat([]byte{byte(k)}, k*7)); err != nil {
						return err
					}
				}
				if _, err := b.CreateBucket([]byte("inline")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			f.Fatal(err)
		}
		if err := db.Close(); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	b, err := os.ReadFile(damageFixture(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{})
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, b []byte) {
		problems, safe, err := checkFile(context.Background(), bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if safe != (len(problems) == 0) && !(safe && len(problems) == 1) {
			t.Fatalf("safe=%v with problems %+v", safe, problems)
		}
		if !safe {
			return
		}
		// bbolt's own code must survive every file the check passes
		// (its check runs in a goroutine where a panic would kill the test).
		n++
		p := filepath.Join(dir, fmt.Sprintf("f%d.db", n))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(p)
		if _, err := VerifyFile(context.Background(), p, Options{Timeout: time.Second}); err != nil {
			t.Fatal(err)
		}
	})
}
