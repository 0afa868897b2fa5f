package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// manifestName is the file in Out that records what earlier exports wrote.
const manifestName = ".chronicle-export.json"

const manifestVersion = 1

// manifest maps every exported article version to its file name and the
// SHA-256 of the bytes written, and every copied asset to its file name.
type manifest struct {
	Format   string                      `json:"format"`
	Version  int                         `json:"version"`
	Articles map[string]*manifestArticle `json:"articles"` // key: article ID (hex)
	Assets   map[string]manifestAsset    `json:"assets"`   // key: asset SHA-256 (hex)
}

type manifestArticle struct {
	// Stem is the file-name stem chosen when the article was first exported;
	// it never changes afterwards, whatever happens to the title.
	Stem string `json:"stem"`
	// Files is keyed by "latest" or "v1", "v2", ...
	Files map[string]manifestFile `json:"files"`
}

type manifestFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
}

type manifestAsset struct {
	Name string `json:"name"` // relative to Out, slash-separated
	Size int64  `json:"size"`
}

// safePath reports whether name is a relative, slash-separated path of safe
// elements.
func safePath(name string) bool {
	for _, el := range strings.Split(name, "/") {
		if !safeElement(el) {
			return false
		}
	}
	return true
}

func loadManifest(out, format string) (*manifest, error) {
	p := filepath.Join(out, manifestName)
	m := &manifest{Format: format, Version: manifestVersion}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		m.Articles = map[string]*manifestArticle{}
		m.Assets = map[string]manifestAsset{}
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read export manifest: %w", err)
	}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("read export manifest %s: %w (move it away to export afresh)", p, err)
	}
	if m.Format != format || m.Version != manifestVersion {
		return nil, fmt.Errorf("read export manifest %s: format %q version %d, want %s version %d", p, m.Format, m.Version, format, manifestVersion)
	}
	if m.Articles == nil {
		m.Articles = map[string]*manifestArticle{}
	}
	if m.Assets == nil {
		m.Assets = map[string]manifestAsset{}
	}
	for id, a := range m.Articles {
		if a == nil || !safeElement(a.Stem+".md") {
			return nil, fmt.Errorf("read export manifest %s: article %s: bad stem", p, id)
		}
		if a.Files == nil {
			a.Files = map[string]manifestFile{}
		}
		for k, f := range a.Files {
			if !safePath(f.Name) {
				return nil, fmt.Errorf("read export manifest %s: article %s %s: bad file name %q", p, id, k, f.Name)
			}
		}
	}
	return m, nil
}

func (m *manifest) save(out string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode export manifest: %w", err)
	}
	if err := writeAtomic(out, manifestName, append(b, '\n')); err != nil {
		return fmt.Errorf("write export manifest: %w", err)
	}
	return nil
}

// versionSuffix matches the suffix that names a version file (-v2, -v3, ...).
var versionSuffix = regexp.MustCompile(`-v[0-9]+$`)

// namer hands out file-name stems that can never produce the same file name
// for two articles: neither equal stems nor a stem that equals another's
// version file name ("x" and "x-v2").
type namer struct {
	stems    map[string]bool // every stem in use
	stripped map[string]bool // stems with a version suffix removed
}

func newNamer(m *manifest) *namer {
	n := &namer{stems: map[string]bool{}, stripped: map[string]bool{}}
	for _, a := range m.Articles {
		n.add(a.Stem)
	}
	return n
}

func (n *namer) add(stem string) {
	n.stems[stem] = true
	if s := versionSuffix.ReplaceAllString(stem, ""); s != stem {
		n.stripped[s] = true
	}
}

// free reports whether stem may be given to a new article.
func (n *namer) free(stem string) bool {
	if stem == "" || strings.EqualFold(stem, imagesDir) || !safeElement(stem+".md") {
		return false
	}
	if n.stems[stem] || n.stripped[stem] {
		return false
	}
	if s := versionSuffix.ReplaceAllString(stem, ""); s != stem && n.stems[s] {
		return false
	}
	return true
}
