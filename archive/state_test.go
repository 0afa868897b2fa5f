package archive

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var st0 = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

func openTemp(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFrontierSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTemp(t, path)
	must(t, s.Enqueue(ctx, "news", []string{"https://a.example/2", "https://a.example/1"}, st0))
	must(t, s.Enqueue(ctx, "other", []string{"https://b.example/1"}, st0.Add(time.Second)))
	// Enqueueing again keeps the first record.
	must(t, s.Enqueue(ctx, "news", []string{"https://a.example/1"}, st0.Add(time.Hour)))
	must(t, s.Close())

	s = openTemp(t, path)
	got, err := s.Pending(ctx, "news")
	must(t, err)
	want := []FrontierEntry{
		{URL: "https://a.example/1", Source: "news", DiscoveredAt: st0},
		{URL: "https://a.example/2", Source: "news", DiscoveredAt: st0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Pending after reopen = %+v, want %+v", got, want)
	}
	must(t, s.Attempt(ctx, []string{"https://a.example/1", "https://nowhere.example/"}))
	must(t, s.Done(ctx, "https://a.example/2", "https://nowhere.example/"))
	must(t, s.Close())

	s = openTemp(t, path)
	defer s.Close()
	got, err = s.Pending(ctx, "")
	must(t, err)
	want = []FrontierEntry{
		{URL: "https://a.example/1", Source: "news", DiscoveredAt: st0, Attempts: 1},
		{URL: "https://b.example/1", Source: "other", DiscoveredAt: st0.Add(time.Second)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Pending = %+v, want %+v", got, want)
	}
	if err := s.Enqueue(ctx, "news", []string{""}, st0); err == nil {
		t.Error("an empty url was enqueued")
	}
	if err := s.Enqueue(ctx, "news", []string{strings.Repeat("x", bolt.MaxKeySize+1)}, st0); err == nil {
		t.Error("a url longer than a key was enqueued")
	}
}

func stateCapture(url, body string, at time.Time, etag string) Capture {
	return Capture{
		URL: url, Source: "news",
		Fetch: Fetch{URL: url, FetchedAt: at, Status: 200,
			Header: map[string][]string{"Etag": {etag}, "Last-Modified": {"Fri, 01 Mar 2024 08:00:00 GMT"}},
			Raw:    []byte("<html>" + body + "</html>")},
		Content: Content{Title: "T", BodyHTML: "<p>" + body + "</p>", BodyText: body},
	}
}

func TestPutRecordsFetchStateAndTouch(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, filepath.Join(t.TempDir(), "a.db"))
	defer s.Close()
	const u = "https://a.example/n/1"
	const asked = "https://a.example/n/1?from=list"

	c := stateCapture(u, "one", st0, `"v1"`)
	c.Requested = asked
	c.Assets = []AssetData{{URL: "https://img.example/1.png", ContentType: "image/png", Data: []byte("png"),
		Header: map[string][]string{"ETag": {`"img"`}}}}
	c.AssetRefs = []AssetRef{{URL: "https://img.example/1.png", SHA: Hash([]byte("png"))}}
	if _, err := s.Put(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{u, asked} {
		fs, ok, err := s.FetchState(key)
		must(t, err)
		want := FetchState{URL: key, Kind: KindArticle, ETag: `"v1"`, LastModified: "Fri, 01 Mar 2024 08:00:00 GMT",
			LastChecked: st0, LastChanged: st0, FirstSeen: st0}
		if key != u {
			want.Article = u
		}
		if !ok || !reflect.DeepEqual(fs, want) {
			t.Errorf("FetchState(%s) = %+v, %v; want %+v", key, fs, ok, want)
		}
	}
	if fs, ok, err := s.FetchState("https://img.example/1.png"); err != nil || !ok || fs.Kind != KindAsset || fs.ETag != `"img"` {
		t.Errorf("asset fetch state = %+v, %v, %v", fs, ok, err)
	}

	// The same content again, a 304, then a change.
	if _, err := s.Put(ctx, stateCapture(u, "one", st0.Add(time.Hour), `"v1b"`)); err != nil {
		t.Fatal(err)
	}
	must(t, s.Touch(ctx, asked, st0.Add(2*time.Hour), "", ""))
	fs, _, err := s.FetchState(u)
	must(t, err)
	if fs.ChecksUnchanged != 2 || !fs.LastChanged.Equal(st0) || !fs.LastChecked.Equal(st0.Add(2*time.Hour)) || fs.ETag != `"v1b"` {
		t.Errorf("after two unchanged checks: %+v", fs)
	}
	info, err := s.Lookup(u)
	must(t, err)
	if info.Versions != 1 || !info.LastSeen.Equal(st0.Add(2*time.Hour)) {
		t.Errorf("Touch: article %+v, want 1 version, last seen %s", info, st0.Add(2*time.Hour))
	}
	if _, err := s.Put(ctx, stateCapture(u, "two", st0.Add(3*time.Hour), `"v2"`)); err != nil {
		t.Fatal(err)
	}
	fs, _, err = s.FetchState(u)
	must(t, err)
	if fs.ChecksUnchanged != 0 || !fs.LastChanged.Equal(st0.Add(3*time.Hour)) || fs.ETag != `"v2"` {
		t.Errorf("after a change: %+v", fs)
	}
	if err := s.Touch(ctx, "https://a.example/never", st0, "", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Touch of an unknown url: %v, want ErrNotFound", err)
	}
}

func TestRobotsCache(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, filepath.Join(t.TempDir(), "a.db"))
	defer s.Close()
	if _, ok, err := s.Robots("https://a.example"); ok || err != nil {
		t.Fatalf("empty cache: %v %v", ok, err)
	}
	e := RobotsEntry{Status: 200, Body: []byte("User-agent: *\nDisallow: /x\n"), Fetched: st0, Expires: st0.Add(24 * time.Hour)}
	must(t, s.SaveRobots(ctx, "https://a.example", e))
	got, ok, err := s.Robots("https://a.example")
	if err != nil || !ok || !reflect.DeepEqual(got, e) {
		t.Fatalf("Robots = %+v, %v, %v; want %+v", got, ok, err, e)
	}
}

func TestRunsRecorded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTemp(t, path)
	r1 := Run{Start: st0, End: st0.Add(time.Minute), Sources: []string{"news"},
		Counts: RunCounts{Sources: 1, PagesFetched: 5, ArticlesNew: 3, Errors: 1, DurationMS: 60000}, Stopped: StoppedDone}
	r2 := Run{Start: st0.Add(time.Hour), End: st0.Add(time.Hour + time.Second), Sources: []string{"news"},
		Errors: []string{"archive write failed"}, Stopped: StoppedArchiveFailed}
	must(t, s.AddRun(ctx, r2))
	must(t, s.AddRun(ctx, r1))
	must(t, s.AddRun(ctx, r1)) // same start: kept, a nanosecond later
	must(t, s.Close())
	s, err := Open(path, Options{ReadOnly: true, Timeout: time.Second})
	must(t, err)
	defer s.Close()
	runs, err := s.Runs(ctx)
	must(t, err)
	if len(runs) != 3 || !runs[0].Start.Equal(st0) || !runs[1].Start.Equal(st0.Add(time.Nanosecond)) || !runs[2].Start.Equal(r2.Start) {
		t.Fatalf("runs = %+v", runs)
	}
	if !reflect.DeepEqual(runs[0].Counts, r1.Counts) || runs[2].Stopped != StoppedArchiveFailed || runs[2].Errors[0] != "archive write failed" {
		t.Errorf("runs = %+v", runs)
	}
	if err := s.AddRun(ctx, Run{}); err == nil {
		t.Error("a run without a start was recorded")
	}
}

