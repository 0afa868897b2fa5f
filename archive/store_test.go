package archive_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chronicle-archive/chronicle/archive"
	"github.com/chronicle-archive/chronicle/archive/archivetest"
)

var t0 = time.Date(2021, 11, 20, 4, 27, 24, 0, time.UTC)

// capture builds a Capture of url with the given title and body and one image
// per asset (all of them newly downloaded).
func capture(url, title, body string, at time.Time, assets ...string) archive.Capture {
	c := archive.Capture{
		URL:    url,
		Source: "zaker",
		Fetch: archive.Fetch{
			URL: url, FetchedAt: at, Status: 200,
			Header: map[string][]string{"Content-Type": {"text/html"}, "etag": {`"v1"`}, "Last-Modified": {"Sat, 20 Nov 2021 04:27:24 GMT"}},
			Raw:    []byte("<html><h1>" + title + "</h1>" + body + "<!-- " + at.String() + " --></html>"),
		},
		Content: archive.Content{
			Title: title, Author: "ZAKER", Published: t0.In(time.FixedZone("CST", 8*3600)),
			Categories: []string{"新媒体", "ZAKER"}, BodyHTML: "<p>" + body + "</p>", BodyText: body,
		},
	}
	for i, a := range assets {
		u := fmt.Sprintf("https://img.example.org/%d.jpg", i)
		c.Assets = append(c.Assets, archive.AssetData{URL: u, ContentType: "image/jpeg", Data: []byte(a)})
		c.AssetRefs = append(c.AssetRefs, archive.AssetRef{URL: u, SHA: archive.Hash([]byte(a))})
		c.Content.Images = append(c.Content.Images, u)
	}
	if len(c.Content.Images) > 0 {
		c.Content.LeadImage = c.Content.Images[0]
	}
	return c
}

func mustPut(t *testing.T, s *archive.Store, c archive.Capture) archive.PutResult {
	t.Helper()
	res, err := s.Put(context.Background(), c)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return res
}

