package cli

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/chronicle-archive/chronicle/archive"
)

func TestBackupCompactRepair(t *testing.T) {
	e := newEnv(t)
	e.crawl()
	dest := filepath.Join(e.dir, "copy.db")
	if out := e.must("backup", dest); !strings.Contains(out, "no problems found") {
		t.Errorf("backup: %s", out)
	}
	if code, _, errs := e.run("backup", dest); code != ExitUsage {
		t.Errorf("backup over an existing copy: exit %d, %s", code, errs)
	}
	e.must("backup", dest, "--force")
	if out := e.must("compact"); !strings.Contains(out, "->") {
		t.Errorf("compact: %s", out)
	}
	if code, rep := e.verifyReport(); code != 0 || !rep.OK {
		t.Fatalf("after compact: exit %d %+v", code, rep)
	}
	// A lost asset is downloaded again; the text report said how to.
	var key string
	e.mutate(func(tx *bolt.Tx) error {
		k := firstKey(tx, "assets")
		key = hex.EncodeToString(k)
		return tx.Bucket([]byte("assets")).Delete(k)
	})
	if code, out, _ := e.run("verify"); code != ExitFailure || !strings.Contains(out, "chronicle verify --repair") {
		t.Errorf("verify of a lost asset: exit %d, %s", code, out)
	}
	out := e.must("verify", "--repair")
	if !strings.Contains(out, "repaired missing_asset") || !strings.Contains(out, "0 lost") {
		t.Errorf("repair: %s", out)
	}
	if code, rep := e.verifyReport(); code != 0 || !rep.OK {
		t.Errorf("after repair of %s: exit %d %+v", key, code, rep)
	}
}

func TestVerifyTiers(t *testing.T) {
	e := newEnv(t)
	e.crawl()
	var key string
	e.mutate(func(tx *bolt.Tx) error { // one rotten image
		b := tx.Bucket([]byte("assets"))
		k := firstKey(tx, "assets")
		key = hex.EncodeToString(k)
		v := append([]byte(nil), b.Get(k)...)
		v[len(v)/2] ^= 0x01
		return b.Put(k, v)
	})
	report := func(args ...string) (int, archive.Report) {
		t.Helper()
		code, out, errs := e.run(append([]string{"verify", "--json"}, args...)...)
		var rep archive.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("verify %v: exit %d, %v\n%s\n%s", args, code, err, out, errs)
		}
		return code, rep
	}

	// --fast checks structure and references, not bytes: the rotten image
	// is still there, so it passes.
	if code, rep := report("--fast"); code != 0 || !rep.OK || rep.Mode != "fast" {
		t.Errorf("--fast: exit %d %+v", code, rep)
	}
	code, full := report()
	if code != ExitFailure || full.OK || !full.Complete || full.Checked != full.Total {
		t.Fatalf("full verify: exit %d %+v", code, full)
	}

	// Three slices check everything between them, and exactly one finds the rot.
	var checked, total int64
	found := 0
	for i := 1; i <= 3; i++ {
		code, rep := report("--subset", fmt.Sprintf("%d/3", i))
		checked += rep.Checked
		total += rep.Total
		for _, p := range rep.Problems {
			if p.Kind == archive.ProblemAssetHashMismatch && strings.HasPrefix(p.Key, key) {
				found++
				if code != ExitFailure {
					t.Errorf("subset %d/3 found the rot but exited %d", i, code)
				}
			}
		}
	}
	if found != 1 || checked != full.Checked || total != full.Total {
		t.Errorf("subsets: rot found %d times, checked %d of %d; full verify checked %d of %d", found, checked, total, full.Checked, full.Total)
	}
	for _, bad := range []string{"0/3", "4/3", "x", "1/0"} {
		if code, _, _ := e.run("verify", "--subset", bad); code != ExitUsage {
			t.Errorf("--subset %s: exit %d, want 2", bad, code)
		}
	}

	// --max-duration stops cleanly and says how far it got.
	if _, rep := report("--max-duration", "1ns"); rep.Complete || rep.Checked >= rep.Total {
		t.Errorf("--max-duration 1ns: %+v, want an incomplete report", rep)
	}
}

func TestBackupOfADamagedArchiveWritesNothing(t *testing.T) {
	e := newEnv(t)
	e.crawl()
	dest := filepath.Join(e.dir, "good.db")
	e.must("backup", dest)
	good, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	e.mutate(func(tx *bolt.Tx) error { // rot one image
		b := tx.Bucket([]byte("assets"))
		k := firstKey(tx, "assets")
		v := append([]byte(nil), b.Get(k)...)
		v[0] ^= 0xff
		return b.Put(k, v)
	})
	code, _, errs := e.run("backup", dest, "--force")
	if code != ExitFailure || !strings.Contains(errs, "was not written") {
		t.Errorf("backup of a damaged archive: exit %d, stderr %q", code, errs)
	}
	after, err := os.ReadFile(dest)
	if err != nil || !bytes.Equal(after, good) {
		t.Errorf("the older good backup was replaced or removed (%v)", err)
	}
	if _, err := os.Stat(dest + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("the damaged copy was left behind: %v", err)
	}
}
