//go:build unix

package archive

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockRetry is how often lockFile tries again while another writer holds
// the lock.
const lockRetry = 50 * time.Millisecond

// lockFile creates (if missing) and exclusively flocks the file at path,
// trying again until timeout (zero: indefinitely; negative: once) and then
// failing with an error wrapping ErrLocked. The lock is released when the
// returned file is closed or the process ends, however it ends. The file is
// never removed: removing a lock file races with a process about to lock it.
func lockFile(path string, timeout time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("writer lock: %w", err)
	}
	start := time.Now()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("writer lock %s: %w", path, err)
		}
		if timeout < 0 || (timeout > 0 && time.Since(start)+lockRetry > timeout) {
			_ = f.Close()
			wait := timeout
			if wait < 0 {
				wait = 0
			}
			return nil, fmt.Errorf("%w (waited %s for %s)", ErrLocked, wait, path)
		}
		time.Sleep(lockRetry)
	}
}
