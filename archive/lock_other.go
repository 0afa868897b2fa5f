//go:build !unix

package archive

import (
	"fmt"
	"os"
	"time"
)

// lockFile creates the lock file at path. Without flock(2) it cannot keep
// a second writer out; bbolt's own lock still serialises transactions.
func lockFile(path string, _ time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("writer lock: %w", err)
	}
	return f, nil
}
