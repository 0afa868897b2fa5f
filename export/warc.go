package export

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nlnwa/gowarc/v3"

	"github.com/chronicle-archive/chronicle/archive"
)

// WARCFile is the file name export --format warc writes in its directory.
const WARCFile = "chronicle.warc.gz"

// RawReader is a Reader that also returns raw response bodies;
// *archive.Store implements it.
type RawReader interface {
	Reader
	Raw(sha archive.ID) ([]byte, error)
}

// WARCOptions configure WARC.
type WARCOptions struct {
	Out         string    // directory chronicle.warc.gz is written to
	Only        []string  // source names to export; empty exports all
	Since       time.Time // articles last seen at or after Since; zero = all
	AllVersions bool      // every version, not only the latest
	Software    string    // named in the warcinfo record
}

// WARC writes the archive as one WARC 1.1 file, Out/chronicle.warc.gz, every
// record its own gzip member (so tools can seek to any record):
//
//   - a warcinfo record first;
//   - for each exported article version, a response record whose block is
//     the HTTP response rebuilt from the snapshot: its status, its headers
//     as received (less Content-Encoding, Transfer-Encoding and
//     Content-Length, which described the bytes on the wire; the archive keeps
//     the body after gzip was removed) and the raw body, with a
//     Content-Length that matches it;
//   - for each asset the version references, a response record at the
//     asset's URL. The archive keeps an asset's bytes and Content-Type but not
//     the response that carried it, so the HTTP block is synthesised as a
//     minimal "HTTP/1.1 200 OK" with that Content-Type and a Content-Length;
//   - a response whose payload was already written (same
//     WARC-Payload-Digest, such as one image referenced under two URLs, or two
//     versions from the same raw bytes) becomes a revisit record with the
//     identical-payload-digest profile, referring to the first.
//
// Every record carries WARC-Block-Digest and, for responses,
// WARC-Payload-Digest, both SHA-1 in base 32 ("sha1:..."), as is customary
// in web archives and expected by CDX indexers and Wayback replay tools.
// Record IDs and dates are derived from the archive, so the same archive
// always gives the same bytes: the file is replaced only when it changes.
func WARC(ctx context.Context, r RawReader, opts WARCOptions) (st Stats, err error) {
	if opts.Out == "" {
		return st, fmt.Errorf("warc export: no output directory")
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return st, fmt.Errorf("warc export: output directory %s: %w", opts.Out, err)
	}
	infos, err := r.Articles(ctx)
	if err != nil {
		return st, fmt.Errorf("warc export: list articles: %w", err)
	}
	sortArticles(infos)
	type item struct {
		info archive.ArticleInfo
		snap *archive.Snapshot
	}
	var items []item
	var date time.Time // of the warcinfo record: the newest fetch exported
	for _, info := range infos {
		if !wanted(info, opts.Only, opts.Since) {
			continue
		}
		for _, v := range versionsOf(info, opts.AllVersions) {
			snap, err := r.Snapshot(info.ID, v)
			if err != nil {
				return st, fmt.Errorf("warc export: article %s (%s) version %d: %w", info.ID, info.URL, v, err)
			}
			items = append(items, item{info, snap})
			if snap.FetchedAt.After(date) {
				date = snap.FetchedAt
			}
		}
	}
	if date.IsZero() {
		date = time.Unix(0, 0)
	}
	software := opts.Software
	if software == "" {
		software = "chronicle"
	}

	fill := func(w io.Writer) error {
		ww := &warcWriter{w: w, gz: gzip.NewWriter(w), firsts: map[string]*gowarc.RevisitRef{}, assets: map[string]bool{}}
		if err := ww.info(date, software); err != nil {
			return err
		}
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return err
			}
			raw, err := r.Raw(it.snap.RawSHA)
			if err != nil {
				return fmt.Errorf("warc export: article %s (%s) version %d: %w", it.info.ID, it.info.URL, it.snap.Version, err)
			}
			u := it.snap.URL
			if u == "" {
				u = it.info.URL
			}
			if err := ww.response(u, it.snap.FetchedAt, httpResponse(it.snap.Status, it.snap.Header, raw)); err != nil {
				return fmt.Errorf("warc export: article %s (%s) version %d: %w", it.info.ID, it.info.URL, it.snap.Version, err)
			}
			for _, ref := range it.snap.Assets {
				key := ref.URL + " " + ref.SHA.String()
				if ww.assets[key] {
					continue
				}
				ww.assets[key] = true
				data, ai, err := r.Asset(ref.SHA)
				if err != nil {
					return fmt.Errorf("warc export: asset %s (%s): %w", ref.SHA, ref.URL, err)
				}
				if sha256.Sum256(data) != ref.SHA {
					return fmt.Errorf("warc export: asset %s (%s): bytes do not match their hash", ref.SHA, ref.URL)
				}
				if err := ww.response(ref.URL, it.snap.FetchedAt, assetResponse(ai.ContentType, data)); err != nil {
					return fmt.Errorf("warc export: asset %s (%s): %w", ref.SHA, ref.URL, err)
				}
			}
		}
		st.Records = ww.records
		return nil
	}
	changed, err := writeFileIfChanged(out, WARCFile, fill)
	if err != nil {
		return st, err
	}
	if changed {
		st.Written = 1
	} else {
		st.Unchanged = 1
	}
	return st, nil
}