func TestPutSnapshotRoundTrip(t *testing.T) {
	s := archivetest.New(t)
	c := capture("https://example.org/a/1", "标题", "正文", t0, "jpeg-bytes-1")
	res := mustPut(t, s, c)
	want := archive.PutResult{Article: archive.Hash([]byte(c.URL)), Version: 1, NewArticle: true, Changed: true, AssetsNew: 1, AssetsBytes: 12}
	if res != want {
		t.Fatalf("PutResult = %+v, want %+v", res, want)
	}

	snap, err := s.Snapshot(res.Article, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantContent := c.Content
	wantContent.Published = t0
	if !reflect.DeepEqual(snap.Content, wantContent) {
		t.Errorf("content = %+v\nwant %+v", snap.Content, wantContent)
	}
	if snap.Version != 1 || snap.URL != c.URL || snap.Source != "zaker" || snap.Status != 200 || !snap.FetchedAt.Equal(t0) {
		t.Errorf("snapshot metadata = %+v", snap)
	}
	if snap.ETag != `"v1"` || snap.LastModified != "Sat, 20 Nov 2021 04:27:24 GMT" {
		t.Errorf("validators = %q, %q", snap.ETag, snap.LastModified)
	}
	if !reflect.DeepEqual(snap.Assets, c.AssetRefs) {
		t.Errorf("assets = %v, want %v", snap.Assets, c.AssetRefs)
	}
	if snap.RawSHA != archive.Hash(c.Fetch.Raw) || snap.RawSize != int64(len(c.Fetch.Raw)) {
		t.Errorf("raw = %s/%d", snap.RawSHA, snap.RawSize)
	}
	raw, err := s.Raw(snap.RawSHA)
	if err != nil || string(raw) != string(c.Fetch.Raw) {
		t.Errorf("Raw = %q, %v", raw, err)
	}
	data, info, err := s.Asset(c.AssetRefs[0].SHA)
	if err != nil || string(data) != "jpeg-bytes-1" {
		t.Fatalf("Asset = %q, %v", data, err)
	}
	if info != (archive.AssetInfo{SHA: c.AssetRefs[0].SHA, URL: c.Assets[0].URL, ContentType: "image/jpeg", Size: 12}) {
		t.Errorf("AssetInfo = %+v", info)
	}
	if same, err := s.Snapshot(res.Article, 1); err != nil || !reflect.DeepEqual(same, snap) {
		t.Errorf("Snapshot(1) = %+v, %v; want the latest", same, err)
	}
}

func TestPutUnchanged(t *testing.T) {
	s := archivetest.New(t)
	c := capture("https://example.org/a/1", "title", "body", t0, "img")
	first := mustPut(t, s, c)

	// Same content, different raw page (a counter changed), later, and the
	// derived BodyText differs: not a new version.
	again := capture("https://example.org/a/1", "title", "body", t0.Add(time.Hour), "img")
	again.Content.BodyText = "body, re-derived"
	again.Assets = nil // already stored
	res := mustPut(t, s, again)
	if res.Changed || res.NewArticle || res.Version != 1 || res.Article != first.Article || res.AssetsNew != 0 {
		t.Fatalf("re-put result = %+v", res)
	}
	info, err := s.Lookup(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	if info.Versions != 1 || !info.FirstSeen.Equal(t0) || !info.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("article = %+v, want 1 version seen %v..%v", info, t0, t0.Add(time.Hour))
	}
	// An older sighting does not move LastSeen back.
	mustPut(t, s, capture("https://example.org/a/1", "title", "body", t0.Add(-time.Hour), "img"))
	if info, _ := s.Lookup(c.URL); !info.LastSeen.Equal(t0.Add(time.Hour)) {
		t.Errorf("LastSeen moved back to %v", info.LastSeen)
	}
	// The raw page of the unchanged crawl is not kept: no snapshot refers to it.
	if _, err := s.Raw(archive.Hash(again.Fetch.Raw)); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("raw of unchanged crawl: %v, want ErrNotFound", err)
	}
}

func TestPutChanged(t *testing.T) {
	s := archivetest.New(t)
	v1 := capture("https://example.org/a/1", "title", "body", t0, "img")
	mustPut(t, s, v1)
	v2 := capture("https://example.org/a/1", "title (updated)", "body", t0.Add(time.Hour), "img")
	v2.Assets = nil
	res := mustPut(t, s, v2)
	if !res.Changed || res.NewArticle || res.Version != 2 {
		t.Fatalf("changed put = %+v", res)
	}
	old, err := s.Snapshot(res.Article, 1)
	if err != nil || old.Content.Title != "title" {
		t.Fatalf("version 1 = %+v, %v", old, err)
	}
	latest, err := s.Snapshot(res.Article, 0)
	if err != nil || latest.Version != 2 || latest.Content.Title != "title (updated)" {
		t.Fatalf("latest = %+v, %v", latest, err)
	}
	if _, err := s.Snapshot(res.Article, 3); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("Snapshot(3) error = %v, want ErrNotFound", err)
	}
	list, err := s.Articles(context.Background())
	if err != nil || len(list) != 1 || list[0].Versions != 2 || list[0].Title != "title (updated)" {
		t.Fatalf("Articles = %+v, %v", list, err)
	}
}

