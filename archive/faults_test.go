package archive

import (
	"bytes"
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
)

var faultSeeds = flag.Int("fault-seeds", 200, "random faults injected by TestFaultInjection")

// faultFixture is damageFixture with every crawl-state bucket filled too.
func faultFixture(tb testing.TB) string {
	path := damageFixture(tb)
	s, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	at := time.Unix(1637382444, 0)
	if err := s.Enqueue(ctx, "test", []string{"https://example.org/article/7", "https://example.org/article/8"}, at); err != nil {
		tb.Fatal(err)
	}
	for _, host := range []string{"https://example.org", "https://cdn.example.org"} {
		if err := s.SaveRobots(ctx, host, RobotsEntry{Status: 200, Body: []byte("User-agent: *\nDisallow: /x\n"), Fetched: at, Expires: at.Add(time.Hour)}); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range 2 {
		start := at.Add(time.Duration(i) * time.Hour)
		if err := s.AddRun(ctx, Run{Start: start, End: start.Add(time.Minute), Sources: []string{"test"}, Stopped: StoppedDone}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// The record classes and the faults injected into each. A fault a class
// does not list is undetectable by design (docs/format.md, "What each check
// proves"): deleting or duplicating a crawl-state record or an asset_urls
// mapping loses no archived content and leaves nothing to check against.
var faultClasses = map[string][]string{
	"articles":    {"flip", "truncate", "delete", "duplicate"},
	"snapshots":   {"flip", "truncate", "delete", "duplicate"},
	"raw":         {"flip", "truncate", "delete", "duplicate"},
	"assets":      {"flip", "truncate", "delete", "duplicate"},
	"asset_meta":  {"flip", "truncate", "delete", "duplicate"},
	"asset_urls":  {"flip", "truncate"},
	"frontier":    {"flip", "truncate"},
	"fetch_state": {"flip", "truncate"},
	"robots":      {"flip", "truncate"},
	"runs":        {"flip", "truncate", "duplicate"},
	"meta":        {"flip", "truncate", "delete"},
	"file":        {"truncate"},
}

// fault is one injected fault and what verify must report for it.
type fault struct {
	class, kind string
	key         []byte
	wantKinds   []string
	wantKey     string // every problem's key starts with it, or its detail names it
	// harmless: the change lost nothing (a raw blob's compressed bytes that
	// still decompress to the body they are keyed by), so it is no fault.
	harmless bool
}

func (f fault) String() string { return fmt.Sprintf("%s %s %x", f.kind, f.class, f.key) }

// keyName is how verify names key k of bucket class.
func keyName(class string, k []byte) string {
	switch class {
	case "articles", "raw", "assets", "asset_meta":
		return hex.EncodeToString(k)
	case "snapshots":
		id, ver, _ := splitSnapshotKey(k)
		return snapshotName(id, ver)
	case "runs":
		return fmt.Sprintf("runs/%x", k)
	case "meta":
		return "meta/format_version"
	}
	return quoteKey([]byte(class), k)
}

var envelopeKinds = []string{ProblemRecordCorrupt, ProblemUndecodableRecord}

// inject applies a random fault of class and kind to the file at path.
func inject(t *testing.T, path string, rng *rand.Rand, class, kind string) fault {
	f := fault{class: class, kind: kind}
	if class == "file" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lay, _, err := readLayout(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		// Keep both meta pages; cut anywhere in the pages in use (the
		// slack bbolt allocates past them holds nothing).
		end := int64(lay.meta.hwm) * lay.pageSize
		n := 2*lay.pageSize + rng.Int64N(end-2*lay.pageSize)
		if err := os.Truncate(path, n); err != nil {
			t.Fatal(err)
		}
		f.wantKinds = []string{ProblemTruncated}
		return f
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(class))
		var keys [][]byte
		_ = b.ForEach(func(k, _ []byte) error {
			keys = append(keys, bytes.Clone(k))
			return nil
		})
		if len(keys) == 0 {
			t.Fatalf("fixture bucket %s is empty", class)
		}
		f.key = keys[rng.IntN(len(keys))]
		if class == "meta" {
			f.key = keyFormatVersion
		}
		val := bytes.Clone(b.Get(f.key))
		f.wantKey = keyName(class, f.key)
		switch kind {
		case "flip":
			i := rng.IntN(len(val))
			val[i] ^= 1 << rng.IntN(8)
			f.wantKinds = flipKinds(class)
			if class == "raw" {
				dec, _ := zstd.NewReader(nil)
				body, err := dec.DecodeAll(val, nil)
				dec.Close()
				f.harmless = err == nil && Hash(body) == ID(f.key)
			}
			return b.Put(f.key, val)
		case "truncate":
			f.wantKinds = flipKinds(class)
			return b.Put(f.key, val[:rng.IntN(len(val))])
		case "delete":
			f.wantKinds, f.wantKey = deleteKinds(tx, class, f.key)
			return b.Delete(f.key)
		case "duplicate":
			// Another key's value under this key: the record now says it is
			// something else, or its bytes do not hash to its key.
			var other []byte
			for other == nil || bytes.Equal(other, f.key) || bytes.Equal(b.Get(other), val) {
				other = keys[rng.IntN(len(keys))]
			}
			f.wantKinds = dupKinds(class)
			return b.Put(f.key, bytes.Clone(b.Get(other)))
		}
		return fmt.Errorf("unknown fault %s", kind)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func flipKinds(class string) []string {
	switch class {
	case "assets":
		return []string{ProblemAssetHashMismatch}
	case "raw":
		return []string{ProblemRawHashMismatch}
	case "meta":
		return []string{ProblemUnknownFormatVersion}
	}
	return envelopeKinds
}

func dupKinds(class string) []string {
	switch class {
	case "articles":
		return []string{ProblemArticleKeyMismatch, ProblemVersionCountMismatch}
	case "snapshots":
		return []string{ProblemSnapshotKeyMismatch}
	case "asset_meta":
		return []string{ProblemAssetSizeMismatch}
	case "runs":
		return []string{ProblemUndecodableRecord}
	}
	return flipKinds(class)
}

// deleteKinds is what deleting key from class breaks, and the key named.
func deleteKinds(tx *bolt.Tx, class string, key []byte) ([]string, string) {
	switch class {
	case "articles":
		return []string{ProblemDanglingReference}, hex.EncodeToString(key)
	case "snapshots":
		return []string{ProblemVersionCountMismatch}, hex.EncodeToString(key[:32])
	case "raw":
		return []string{ProblemMissingRaw}, hex.EncodeToString(key)
	case "assets":
		return []string{ProblemMissingAsset}, hex.EncodeToString(key)
	case "asset_meta":
		return []string{ProblemMissingAssetMeta}, hex.EncodeToString(key)
	case "meta":
		return []string{ProblemUnknownFormatVersion}, "meta/format_version"
	}
	return nil, ""
}

// TestFaultInjection injects one random fault per seed into a copy of a
// clean archive and checks that verify reports exactly it: exit status 1
// (not OK), only problems of the fault's kinds, each naming its key; and
// that the clean archive has no problem at all. -fault-seeds sets how many.
func TestFaultInjection(t *testing.T) {
	clean := faultFixture(t)
	rep, err := VerifyFile(context.Background(), clean, Options{Timeout: time.Second})
	if err != nil || !rep.OK || len(rep.Problems) != 0 || len(rep.Warnings) != 0 {
		t.Fatalf("clean archive: %+v, %v", rep, err)
	}
	cleanBytes, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	var classes []string
	for c := range faultClasses {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	dir := t.TempDir()
	detected := map[string]int{}
	for seed := range *faultSeeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 5))
		class := classes[rng.IntN(len(classes))]
		kind := faultClasses[class][rng.IntN(len(faultClasses[class]))]
		path := filepath.Join(dir, fmt.Sprintf("seed%d.db", seed))
		if err := os.WriteFile(path, cleanBytes, 0o644); err != nil {
			t.Fatal(err)
		}
		f := inject(t, path, rng, class, kind)
		if f.harmless {
			detected["harmless "+class+" "+kind]++
			continue
		}
		for _, fast := range []bool{false, true} {
			rep, err := VerifyFileWith(context.Background(), path, Options{Timeout: time.Second}, VerifyOptions{Fast: fast})
			if err != nil {
				t.Fatalf("seed %d (%s): %v", seed, f, err)
			}
			if fast && !fastDetects(f) {
				continue
			}
			if rep.OK || len(rep.Problems) == 0 {
				t.Errorf("seed %d (%s, fast=%v): not detected: %+v", seed, f, fast, rep)
				continue
			}
			for _, p := range rep.Problems {
				if !slices.Contains(f.wantKinds, p.Kind) || f.wantKey != "" && !strings.HasPrefix(p.Key, f.wantKey) && !strings.Contains(p.Detail, f.wantKey) {
					t.Errorf("seed %d (%s, fast=%v): problem %+v, want kind in %v naming %s", seed, f, fast, p, f.wantKinds, f.wantKey)
				}
			}
		}
		detected[class+" "+kind]++
		os.Remove(path)
	}
	t.Logf("faults detected: %v", detected)
}

// fastDetects reports whether verify --fast must find f: it re-hashes no
// snapshot, asset or raw body.
func fastDetects(f fault) bool {
	switch {
	case f.class == "snapshots" && (f.kind == "flip" || f.kind == "truncate"):
		return false // may still decode: only the hash would tell
	case (f.class == "assets" || f.class == "raw") && f.kind != "delete":
		return false
	}
	return true
}
