package export

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/chronicle-archive/chronicle/archive"
)

// fakeReader is an in-memory Reader.
type fakeReader struct {
	mu        sync.Mutex
	infos     []archive.ArticleInfo
	snaps     map[archive.ID][]*archive.Snapshot // version v at index v-1
	assets    map[archive.ID]fakeAsset
	snapErr   map[archive.ID]error
	assetErr  map[archive.ID]error
	assetHits int
}

type fakeAsset struct {
	data []byte
	info archive.AssetInfo
}

var _ Reader = (*fakeReader)(nil)

func newFake() *fakeReader {
	return &fakeReader{
		snaps:    map[archive.ID][]*archive.Snapshot{},
		assets:   map[archive.ID]fakeAsset{},
		snapErr:  map[archive.ID]error{},
		assetErr: map[archive.ID]error{},
	}
}

func (f *fakeReader) Articles(ctx context.Context) ([]archive.ArticleInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]archive.ArticleInfo(nil), f.infos...), nil
}

func (f *fakeReader) Snapshot(id archive.ID, version int) (*archive.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.snapErr[id]; err != nil {
		return nil, err
	}
	vs := f.snaps[id]
	if version == 0 {
		version = len(vs)
	}
	if version < 1 || version > len(vs) {
		return nil, fmt.Errorf("snapshot %s/%d: %w", id, version, archive.ErrNotFound)
	}
	s := *vs[version-1]
	return &s, nil
}

func (f *fakeReader) Asset(sha archive.ID) ([]byte, archive.AssetInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.assetHits++
	if err := f.assetErr[sha]; err != nil {
		return nil, archive.AssetInfo{}, err
	}
	a, ok := f.assets[sha]
	if !ok {
		return nil, archive.AssetInfo{}, fmt.Errorf("asset %s: %w", sha, archive.ErrNotFound)
	}
	return append([]byte(nil), a.data...), a.info, nil
}

// addAsset stores data and returns its reference for url.
func (f *fakeReader) addAsset(url, contentType string, data []byte) archive.AssetRef {
	sha := archive.Hash(data)
	f.assets[sha] = fakeAsset{data: data, info: archive.AssetInfo{SHA: sha, URL: url, ContentType: contentType, Size: int64(len(data))}}
	return archive.AssetRef{URL: url, SHA: sha}
}

// put adds a version of the article at url and returns its ID.
func (f *fakeReader) put(url, source string, seen time.Time, c archive.Content, refs ...archive.AssetRef) archive.ID {
	id := archive.Hash([]byte(url))
	vs := f.snaps[id]
	snap := &archive.Snapshot{
		Article: id, Version: len(vs) + 1, Source: source, URL: url,
		FetchedAt: seen, Status: 200, Content: c, Assets: refs,
	}
	f.snaps[id] = append(vs, snap)
	for i := range f.infos {
		if f.infos[i].ID == id {
			f.infos[i].Versions = snap.Version
			f.infos[i].Title = c.Title
			f.infos[i].LastSeen = seen
			return id
		}
	}
	f.infos = append(f.infos, archive.ArticleInfo{
		ID: id, URL: url, Source: source, Title: c.Title, Versions: 1, FirstSeen: seen, LastSeen: seen,
	})
	return id
}
