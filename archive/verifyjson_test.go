package archive

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// leanResult decodes payload with the lean decoder, or reports ok false.
func leanResult(payload []byte) (snapshotRecord, bool) {
	var refs snapshotRefs
	var rec snapshotRecord
	if leanSnapshot(payload, &refs, &rec.ContentHash, &rec.Content) != nil {
		return rec, false
	}
	rec.Article, rec.Version, rec.RawSHA, rec.Assets = refs.Article, refs.Version, refs.RawSHA, refs.Assets
	return rec, true
}

// wantLean is what encoding/json decodes, reduced to the fields the lean
// decoder fills.
func wantLean(t *testing.T, payload []byte) (snapshotRecord, bool) {
	t.Helper()
	var rec snapshotRecord
	if err := json.Unmarshal(payload, &rec); err != nil {
		return rec, false
	}
	return snapshotRecord{Article: rec.Article, Version: rec.Version, RawSHA: rec.RawSHA, Assets: rec.Assets,
		ContentHash: rec.ContentHash, Content: contentRecord{Title: rec.Content.Title, Author: rec.Content.Author,
			Published: rec.Content.Published, Categories: rec.Content.Categories, LeadImage: rec.Content.LeadImage,
			BodyHTML: rec.Content.BodyHTML, Images: rec.Content.Images, Videos: rec.Content.Videos}}, true
}

func TestLeanSnapshotMatchesJSON(t *testing.T) {
	texts := []string{"", "plain", "<p>a & b</p>", "quote \" and \\ back", "tab\tnl\ncr\r", "\u2028\u2029",
		"é ü 中文 😀", "\x01\x1f", "\ufffd", "a/b", "\u007f", "\b\f"}
	for _, s := range texts {
		rec := snapshotRecord{Article: Hash([]byte(s)), Version: 3, Source: s, URL: s, Status: 200,
			Header: map[string][]string{s: {s}},
			Content: contentRecord{Title: s, Author: s, Published: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), Categories: []string{s, s},
				LeadImage: s, BodyHTML: s + s, BodyText: s, Images: []string{s}},
			ContentHash: Hash([]byte("c" + s)), RawSHA: Hash([]byte("r" + s)), Assets: []AssetRef{{URL: s, SHA: Hash([]byte(s))}}}
		payload, err := json.Marshal(&rec)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := leanResult(payload)
		want, _ := wantLean(t, payload)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: lean %v %+v, want %+v", s, ok, got, want)
		}
	}
	// Hand-written payloads: the lean decoder either gives up or agrees.
	raw := []string{
		`{"version":1,"Version":2}`,
		`{"VERSION":5, "content": {"BODY_HTML":"x"}}`,
		`{"vers\u0069on":7}`,
		`{"content":{"body_html":"\ud83d\ude00 \ud800 x"}}`,
		`{"content":{"body_html":"\ud83d"}}`,
		`{"content":{"body_html":"bad \x escape"}}`,
		"{\"content\":{\"body_html\":\"raw \x01 ctl\"}}",
		"{\"content\":{\"body_html\":\"bad utf8 \xff\"}}",
		`{"content":{"body_html":null}}`,
		`{"content":null}`,
		`{"content":{"body_html":12}}`,
		`{"content":{"body_text":"\"}\"","body_html":"a\\\"b"}}`,
		`{"version":1}x`,
		`{"version":1,}`,
		`{"version" 1}`,
		` { "version" : 4 , "assets" : [ {"url":"u","sha":"` + Hash(nil).String() + `"} ] } `,
		`{"assets":[{"url":"]}"}],"version":9}`,
		`{}`, `[]`, `{"version":"1"}`, `{"version":1.5}`, `{"content":{"published":"bad"}}`,
	}
	// A field verify does not use is skipped unchecked: a type error there
	// goes unnoticed (full verify has checked the envelope hash first).
	if got, ok := leanResult([]byte(`{"header":{"a":[1,2,{"b":"}"}]},"version":2}`)); !ok || got.Version != 2 {
		t.Errorf("skipped field: lean %v %+v", ok, got)
	}
	for _, p := range raw {
		got, ok := leanResult([]byte(p))
		want, wok := wantLean(t, []byte(p))
		if ok && (!wok || !reflect.DeepEqual(got, want)) {
			t.Errorf("%s: lean %+v, json (ok %v) %+v", p, got, wok, want)
		}
	}
}
