package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fixture is a closed archive holding one article with one version, one
// asset and one raw blob.
type fixture struct {
	path    string
	article ID
	asset   ID
	raw     ID
}

const fixtureAsset = "\x89PNG unique asset bytes for the fault-injection tests"

func newFixture(t *testing.T) fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "archive.db")
	s, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	asset := []byte(fixtureAsset)
	c := Capture{
		URL: "https://example.org/article/1", Source: "test",
		Fetch: Fetch{URL: "https://example.org/article/1", FetchedAt: time.Unix(1637382444, 0), Status: 200,
			Raw: bytes.Repeat([]byte("<html>raw page</html>"), 50)},
		Content:   Content{Title: "Title", BodyHTML: "<p>body</p>", BodyText: "body", Images: []string{"https://img/x.png"}},
		Assets:    []AssetData{{URL: "https://img/x.png", ContentType: "image/png", Data: asset}},
		AssetRefs: []AssetRef{{URL: "https://img/x.png", SHA: Hash(asset)}},
	}
	res, err := s.Put(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return fixture{path: path, article: res.Article, asset: Hash(asset), raw: Hash(c.Fetch.Raw)}
}

// mutate runs fn in a write transaction on the closed archive file.
func (f fixture) mutate(t *testing.T, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(f.path, 0o644, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// flip returns a copy of v with one bit flipped at index i (negative: from the end).
func flip(v []byte, i int) []byte {
	v = bytes.Clone(v)
	if i < 0 {
		i += len(v)
	}
	v[i] ^= 0x04
	return v
}

// reseal decodes the JSON record under key, lets edit change it and stores it
// again with a valid envelope: a consistent-looking but wrong record.
func reseal[T any](t *testing.T, tx *bolt.Tx, bucket, key []byte, edit func(*T)) {
	t.Helper()
	var rec T
	if err := openJSON(tx.Bucket(bucket).Get(key), &rec); err != nil {
		t.Fatal(err)
	}
	edit(&rec)
	v, err := sealJSON(&rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Bucket(bucket).Put(key, v); err != nil {
		t.Fatal(err)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// verifyFile opens path read-only, runs Verify and checks the file did not
// change.
func verifyFile(t *testing.T, path string) *Report {
	t.Helper()
	before := fileHash(t, path)
	s, err := Open(path, Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fileHash(t, path) != before {
		t.Fatal("Verify changed the archive file")
	}
	return rep
}

func TestVerifyClean(t *testing.T) {
	f := newFixture(t)
	rep := verifyFile(t, f.path)
	want := &Report{OK: true, Articles: 1, Snapshots: 1, Assets: 1, BytesChecked: rep.BytesChecked, Problems: []Problem{},
		Warnings: []Problem{}, Complete: true, Checked: rep.Checked, Total: rep.Checked, Mode: "full"}
	if !reflect.DeepEqual(rep, want) || rep.BytesChecked < 1050+int64(len(fixtureAsset)) {
		t.Fatalf("report = %+v, want %+v", rep, want)
	}
}

func TestVerifyFaults(t *testing.T) {
	tests := []struct {
		name string
		// physical damages the file bytes directly; logical uses bbolt.
		physical func(t *testing.T, f fixture, file []byte)
		logical  func(t *testing.T, f fixture, tx *bolt.Tx)
		kind     string
		key      func(f fixture) string
		// read, if set, must fail with ErrCorrupt after the damage.
		read func(s *Store, f fixture) error
	}{
		{
			name: "asset byte flipped in the file",
			physical: func(t *testing.T, f fixture, file []byte) {
				i := bytes.Index(file, []byte(fixtureAsset))
				if i < 0 || bytes.Index(file[i+1:], []byte(fixtureAsset)) >= 0 {
					t.Fatal("asset bytes not found exactly once in the file")
				}
				file[i+10] ^= 0x01
			},
			kind: ProblemAssetHashMismatch, key: func(f fixture) string { return f.asset.String() },
			read: func(s *Store, f fixture) error { _, _, err := s.Asset(f.asset); return err },
		},
		{
			name: "asset deleted",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				must(t, tx.Bucket(bucketAssets).Delete(f.asset[:]))
			},
			kind: ProblemMissingAsset, key: func(f fixture) string { return snapshotName(f.article, 1) },
		},
		{
			name: "asset meta deleted",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				must(t, tx.Bucket(bucketAssetMeta).Delete(f.asset[:]))
			},
			kind: ProblemMissingAssetMeta, key: func(f fixture) string { return f.asset.String() },
			read: func(s *Store, f fixture) error { _, _, err := s.Asset(f.asset); return err },
		},
		{
			name: "snapshot deleted",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				must(t, tx.Bucket(bucketSnapshots).Delete(snapshotKey(f.article, 1)))
			},
			kind: ProblemVersionCountMismatch, key: func(f fixture) string { return f.article.String() },
		},
		{
			name: "snapshot record bit flipped",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				b := tx.Bucket(bucketSnapshots)
				k := snapshotKey(f.article, 1)
				must(t, b.Put(k, flip(b.Get(k), -20)))
			},
			kind: ProblemRecordCorrupt, key: func(f fixture) string { return snapshotName(f.article, 1) },
			read: func(s *Store, f fixture) error { _, err := s.Snapshot(f.article, 0); return err },
		},
		{
			name: "snapshot content edited, envelope resealed",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				reseal(t, tx, bucketSnapshots, snapshotKey(f.article, 1), func(r *snapshotRecord) { r.Content.Title = "forged" })
			},
			kind: ProblemSnapshotHashMismatch, key: func(f fixture) string { return snapshotName(f.article, 1) },
			read: func(s *Store, f fixture) error { _, err := s.Snapshot(f.article, 1); return err },
		},
		{
			name: "article record undecodable",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				must(t, tx.Bucket(bucketArticles).Put(f.article[:], []byte("garbage")))
			},
			kind: ProblemUndecodableRecord, key: func(f fixture) string { return f.article.String() },
			read: func(s *Store, f fixture) error { _, err := s.Articles(context.Background()); return err },
		},
		{
			name: "article url edited, envelope resealed",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				reseal(t, tx, bucketArticles, f.article[:], func(r *articleRecord) { r.URL += "x" })
			},
			kind: ProblemArticleKeyMismatch, key: func(f fixture) string { return f.article.String() },
			read: func(s *Store, f fixture) error { _, err := s.Lookup(f.article.String()); return err },
		},
		{
			name: "article deleted",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				must(t, tx.Bucket(bucketArticles).Delete(f.article[:]))
			},
			kind: ProblemDanglingReference, key: func(f fixture) string { return snapshotName(f.article, 1) },
		},
		{
			name: "raw blob bit flipped",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				b := tx.Bucket(bucketRaw)
				must(t, b.Put(f.raw[:], flip(b.Get(f.raw[:]), -6)))
			},
			kind: ProblemRawHashMismatch, key: func(f fixture) string { return f.raw.String() },
			read: func(s *Store, f fixture) error { _, err := s.Raw(f.raw); return err },
		},
		{
			name: "raw blob replaced by other valid data",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				enc := sealedZstd(t, []byte("other page"))
				must(t, tx.Bucket(bucketRaw).Put(f.raw[:], enc))
			},
			kind: ProblemRawHashMismatch, key: func(f fixture) string { return f.raw.String() },
			read: func(s *Store, f fixture) error { _, err := s.Raw(f.raw); return err },
		},
		{
			name: "raw blob deleted",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				must(t, tx.Bucket(bucketRaw).Delete(f.raw[:]))
			},
			kind: ProblemMissingRaw, key: func(f fixture) string { return snapshotName(f.article, 1) },
		},
		{
			name: "snapshot referencing a missing asset added",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				snaps := tx.Bucket(bucketSnapshots)
				must(t, snaps.Put(snapshotKey(f.article, 2), snaps.Get(snapshotKey(f.article, 1))))
				reseal(t, tx, bucketSnapshots, snapshotKey(f.article, 2), func(r *snapshotRecord) {
					r.Version = 2
					r.Assets = append(r.Assets, AssetRef{URL: "https://img/gone.png", SHA: Hash([]byte("gone"))})
				})
				reseal(t, tx, bucketArticles, f.article[:], func(r *articleRecord) { r.Versions = 2 })
			},
			kind: ProblemMissingAsset, key: func(f fixture) string { return snapshotName(f.article, 2) },
		},
		{
			name: "snapshot stored under another version",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				snaps := tx.Bucket(bucketSnapshots)
				must(t, snaps.Put(snapshotKey(f.article, 2), snaps.Get(snapshotKey(f.article, 1))))
				reseal(t, tx, bucketArticles, f.article[:], func(r *articleRecord) { r.Versions = 2 })
			},
			kind: ProblemSnapshotKeyMismatch, key: func(f fixture) string { return snapshotName(f.article, 2) },
			read: func(s *Store, f fixture) error { _, err := s.Snapshot(f.article, 0); return err },
		},
		{
			name: "asset url mapping corrupt",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				b := tx.Bucket(bucketAssetURLs)
				k := []byte("https://img/x.png")
				must(t, b.Put(k, flip(b.Get(k), -1)))
			},
			kind: ProblemRecordCorrupt, key: func(f fixture) string { return `asset_urls/"https://img/x.png"` },
			read: func(s *Store, f fixture) error { _, _, err := s.AssetByURL("https://img/x.png"); return err },
		},
		{
			name: "format version unreadable",
			logical: func(t *testing.T, f fixture, tx *bolt.Tx) {
				must(t, tx.Bucket(bucketMeta).Put(keyFormatVersion, []byte("one")))
			},
			kind: ProblemUnknownFormatVersion, key: func(f fixture) string { return "meta/format_version" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.physical != nil {
				file, err := os.ReadFile(f.path)
				must(t, err)
				tt.physical(t, f, file)
				must(t, os.WriteFile(f.path, file, 0o644))
			}
			if tt.logical != nil {
				f.mutate(t, func(tx *bolt.Tx) error { tt.logical(t, f, tx); return nil })
			}
			rep := verifyFile(t, f.path)
			if rep.OK || len(rep.Problems) != 1 {
				t.Fatalf("problems = %+v, want exactly one %s", rep.Problems, tt.kind)
			}
			if p := rep.Problems[0]; p.Kind != tt.kind || p.Key != tt.key(f) || p.Detail == "" {
				t.Fatalf("problem = %+v, want kind %s key %s", p, tt.kind, tt.key(f))
			}
			if tt.read != nil {
				s, err := Open(f.path, Options{ReadOnly: true, Timeout: time.Second})
				must(t, err)
				defer s.Close()
				if err := tt.read(s, f); !errors.Is(err, ErrCorrupt) {
					t.Fatalf("read after damage: %v, want ErrCorrupt", err)
				}
			}
		})
	}
}

