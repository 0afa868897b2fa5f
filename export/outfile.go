package export

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// writeFileIfChanged streams fill's output to out/name through a temporary
// file and renames it into place only when the bytes differ from the file
// already there, so an unchanged export keeps the file's mtime. It reports
// whether it replaced the file.
func writeFileIfChanged(out, name string, fill func(w io.Writer) error) (changed bool, err error) {
	p, err := safeJoin(out, name)
	if err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return false, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".chronicle-*.tmp")
	if err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	tmp := f.Name()
	defer func() {
		_ = f.Close()
		_ = os.Remove(tmp) // a no-op once renamed
	}()
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<16)
	if err := fill(bw); err != nil {
		return false, err
	}
	if err := bw.Flush(); err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	if old, ok := fileHash(out, name); ok && bytes.Equal(old[:], h.Sum(nil)) {
		return false, nil
	}
	if err := f.Sync(); err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	return true, nil
}

// imageMode checks an images setting: remote (also ""), local, or a
// template containing {url}.
func imageMode(mode string) (string, error) {
	switch {
	case mode == "":
		return ImagesRemote, nil
	case mode == ImagesRemote, mode == ImagesLocal, strings.Contains(mode, "{url}"):
		return mode, nil
	default:
		return "", fmt.Errorf("images %q: want remote, local or a template containing {url}", mode)
	}
}
