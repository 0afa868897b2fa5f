package cli

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/chronicle-archive/chronicle/archive"
)

// verifyReport runs verify --json and decodes its report.
func (e *env) verifyReport() (int, archive.Report) {
	e.t.Helper()
	code, out, errs := e.run("verify", "--json")
	var rep archive.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		e.t.Fatalf("verify --json (exit %d): %v\nstdout: %s\nstderr: %s", code, err, out, errs)
	}
	return code, rep
}

// mutate opens the archive file directly, as damage from outside would
// reach it, and applies fn in one transaction.
func (e *env) mutate(fn func(tx *bolt.Tx) error) {
	e.t.Helper()
	db, err := bolt.Open(e.archive, 0o600, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		e.t.Fatal(err)
	}
}

// firstKey returns the first key of a bucket.
func firstKey(tx *bolt.Tx, bucket string) []byte {
	k, _ := tx.Bucket([]byte(bucket)).Cursor().First()
	return append([]byte(nil), k...)
}

func TestVerifyReportsEachFault(t *testing.T) {
	cases := []struct {
		name   string
		inject func(tx *bolt.Tx) (key string, err error)
		kind   string
	}{
		{"flipped byte in an asset", func(tx *bolt.Tx) (string, error) {
			b := tx.Bucket([]byte("assets"))
			k := firstKey(tx, "assets")
			v := append([]byte(nil), b.Get(k)...)
			v[len(v)/2] ^= 0x01
			return hex.EncodeToString(k), b.Put(k, v)
		}, "asset_hash_mismatch"},
		{"deleted asset", func(tx *bolt.Tx) (string, error) {
			k := firstKey(tx, "assets")
			return hex.EncodeToString(k), tx.Bucket([]byte("assets")).Delete(k)
		}, "missing_asset"},
		{"snapshot whose article is gone", func(tx *bolt.Tx) (string, error) {
			k := firstKey(tx, "articles")
			return hex.EncodeToString(k), tx.Bucket([]byte("articles")).Delete(k)
		}, "dangling_reference"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.crawl()
			if code, rep := e.verifyReport(); code != 0 || !rep.OK || len(rep.Problems) != 0 {
				t.Fatalf("fresh archive: exit %d, report %+v", code, rep)
			}
			var key string
			e.mutate(func(tx *bolt.Tx) error {
				var err error
				key, err = tc.inject(tx)
				return err
			})
			code, rep := e.verifyReport()
			if code != ExitFailure || rep.OK {
				t.Fatalf("after %s: exit %d ok=%v, want exit 1 ok=false", tc.name, code, rep.OK)
			}
			found := false
			for _, p := range rep.Problems {
				if p.Kind == tc.kind && (strings.HasPrefix(p.Key, key) || strings.Contains(p.Detail, key)) {
					found = true
				}
			}
			if !found {
				t.Errorf("after %s: problems %+v, want kind %s naming key %s", tc.name, rep.Problems, tc.kind, key)
			}
			// The text report names the problem too, and still exits 1.
			code, out, _ := e.run("verify")
			if code != ExitFailure || !strings.Contains(out, tc.kind) {
				t.Errorf("verify (text): exit %d, output %q", code, out)
			}
		})
	}
}

func TestExportRefusesRottenAsset(t *testing.T) {
	e := newEnv(t)
	e.crawl()
	e.mutate(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("assets"))
		return b.ForEach(func(k, v []byte) error {
			w := append([]byte(nil), v...)
			w[0] ^= 0xff
			return b.Put(append([]byte(nil), k...), w)
		})
	})
	code, _, errs := e.run("export", "--format", "hexo")
	if code != ExitFailure || !strings.Contains(errs, "corrupt") {
		t.Errorf("export of rotten images in local mode: exit %d, stderr %q; want exit 1 naming the corruption", code, errs)
	}
}

