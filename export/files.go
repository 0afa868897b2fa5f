package export

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// imagesDir is the directory under Out that local image mode copies assets to.
const imagesDir = "images"

// safeJoin joins out and the slash-separated relative name, refusing any name
// whose result would not lie inside out.
func safeJoin(out, name string) (string, error) {
	for _, el := range strings.Split(name, "/") {
		if !plainElement(el) {
			return "", fmt.Errorf("unsafe file name %q", name)
		}
	}
	p := filepath.Join(out, filepath.FromSlash(name))
	rel, err := filepath.Rel(out, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("file name %q escapes %s", name, out)
	}
	return p, nil
}

// writeAtomic writes data to out/name through a temporary file in the same
// directory and a rename, so readers never see a partly written file.
func writeAtomic(out, name string, data []byte) error {
	p, err := safeJoin(out, name)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	f, err := os.CreateTemp(dir, ".chronicle-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	ok = true
	return nil
}

// sameContent reports whether out/name exists and holds exactly data.
func sameContent(out, name string, data []byte) (exists, same bool, err error) {
	p, err := safeJoin(out, name)
	if err != nil {
		return false, false, err
	}
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("stat %s: %w", p, err)
	}
	if !st.Mode().IsRegular() || st.Size() != int64(len(data)) {
		return true, false, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return true, false, fmt.Errorf("read %s: %w", p, err)
	}
	return true, bytes.Equal(b, data), nil
}

// fileHash returns the SHA-256 of out/name, or ok false when it is not a
// regular file.
func fileHash(out, name string) (sum [32]byte, ok bool) {
	p, err := safeJoin(out, name)
	if err != nil {
		return sum, false
	}
	f, err := os.Open(p)
	if err != nil {
		return sum, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return sum, false
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, false
	}
	copy(sum[:], h.Sum(nil))
	return sum, true
}

// regularSize returns the size of out/name, or -1 when it is not a regular file.
func regularSize(out, name string) int64 {
	p, err := safeJoin(out, name)
	if err != nil {
		return -1
	}
	st, err := os.Lstat(p)
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	return st.Size()
}

// extensions maps media types to the file extension an asset is saved with.
var extensions = map[string]string{
	"image/jpeg":               ".jpg",
	"image/jpg":                ".jpg",
	"image/pjpeg":              ".jpg",
	"image/png":                ".png",
	"image/gif":                ".gif",
	"image/webp":               ".webp",
	"image/avif":               ".avif",
	"image/svg+xml":            ".svg",
	"image/bmp":                ".bmp",
	"image/x-icon":             ".ico",
	"image/vnd.microsoft.icon": ".ico",
	"image/tiff":               ".tif",
	"image/heic":               ".heic",
	"video/mp4":                ".mp4",
	"video/webm":               ".webm",
	"video/ogg":                ".ogv",
	"audio/mpeg":               ".mp3",
}

// assetExt picks the extension for an asset from its content type, else
// from sniffing its bytes, else ".bin".
func assetExt(contentType string, data []byte) string {
	for _, ct := range []string{contentType, http.DetectContentType(data)} {
		mt := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
		if ext, ok := extensions[mt]; ok {
			return ext
		}
	}
	return ".bin"
}