// stateFixture is a closed archive with every state bucket populated.
func stateFixture(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	s := openTemp(t, path)
	c := stateCapture("https://a.example/1", "one", st0, `"e"`)
	c.Assets = []AssetData{{URL: "https://img.example/1.png", ContentType: "image/png", Data: []byte("png")}}
	c.AssetRefs = []AssetRef{{URL: "https://img.example/1.png", SHA: Hash([]byte("png"))}}
	_, err := s.Put(ctx, c)
	must(t, err)
	must(t, s.Enqueue(ctx, "news", []string{"https://a.example/2"}, st0))
	must(t, s.SaveRobots(ctx, "https://a.example", RobotsEntry{Status: 404, Fetched: st0, Expires: st0.Add(time.Hour)}))
	must(t, s.AddRun(ctx, Run{Start: st0, End: st0.Add(time.Second), Stopped: StoppedDone}))
	must(t, s.Close())
	return path
}

func TestVerifyStateBuckets(t *testing.T) {
	path := stateFixture(t)
	if rep := verifyFile(t, path); !rep.OK {
		t.Fatalf("clean archive with state: %+v", rep.Problems)
	}
	keys := map[string][]byte{
		"frontier":    []byte("https://a.example/2"),
		"fetch_state": []byte("https://a.example/1"),
		"robots":      []byte("https://a.example"),
		"runs":        runKey(st0),
	}
	for name, key := range keys {
		for _, tc := range []struct {
			what string
			edit func([]byte) []byte
			kind string
		}{
			{"bit flip", func(v []byte) []byte { return flip(v, -2) }, ProblemRecordCorrupt},
			{"not json", func([]byte) []byte { return seal([]byte("{not json")) }, ProblemUndecodableRecord},
			{"short", func([]byte) []byte { return []byte{1, 2, 3} }, ProblemUndecodableRecord},
		} {
			t.Run(name+"/"+tc.what, func(t *testing.T) {
				f := fixture{path: filepath.Join(t.TempDir(), "a.db")}
				copyFile(t, path, f.path)
				f.mutate(t, func(tx *bolt.Tx) error {
					b := tx.Bucket([]byte(name))
					return b.Put(key, tc.edit(b.Get(key)))
				})
				rep := verifyFile(t, f.path)
				if rep.OK || len(rep.Problems) != 1 || rep.Problems[0].Kind != tc.kind || !strings.HasPrefix(rep.Problems[0].Key, name) {
					t.Errorf("problems = %+v, want one %s in %s", rep.Problems, tc.kind, name)
				}
			})
		}
	}
	t.Run("run key mismatch", func(t *testing.T) {
		f := fixture{path: filepath.Join(t.TempDir(), "a.db")}
		copyFile(t, path, f.path)
		f.mutate(t, func(tx *bolt.Tx) error {
			reseal(t, tx, bucketRuns, runKey(st0), func(r *runRecord) { r.Start = r.Start.Add(time.Second) })
			return nil
		})
		rep := verifyFile(t, f.path)
		if len(rep.Problems) != 1 || rep.Problems[0].Kind != ProblemUndecodableRecord {
			t.Errorf("problems = %+v", rep.Problems)
		}
	})
}