func TestExitCodes(t *testing.T) {
	e := newEnv(t)
	good, err := os.ReadFile(e.cfg)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"frobnicate"},
			{"crawl", "--no-such-flag"},
			{"export"},
			{"export", "--format", "pdf"},
			{"export", "--format", "hexo", "--since", "yesterday"},
			{"show"},
			{"show", "ab"},
			{"list", "--source", "nope"},
			{"crawl", "--source", "nope"},
			{"--log-level", "loud", "list"},
		} {
			if code, _, errs := e.run(args...); code != ExitUsage {
				t.Errorf("chronicle %s: exit %d, want 2 (stderr %q)", strings.Join(args, " "), code, errs)
			}
		}
	})

	t.Run("config error names file, line and key", func(t *testing.T) {
		e.writeConfig(strings.Replace(string(good), "respect_robots: true", "respect_robots: true\nconcurency: 3", 1))
		defer e.writeConfig(string(good))
		code, _, errs := e.run("crawl")
		if code != ExitUsage || !strings.Contains(errs, e.cfg+":7: concurency:") {
			t.Errorf("unknown key: exit %d, stderr %q", code, errs)
		}
	})

	t.Run("locked archive exits 75 and changes nothing", func(t *testing.T) {
		e.crawl()
		before, _ := os.ReadFile(e.archive)
		e.writeConfig(strings.Replace(string(good), "lock_timeout: 5s", "lock_timeout: 100ms", 1))
		defer e.writeConfig(string(good))
		st, err := archive.Open(e.archive, archive.Options{Timeout: -1})
		if err != nil {
			t.Fatal(err)
		}
		code, out, errs := e.run("crawl")
		st.Close()
		if code != ExitLocked || out != "" || !strings.Contains(errs, "in use by another chronicle") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("crawl of a locked archive: exit %d, stdout %q, stderr %q; want 75 and one line", code, out, errs)
		}
		after, _ := os.ReadFile(e.archive)
		if string(before) != string(after) {
			t.Errorf("the locked archive changed")
		}
	})

	t.Run("not found", func(t *testing.T) {
		if code, _, _ := e.run("show", "ffffffffffff"); code != ExitFailure {
			t.Errorf("show of an unknown ID: exit %d, want 1", code)
		}
	})
}

func TestVerifyReportsDamagedFiles(t *testing.T) {
	cases := []struct {
		name   string
		damage func(b []byte) []byte
		kind   string
	}{
		{"empty file", func(b []byte) []byte { return nil }, archive.ProblemNotAnArchive},
		{"not an archive", func(b []byte) []byte { return []byte(strings.Repeat("<html>not bbolt</html>", 400)) }, archive.ProblemNotAnArchive},
		{"truncated to two pages", func(b []byte) []byte { return b[:8192] }, archive.ProblemTruncated},
		{"root page header overwritten", func(b []byte) []byte {
			c := append([]byte(nil), b...)
			root := rootPage(c)
			copy(c[root*4096:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			return c
		}, "bbolt_page"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.crawl()
			b, err := os.ReadFile(e.archive)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(e.archive, tc.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
			code, rep := e.verifyReport()
			if code != ExitFailure || rep.OK {
				t.Fatalf("verify of a damaged file: exit %d ok=%v", code, rep.OK)
			}
			found := false
			for _, p := range rep.Problems {
				found = found || p.Kind == tc.kind
			}
			if !found {
				t.Errorf("problems %+v, want one of kind %s", rep.Problems, tc.kind)
			}
			// Other commands refuse the damaged file with an error, not a crash.
			if code, _, errs := e.run("list"); code == 0 || !strings.Contains(errs, "verify") {
				t.Errorf("list of a damaged archive: exit %d, stderr %q", code, errs)
			}
		})
	}
}

// rootPage returns the root bucket's page of a bbolt file with 4 KiB pages:
// from the meta page (0 or 1) with the higher transaction id.
func rootPage(b []byte) uint64 {
	var root, txid uint64
	for _, off := range []int{0, 4096} {
		m := b[off+16:]
		if t := binary.LittleEndian.Uint64(m[48:]); t >= txid {
			txid, root = t, binary.LittleEndian.Uint64(m[16:])
		}
	}
	return root
}