func TestAssetDedupe(t *testing.T) {
	s := archivetest.New(t)
	a := mustPut(t, s, capture("https://example.org/a/1", "one", "body", t0, "shared", "only-one"))
	b := mustPut(t, s, capture("https://example.org/a/2", "two", "body", t0, "shared"))
	if a.AssetsNew != 2 || b.AssetsNew != 0 || b.AssetsBytes != 0 {
		t.Errorf("AssetsNew = %d, %d; want 2, 0", a.AssetsNew, b.AssetsNew)
	}
	rep, err := s.Verify(context.Background())
	if err != nil || !rep.OK || rep.Assets != 2 || rep.Articles != 2 || rep.Snapshots != 2 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
	sha, ok, err := s.AssetByURL("https://img.example.org/0.jpg")
	if err != nil || !ok || sha != archive.Hash([]byte("shared")) {
		t.Errorf("AssetByURL = %s, %v, %v", sha, ok, err)
	}
	if _, ok, err := s.AssetByURL("https://img.example.org/none.jpg"); ok || err != nil {
		t.Errorf("AssetByURL(unknown) = %v, %v", ok, err)
	}
}

func TestPutUnresolvedAssetRef(t *testing.T) {
	s := archivetest.New(t)
	c := capture("https://example.org/a/1", "title", "body", t0, "img")
	c.AssetRefs = append(c.AssetRefs, archive.AssetRef{URL: "https://img.example.org/x.jpg", SHA: archive.Hash([]byte("never stored"))})
	if _, err := s.Put(context.Background(), c); !errors.Is(err, archive.ErrNotFound) {
		t.Fatalf("Put error = %v, want ErrNotFound", err)
	}
	if list, _ := s.Articles(context.Background()); len(list) != 0 {
		t.Errorf("failed Put wrote %v", list)
	}
	if _, ok, _ := s.AssetByURL(c.Assets[0].URL); ok {
		t.Error("failed Put stored an asset")
	}
	// A ref to an asset stored earlier resolves without the bytes.
	mustPut(t, s, capture("https://example.org/a/2", "t", "b", t0, "img"))
	c = capture("https://example.org/a/3", "t", "b", t0, "img")
	c.Assets = nil
	mustPut(t, s, c)
}

func TestPutCancelled(t *testing.T) {
	s := archivetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, capture("https://example.org/a/1", "t", "b", t0)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put error = %v, want context.Canceled", err)
	}
	if _, err := s.Put(context.Background(), archive.Capture{}); err == nil {
		t.Error("Put without url succeeded")
	}
}

func TestInvalidUTF8Survives(t *testing.T) {
	s := archivetest.New(t)
	c := capture("https://example.org/a/1", "bad \xff\xfe title", "body \xc3", t0)
	c.Content.Categories = []string{"\x80"}
	res := mustPut(t, s, c)
	if _, err := s.Snapshot(res.Article, 0); err != nil {
		t.Fatal(err)
	}
	// The same input again is recognised as unchanged.
	c.Fetch.FetchedAt = t0.Add(time.Minute)
	if res := mustPut(t, s, c); res.Changed {
		t.Error("identical content with invalid utf-8 made a new version")
	}
}