// TestOldArchiveGainsStateBuckets: an archive written before the state
// buckets existed verifies clean read-only and gains them when opened for
// writing.
func TestOldArchiveGainsStateBuckets(t *testing.T) {
	f := newFixture(t)
	f.mutate(t, func(tx *bolt.Tx) error {
		for _, name := range stateBuckets {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if rep := verifyFile(t, f.path); !rep.OK {
		t.Fatalf("old archive: %+v", rep.Problems)
	}
	ro, err := Open(f.path, Options{ReadOnly: true, Timeout: time.Second})
	must(t, err)
	if runs, err := ro.Runs(context.Background()); err != nil || len(runs) != 0 {
		t.Errorf("Runs of an old archive = %v, %v", runs, err)
	}
	must(t, ro.Close())
	s := openTemp(t, f.path)
	must(t, s.AddRun(context.Background(), Run{Start: st0, Stopped: StoppedDone}))
	must(t, s.Close())
	if rep := verifyFile(t, f.path); !rep.OK {
		t.Fatalf("upgraded archive: %+v", rep.Problems)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	must(t, err)
	must(t, os.WriteFile(to, b, 0o644))
}

// Put and Touch remove the frontier URLs they are given in their own
// transaction; a failed one removes nothing.
func TestPutAndTouchFinishFrontier(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, filepath.Join(t.TempDir(), "a.db"))
	defer s.Close()
	u, other, never := "https://a.example/1", "https://a.example/2", "https://a.example/never"
	must(t, s.Enqueue(ctx, "news", []string{u, other, never}, st0))
	pending := func() []string {
		t.Helper()
		got, err := s.Pending(ctx, "")
		must(t, err)
		var urls []string
		for _, e := range got {
			urls = append(urls, e.URL)
		}
		return urls
	}

	if _, err := s.Put(ctx, stateCapture(u, "one", st0, `"v1"`), u); err != nil {
		t.Fatal(err)
	}
	if got := pending(); !reflect.DeepEqual(got, []string{other, never}) {
		t.Fatalf("after Put: pending %q", got)
	}
	must(t, s.Enqueue(ctx, "news", []string{u}, st0.Add(time.Hour)))
	must(t, s.Touch(ctx, u, st0.Add(time.Hour), "", "", u))
	if got := pending(); !reflect.DeepEqual(got, []string{other, never}) {
		t.Fatalf("after Touch: pending %q", got)
	}
	if err := s.Touch(ctx, never, st0, "", "", never); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Touch of an unknown url: %v, want ErrNotFound", err)
	}
	bad := stateCapture(other, "x", st0, "")
	bad.AssetRefs = append(bad.AssetRefs, AssetRef{URL: "https://img.example/missing.png", SHA: Hash([]byte("missing"))})
	if _, err := s.Put(ctx, bad, other); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Put with a dangling asset: %v, want ErrNotFound", err)
	}
	if got := pending(); !reflect.DeepEqual(got, []string{other, never}) {
		t.Fatalf("after failed writes: pending %q", got)
	}
}
