package crawler

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
)

// Private request headers read and removed by transport, and the private
// response header that carries the original Content-Type past Colly.
const (
	headerKind     = "X-Chronicle-Kind" // "asset" or absent (page)
	headerCall     = "X-Chronicle-Call" // id of the caller's context
	headerOrigType = "X-Chronicle-Orig-Content-Type"
)

// transport wraps the real transport under Colly's http.Client. It
//   - bounds the decompressed body (ErrTooLarge) per request kind,
//   - removes gzip itself (Content-Encoding, gzip content type or a .gz
//     path for pages) and sets resp.Uncompressed so Colly does not,
//   - hides a charset parameter of Content-Type from Colly (which would
//     convert the body to UTF-8) in headerOrigType,
//   - paces redirects per host (the caller paces the first request), and
//     every request again once it has a connection (sent: the time spent
//     waiting for one),
//   - cancels the request when the caller's context ends.
type transport struct {
	base       *http.Transport
	pageLimit  int64
	assetLimit int64
	pace       func(ctx context.Context, host string) error // nil: no pacing
	sent       func(ctx context.Context, host string) error // nil: no pacing at write time

	mu    sync.Mutex
	calls map[string]context.Context
	next  atomic.Uint64
}

func newTransport(base *http.Transport, pageLimit, assetLimit int64) *transport {
	return &transport{base: base, pageLimit: pageLimit, assetLimit: assetLimit, calls: map[string]context.Context{}}
}

// register makes ctx findable by the returned id (sent in headerCall) until
// done is called.
func (t *transport) register(ctx context.Context) (id string, done func()) {
	id = itoa(t.next.Add(1))
	t.mu.Lock()
	t.calls[id] = ctx
	t.mu.Unlock()
	return id, func() {
		t.mu.Lock()
		delete(t.calls, id)
		t.mu.Unlock()
	}
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	kind := req.Header.Get(headerKind)
	limit := limitFor(kind, t.pageLimit, t.assetLimit)
	t.mu.Lock()
	callCtx := t.calls[req.Header.Get(headerCall)]
	t.mu.Unlock()

	ctx, cancel := context.WithCancel(req.Context())
	stop := func() bool { return false }
	if callCtx != nil {
		stop = context.AfterFunc(callCtx, cancel)
	}
	release := func() { stop(); cancel() }

	// A first request was paced by its caller; a redirect (req.Response
	// set) is paced here, since it may go to another host.
	if t.pace != nil && req.Response != nil {
		if err := t.pace(ctx, req.URL.Host); err != nil {
			release()
			return nil, err
		}
	}
	if t.sent != nil {
		host := req.URL.Host
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotConn: func(httptrace.GotConnInfo) { _ = t.sent(ctx, host) },
		})
	}
	out := req.Clone(ctx)
	out.Header.Del(headerKind)
	out.Header.Del(headerCall)
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		release()
		return nil, err
	}
	resp.Request = req

	gz := false
	sniff := false
	if !resp.Uncompressed && strings.Contains(strings.ToLower(resp.Header.Get("Content-Encoding")), "gzip") {
		gz = true
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
	} else if kind != "asset" && looksGzipped(resp.Header.Get("Content-Type"), req.URL.Path) {
		sniff = true
	}
	if enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); !gz && enc != "" && enc != "identity" {
		// br, deflate, zstd...: we asked for none of them, and the bytes
		// would be archived still encoded.
		resp.Body.Close()
		release()
		return nil, fmt.Errorf("%s: content-encoding %q: %w", req.URL, enc, ErrEncoding)
	}
	resp.Uncompressed = true

	if !gz && !sniff && resp.ContentLength > limit {
		resp.Body.Close()
		release()
		return nil, fmt.Errorf("%s: %d bytes, limit %d: %w", req.URL, resp.ContentLength, limit, ErrTooLarge)
	}
	hideCharset(resp.Header)
	resp.Body = &body{
		raw:     resp.Body,
		decoded: &decoder{src: resp.Body, gzip: gz, sniff: sniff},
		limit:   limit,
		url:     req.URL.String(),
		release: release,
	}
	return resp, nil
}

// looksGzipped tells whether a page response may be a gzip file (a gzipped
// sitemap served as such).
func looksGzipped(contentType, path string) bool {
	ct := strings.ToLower(contentType)
	return strings.Contains(ct, "gzip") || strings.HasSuffix(strings.ToLower(path), ".gz")
}

// hideCharset moves a Content-Type that names a charset into headerOrigType
// and leaves Colly only its media type.
func hideCharset(h http.Header) {
	ct := h.Get("Content-Type")
	if !strings.Contains(strings.ToLower(ct), "charset") {
		return
	}
	h.Set(headerOrigType, ct)
	media, _, err := mime.ParseMediaType(ct)
	if err != nil {
		media, _, _ = strings.Cut(ct, ";")
		media = strings.TrimSpace(media)
	}
	if strings.Contains(strings.ToLower(media), "charset") {
		media = "application/octet-stream"
	}
	if media == "" {
		h.Del("Content-Type")
		return
	}
	h.Set("Content-Type", media)
}

// restoreContentType undoes hideCharset.
func restoreContentType(h http.Header) {
	if orig := h.Get(headerOrigType); orig != "" {
		h.Set("Content-Type", orig)
		h.Del(headerOrigType)
	}
}

// decoder removes gzip: always when gzip is set, and when sniff is set only
// if the data starts with the gzip magic number.
type decoder struct {
	src         io.Reader
	gzip, sniff bool
	r           io.Reader
	zr          *gzip.Reader
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.r == nil {
		src := d.src
		if d.sniff {
			br := bufio.NewReader(d.src)
			magic, _ := br.Peek(2)
			d.gzip = len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
			src = br
		}
		d.r = src
		if d.gzip {
			zr, err := gzip.NewReader(src)
			if err != nil {
				return 0, fmt.Errorf("gunzip: %w", err)
			}
			d.zr = zr
			d.r = zr
		}
	}
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF && d.zr != nil {
		err = fmt.Errorf("gunzip: %w", err)
	}
	return n, err
}

// body enforces the size limit on the decoded stream and releases the
// request's resources on Close.
type body struct {
	raw     io.ReadCloser
	decoded io.Reader
	limit   int64
	n       int64
	url     string
	release func()
	once    sync.Once
}

func (b *body) Read(p []byte) (int, error) {
	if b.n > b.limit {
		return 0, b.tooLarge()
	}
	n, err := b.decoded.Read(p)
	b.n += int64(n)
	if b.n > b.limit {
		return 0, b.tooLarge()
	}
	return n, err
}

func (b *body) tooLarge() error {
	return fmt.Errorf("%s: more than %d bytes: %w", b.url, b.limit, ErrTooLarge)
}

func (b *body) Close() error {
	err := b.raw.Close()
	b.once.Do(b.release)
	return err
}