func TestLookup(t *testing.T) {
	s := archivetest.New(t)
	// Find two URLs whose IDs share the first 6 hex characters.
	seen := map[string]string{}
	var u1, u2 string
	for i := 0; u2 == ""; i++ {
		u := fmt.Sprintf("https://example.org/a/%d", i)
		p := archive.Hash([]byte(u)).String()[:6]
		if prev, ok := seen[p]; ok {
			u1, u2 = prev, u
		}
		seen[p] = u
	}
	id1 := mustPut(t, s, capture(u1, "one", "b", t0)).Article
	id2 := mustPut(t, s, capture(u2, "two", "b", t0)).Article
	full1 := id1.String()
	n := 6
	for full1[:n] == id2.String()[:n] {
		n++
	}

	tests := []struct {
		name, ref string
		want      archive.ID
		err       error // nil: success; errAny: some error
	}{
		{"full id", full1, id1, nil},
		{"upper-case id", strings.ToUpper(full1), id1, nil},
		{"unique prefix", full1[:n+1], id1, nil},
		{"odd unique prefix", id2.String()[:n+1], id2, nil},
		{"url", u2, id2, nil},
		{"ambiguous prefix", full1[:6], archive.ID{}, errAny},
		{"unknown prefix", strings.Repeat("0", 63) + "g", archive.ID{}, archive.ErrNotFound},
		{"unknown url", "https://example.org/nope", archive.ID{}, archive.ErrNotFound},
		{"short prefix is a url", full1[:5], archive.ID{}, archive.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := s.Lookup(tt.ref)
			switch {
			case tt.err == nil && err != nil:
				t.Fatalf("Lookup(%q): %v", tt.ref, err)
			case tt.err == errAny && err == nil, tt.err != nil && tt.err != errAny && !errors.Is(err, tt.err):
				t.Fatalf("Lookup(%q) error = %v, want %v", tt.ref, err, tt.err)
			case tt.err == nil && info.ID != tt.want:
				t.Fatalf("Lookup(%q) = %s, want %s", tt.ref, info.ID, tt.want)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestArticlesOrder(t *testing.T) {
	s := archivetest.New(t)
	mustPut(t, s, capture("https://example.org/c", "c", "b", t0.Add(time.Hour)))
	mustPut(t, s, capture("https://example.org/b", "b", "b", t0))
	mustPut(t, s, capture("https://example.org/a", "a", "b", t0))
	list, err := s.Articles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		got = append(got, a.Title)
	}
	if strings.Join(got, ",") != "a,b,c" {
		t.Errorf("order = %v, want a,b,c", got)
	}
}

func TestIDParse(t *testing.T) {
	id := archive.Hash([]byte("x"))
	got, err := archive.ParseID(id.String())
	if err != nil || got != id {
		t.Fatalf("ParseID(String()) = %s, %v", got, err)
	}
	if len(id.Short()) != 16 || !strings.HasPrefix(id.String(), id.Short()) {
		t.Errorf("Short = %q", id.Short())
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 64), id.String() + "00"} {
		if _, err := archive.ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) succeeded", bad)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	if _, err := archive.Open(filepath.Join(dir, "missing.db"), archive.Options{ReadOnly: true}); err == nil {
		t.Error("read-only Open of a missing file succeeded")
	}
	path := filepath.Join(dir, "nested", "dir", "a.db")
	s, err := archive.Open(path, archive.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("Open creating parents: %v", err)
	}
	if s.Path() != path {
		t.Errorf("Path = %q", s.Path())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ro, err := archive.Open(path, archive.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Put(context.Background(), capture("https://example.org/a", "a", "b", t0)); err == nil {
		t.Error("Put on a read-only store succeeded")
	}
}

// TestLocked checks that a second writer gets ErrLocked from the writer
// lock, while readers share the archive with the writer. flock(2) locks
// belong to the open file description, so a second open in the same process
// conflicts just as another process would.
func TestLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := archive.Open(path, archive.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, opts := range []archive.Options{{Timeout: 100 * time.Millisecond}, {Timeout: -1}} {
		start := time.Now()
		_, err := archive.Open(path, opts)
		if !errors.Is(err, archive.ErrLocked) {
			t.Fatalf("Open(%+v) while locked: %v, want ErrLocked", opts, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Open(%+v) waited %v", opts, d)
		}
	}
	if _, err := s.Put(context.Background(), capture("https://example.org/a", "a", "b", t0)); err != nil {
		t.Fatal(err)
	}
	// Readers share the archive with the writer and with each other.
	r1, err := archive.Open(path, archive.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("reader beside a writer: %v", err)
	}
	defer r1.Close()
	r2, err := archive.Open(path, archive.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("second reader: %v", err)
	}
	defer r2.Close()
	if _, err := r2.Lookup("https://example.org/a"); err != nil {
		t.Errorf("reader: %v", err)
	}
	if _, err := s.Put(context.Background(), capture("https://example.org/b", "a", "b", t0)); err != nil {
		t.Errorf("writer beside two readers: %v", err)
	}
	if _, err := r1.Lookup("https://example.org/b"); err != nil {
		t.Errorf("reader sees the writer's later Put: %v", err)
	}
}
