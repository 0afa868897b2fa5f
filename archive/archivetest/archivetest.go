// Package archivetest provides archives for tests that are checked with
// archive.Verify when the test ends.
package archivetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chronicle-archive/chronicle/archive"
)

// New opens a fresh archive in tb.TempDir(). When the test ends it closes
// the store, reopens the file read-only and fails the test if Verify finds
// any problem, so every test using it also proves it left the archive intact.
func New(tb testing.TB) *archive.Store {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "archive.db")
	s, err := archive.Open(path, archive.Options{Timeout: 5 * time.Second})
	if err != nil {
		tb.Fatalf("archivetest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("archivetest: %v", err)
			return
		}
		MustVerify(tb, path)
	})
	return s
}

// MustVerify checks the archive at path with archive.VerifyFile and fails
// the test if it reports any problem.
func MustVerify(tb testing.TB, path string) {
	tb.Helper()
	rep, err := archive.VerifyFile(context.Background(), path, archive.Options{Timeout: 5 * time.Second})
	if err != nil {
		tb.Errorf("archivetest: verify: %v", err)
		return
	}
	for _, p := range rep.Problems {
		tb.Errorf("archivetest: verify %s: %s %s: %s", path, p.Kind, p.Key, p.Detail)
	}
}