func sealedZstd(t *testing.T, b []byte) []byte {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "tmp.db"), Options{Timeout: time.Second})
	must(t, err)
	defer s.Close()
	return s.enc.EncodeAll(b, nil)
}

func TestOpenRefusesNewerFormat(t *testing.T) {
	f := newFixture(t)
	f.mutate(t, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyFormatVersion, []byte("2"))
	})
	for _, ro := range []bool{false, true} {
		if _, err := Open(f.path, Options{ReadOnly: ro, Timeout: time.Second}); err == nil {
			t.Errorf("Open(ReadOnly=%v) of a format 2 archive succeeded", ro)
		}
	}
}

func TestOpenRefusesForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(path, 0o644, nil)
	must(t, err)
	must(t, db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err }))
	must(t, db.Close())
	if _, err := Open(path, Options{Timeout: time.Second}); err == nil {
		t.Error("Open for writing of a foreign bbolt file succeeded")
	}
	rep := verifyFile(t, path)
	if rep.OK || rep.Problems[0].Kind != ProblemUnknownFormatVersion {
		t.Errorf("report = %+v", rep)
	}
}

func TestVerifyCancelled(t *testing.T) {
	f := newFixture(t)
	s, err := Open(f.path, Options{ReadOnly: true, Timeout: time.Second})
	must(t, err)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Verify(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify error = %v, want context.Canceled", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
