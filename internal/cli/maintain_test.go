package cli

import (
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
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
