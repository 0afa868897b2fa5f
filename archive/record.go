package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"
	"unicode/utf8"
)

// envelopeVersion is the record-format version byte written at the start of
// every record (see docs/format.md).
const envelopeVersion = 1

// envelopeHeader is the size of the version byte plus the payload's SHA-256.
const envelopeHeader = 1 + sha256.Size

var (
	// errEnvelopeHash marks a record whose payload does not match its hash.
	errEnvelopeHash = errors.New("record hash mismatch")
	// errEnvelopeFormat marks a record that cannot be decoded at all.
	errEnvelopeFormat = errors.New("malformed record")
)

// seal wraps payload in an envelope: version byte, SHA-256(payload), payload.
func seal(payload []byte) []byte {
	out := make([]byte, envelopeHeader+len(payload))
	out[0] = envelopeVersion
	sum := sha256.Sum256(payload)
	copy(out[1:envelopeHeader], sum[:])
	copy(out[envelopeHeader:], payload)
	return out
}

// open checks an envelope and returns its payload (a sub-slice of b).
func open(b []byte) ([]byte, error) {
	if len(b) < envelopeHeader {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", errEnvelopeFormat, len(b), envelopeHeader)
	}
	if b[0] != envelopeVersion {
		return nil, fmt.Errorf("%w: unknown record version %d", errEnvelopeFormat, b[0])
	}
	payload := b[envelopeHeader:]
	sum := sha256.Sum256(payload)
	if !bytes.Equal(sum[:], b[1:envelopeHeader]) {
		return nil, errEnvelopeHash
	}
	return payload, nil
}

// sealJSON encodes v as JSON inside an envelope.
func sealJSON(v any) ([]byte, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return seal(payload), nil
}

// openJSON checks the envelope b and decodes its JSON payload into v.
// Envelope failures wrap errEnvelopeHash or errEnvelopeFormat; JSON failures
// wrap errEnvelopeFormat.
func openJSON(b []byte, v any) error {
	payload, err := open(b)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return fmt.Errorf("%w: %v", errEnvelopeFormat, err)
	}
	return nil
}

// articleRecord is the value stored in the articles bucket.
type articleRecord struct {
	URL       string    `json:"url"`
	Source    string    `json:"source"`
	Title     string    `json:"title"`
	Versions  int       `json:"versions"` // also the latest version number
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

func (r *articleRecord) info(id ID) ArticleInfo {
	return ArticleInfo{
		ID: id, URL: r.URL, Source: r.Source, Title: r.Title, Versions: r.Versions,
		FirstSeen: r.FirstSeen, LastSeen: r.LastSeen,
	}
}

// contentRecord is Content as stored inside a snapshot record.
type contentRecord struct {
	Title      string    `json:"title"`
	Author     string    `json:"author"`
	Published  time.Time `json:"published"`
	Categories []string  `json:"categories"`
	LeadImage  string    `json:"lead_image"`
	BodyHTML   string    `json:"body_html"`
	BodyText   string    `json:"body_text"`
	Images     []string  `json:"images"`
	Videos     []string  `json:"videos"`
}

// snapshotRecord is the value stored in the snapshots bucket.
type snapshotRecord struct {
	Article      ID                  `json:"article"`
	Version      int                 `json:"version"`
	Source       string              `json:"source"`
	URL          string              `json:"url"`
	FetchedAt    time.Time           `json:"fetched_at"`
	Status       int                 `json:"status"`
	ETag         string              `json:"etag,omitempty"`
	LastModified string              `json:"last_modified,omitempty"`
	Header       map[string][]string `json:"header,omitempty"`
	Content      contentRecord       `json:"content"`
	ContentHash  ID                  `json:"content_hash"`
	RawSHA       ID                  `json:"raw_sha"`
	RawSize      int64               `json:"raw_size"`
	Assets       []AssetRef          `json:"assets"`
	ReextractOf  int                 `json:"reextract_of,omitempty"`
}

func (r *snapshotRecord) snapshot() *Snapshot {
	c := r.Content
	return &Snapshot{
		Article: r.Article, Version: r.Version, Source: r.Source, URL: r.URL,
		FetchedAt: r.FetchedAt, Status: r.Status, ETag: r.ETag, LastModified: r.LastModified,
		Header: r.Header,
		Content: Content{
			Title: c.Title, Author: c.Author, Published: c.Published, Categories: c.Categories,
			LeadImage: c.LeadImage, BodyHTML: c.BodyHTML, BodyText: c.BodyText,
			Images: c.Images, Videos: c.Videos,
		},
		ContentHash: r.ContentHash, RawSHA: r.RawSHA, RawSize: r.RawSize, Assets: r.Assets,
		ReextractOf: r.ReextractOf,
	}
}

// assetMetaRecord is the value stored in the asset_meta bucket.
type assetMetaRecord struct {
	URL         string    `json:"url"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	FirstSeen   time.Time `json:"first_seen"`
}

// contentHashDomain starts the content hash input, so that the hash can never
// collide with a hash of some other encoding.
const contentHashDomain = "chronicle content v1\n"

// contentHash is the SHA-256 of the canonical encoding of the hashed content
// fields (everything but BodyText), each string length-prefixed and each list
// count-prefixed, so that no two different contents encode alike.
func contentHash(c *contentRecord) ID {
	h := sha256.New()
	h.Write([]byte(contentHashDomain))
	writeString(h, c.Title)
	writeString(h, c.Author)
	published := ""
	if !c.Published.IsZero() {
		published = c.Published.UTC().Format(time.RFC3339Nano)
	}
	writeString(h, published)
	writeList(h, c.Categories)
	writeString(h, c.LeadImage)
	writeString(h, c.BodyHTML)
	writeList(h, c.Images)
	writeList(h, c.Videos)
	var id ID
	h.Sum(id[:0])
	return id
}

func writeUint(h hash.Hash, n int) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

func writeString(h hash.Hash, s string) {
	writeUint(h, len(s))
	h.Write([]byte(s))
}

func writeList(h hash.Hash, l []string) {
	writeUint(h, len(l))
	for _, s := range l {
		writeString(h, s)
	}
}

// normalizeContent converts c to its stored form: times in UTC and every
// string valid UTF-8, so that the record survives a JSON round trip unchanged
// and the content hash recomputed from it matches.
func normalizeContent(c Content) contentRecord {
	r := contentRecord{
		Title:      validUTF8(c.Title),
		Author:     validUTF8(c.Author),
		Categories: validList(c.Categories),
		LeadImage:  validUTF8(c.LeadImage),
		BodyHTML:   validUTF8(c.BodyHTML),
		BodyText:   validUTF8(c.BodyText),
		Images:     validList(c.Images),
		Videos:     validList(c.Videos),
	}
	if !c.Published.IsZero() {
		r.Published = c.Published.UTC()
	}
	return r
}

// validUTF8 replaces each invalid byte of s with U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b []byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

func validList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = validUTF8(s)
	}
	return out
}

func validHeader(h map[string][]string) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, v := range h {
		k = validUTF8(k)
		out[k] = append(out[k], validList(v)...)
	}
	return out
}

// jsonUnmarshal decodes a record payload without checking its envelope
// hash (verify --fast).
func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
