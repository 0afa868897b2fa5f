package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func FuzzEnvelope(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte(`{"url":"https://example.org/"}`))
	f.Add(seal([]byte(`{"versions":1}`)))
	f.Add(append([]byte{2}, make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Decoding arbitrary bytes never panics, and succeeds only on a valid envelope.
		if payload, err := open(b); err == nil {
			if !bytes.Equal(seal(payload), b) {
				t.Fatalf("open accepted %x, which is not seal(%x)", b, payload)
			}
		} else if !errors.Is(err, errEnvelopeHash) && !errors.Is(err, errEnvelopeFormat) {
			t.Fatalf("open error %v has no kind", err)
		}
		var rec snapshotRecord
		_ = openJSON(b, &rec)

		// Round trip: any payload survives, and any single bit flip is detected.
		env := seal(b)
		got, err := open(env)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("open(seal(%x)) = %x, %v", b, got, err)
		}
		for _, i := range []int{0, 1, envelopeHeader - 1, len(env) - 1} {
			if _, err := open(flip(env, i)); err == nil {
				t.Fatalf("bit flip at %d of %x not detected", i, env)
			}
		}
	})
}

// FuzzPutGet checks Hash(Asset(Put(b))) == Hash(b), that the raw body and the
// content come back intact, and that the archive still verifies.
func FuzzPutGet(f *testing.F) {
	f.Add([]byte("asset"), []byte("<html>page</html>"), "title")
	f.Add([]byte{}, []byte{}, "")
	f.Add([]byte{0xff, 0x00}, bytes.Repeat([]byte{0}, 4096), "bad \xff utf-8")
	s, err := Open(filepath.Join(f.TempDir(), "fuzz.db"), Options{Timeout: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		rep, err := s.Verify(context.Background())
		if err != nil || !rep.OK {
			f.Errorf("Verify after fuzzing: %+v, %v", rep, err)
		}
		_ = s.Close()
	})
	n := 0
	f.Fuzz(func(t *testing.T, asset, raw []byte, title string) {
		n++
		sha := Hash(asset)
		c := Capture{
			URL:       fmt.Sprintf("https://example.org/%d", n),
			Fetch:     Fetch{FetchedAt: time.Unix(int64(n), 0), Raw: raw},
			Content:   Content{Title: title, BodyHTML: string(asset), Categories: []string{title, title}},
			Assets:    []AssetData{{URL: string(asset), Data: asset}},
			AssetRefs: []AssetRef{{URL: title, SHA: sha}},
		}
		res, err := s.Put(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		got, info, err := s.Asset(sha)
		if err != nil || Hash(got) != sha || info.Size != int64(len(asset)) {
			t.Fatalf("Asset = %x, %+v, %v", got, info, err)
		}
		body, err := s.Raw(Hash(raw))
		if err != nil || !bytes.Equal(body, raw) {
			t.Fatalf("Raw = %x, %v", body, err)
		}
		snap, err := s.Snapshot(res.Article, 0)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Content.Title != validUTF8(title) || snap.Content.BodyHTML != validUTF8(string(asset)) {
			t.Fatalf("content = %+v", snap.Content)
		}
		// The same capture again is unchanged.
		c.Fetch.FetchedAt = c.Fetch.FetchedAt.Add(time.Second)
		if again, err := s.Put(context.Background(), c); err != nil || again.Changed {
			t.Fatalf("re-put = %+v, %v", again, err)
		}
	})
}