// warcWriter writes records, one gzip member each.
type warcWriter struct {
	w       io.Writer
	gz      *gzip.Writer
	infoID  string
	records int
	firsts  map[string]*gowarc.RevisitRef // payload digest -> first record with it
	assets  map[string]bool               // "url sha" of assets written
}

// recordOptions make the library compute SHA-1 base-32 digests and refuse
// to build a record that breaks the WARC 1.1 specification.
var recordOptions = []gowarc.WarcRecordOption{
	gowarc.WithVersion(gowarc.V1_1),
	gowarc.WithDefaultDigestAlgorithm("sha1"),
	gowarc.WithAddMissingDigest(true),
	gowarc.WithSpecViolationPolicy(gowarc.ErrFail),
	gowarc.WithSyntaxErrorPolicy(gowarc.ErrFail),
}

func (ww *warcWriter) info(date time.Time, software string) error {
	rb := gowarc.NewRecordBuilder(gowarc.Warcinfo, recordOptions...)
	ww.infoID = recordID("warcinfo", WARCFile, date, software)
	rb.AddWarcHeader(gowarc.WarcRecordID, ww.infoID)
	rb.AddWarcHeaderTime(gowarc.WarcDate, date.UTC())
	rb.AddWarcHeader(gowarc.WarcFilename, WARCFile)
	rb.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationWarcFields)
	fmt.Fprintf(rb, "software: %s\r\nformat: WARC File Format 1.1\r\nconformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n", headerValue(software))
	rec, _, err := rb.Build()
	if err != nil {
		return fmt.Errorf("warcinfo record: %w", err)
	}
	return ww.write(rec)
}

// response writes a response record for block at uri, or a revisit record
// when its payload was written before.
func (ww *warcWriter) response(uri string, date time.Time, block []byte) error {
	date = date.UTC()
	rb := gowarc.NewRecordBuilder(gowarc.Response, recordOptions...)
	rb.AddWarcHeader(gowarc.WarcRecordID, recordID("response", uri, date, string(block)))
	rb.AddWarcHeader(gowarc.WarcWarcinfoID, ww.infoID)
	rb.AddWarcHeaderTime(gowarc.WarcDate, date)
	rb.AddWarcHeader(gowarc.WarcTargetURI, uri)
	rb.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationHttp+";msgtype=response")
	if _, err := rb.Write(block); err != nil {
		return err
	}
	rec, _, err := rb.Build()
	if err != nil {
		return fmt.Errorf("response record for %s: %w", uri, err)
	}
	digest := rec.WarcHeader().Get(gowarc.WarcPayloadDigest)
	if first, ok := ww.firsts[digest]; ok && digest != "" {
		rev, err := rec.ToRevisitRecord(first)
		_ = rec.Close()
		if err != nil {
			return fmt.Errorf("revisit record for %s: %w", uri, err)
		}
		return ww.write(rev)
	}
	ref, err := rec.CreateRevisitRef(gowarc.ProfileIdenticalPayloadDigestV1_1)
	if err != nil {
		return err
	}
	ww.firsts[digest] = ref
	return ww.write(rec)
}

func (ww *warcWriter) write(rec gowarc.WarcRecord) error {
	defer rec.Close()
	ww.gz.Reset(ww.w)
	if _, _, err := gowarc.NewMarshaler().Marshal(ww.gz, rec, 0); err != nil {
		return fmt.Errorf("write WARC record: %w", err)
	}
	if err := ww.gz.Close(); err != nil {
		return fmt.Errorf("write WARC record: %w", err)
	}
	ww.records++
	return nil
}

// recordID derives a stable record ID (a version 8 UUID URN) from what
// identifies the record, so that re-exporting gives the same bytes.
func recordID(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%v\x00", p)
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("<urn:uuid:%x-%x-%x-%x-%x>", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// hopHeaders describe the bytes on the wire rather than the body kept.
var hopHeaders = []string{"Content-Length", "Content-Encoding", "Transfer-Encoding", "Connection", "Keep-Alive"}

// httpResponse rebuilds an HTTP/1.1 response from an archived status,
// headers and body (see WARC).
func httpResponse(status int, header map[string][]string, body []byte) []byte {
	if status < 100 || status > 999 {
		status = http.StatusOK
	}
	var b strings.Builder
	text := http.StatusText(status)
	if text == "" {
		text = "Status " + strconv.Itoa(status)
	}
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, text)
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name := textproto.CanonicalMIMEHeaderKey(k)
		if !validHeaderName(name) || slices.Contains(hopHeaders, name) {
			continue
		}
		for _, v := range header[k] {
			b.WriteString(name + ": " + headerValue(v) + "\r\n")
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	return append([]byte(b.String()), body...)
}

// assetResponse synthesises the HTTP response of an asset; see WARC.
func assetResponse(contentType string, data []byte) []byte {
	if contentType == "" {
		contentType = http.DetectContentType(data)
	}
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", headerValue(contentType), len(data))
	return append([]byte(head), data...)
}

// validHeaderName reports whether s is an HTTP token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// headerValue makes s safe as one header line: control characters become
// spaces.
func headerValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
}
