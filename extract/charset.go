package extract

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// metaCharsetRe finds a charset declared in a <meta> tag anywhere in the head,
// beyond the 1024 bytes the HTML prescan looks at.
var metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)`)

// Decode converts body to UTF-8. The charset comes from, in order: a byte order
// mark, the charset parameter of contentType, a <meta charset> or http-equiv
// declaration, then sniffing (valid UTF-8, else GB18030 if it decodes cleanly
// into mostly Chinese text, else Big5 likewise, else windows-1252). GBK and
// GB2312 labels decode as GB18030, their superset. The returned name is the
// charset used, lower-case ("utf-8", "gb18030", "big5", "windows-1252", ...).
func Decode(body []byte, contentType string) ([]byte, string, error) {
	if len(body) > MaxBodyBytes {
		return nil, "", fmt.Errorf("decode: body of %d bytes exceeds %d", len(body), MaxBodyBytes)
	}
	// Byte order marks win over everything.
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return toValidUTF8(body[3:]), "utf-8", nil
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return decodeWith(xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM), body, "utf-16be")
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return decodeWith(xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM), body, "utf-16le")
	}
	// Bytes that are valid UTF-8 with multi-byte sequences are UTF-8 whatever
	// the page declares: legacy text almost never validates by accident, and
	// pages re-encoded without fixing their <meta> are common.
	if utf8.Valid(body) && hasMultiByte(body) {
		return body, "utf-8", nil
	}
	label := headerCharset(contentType)
	if label == "" {
		_, name, certain := charset.DetermineEncoding(body, "")
		if certain {
			label = name
		} else if m := metaCharsetRe.FindSubmatch(head(body, 64<<10)); m != nil {
			label = string(m[1])
		}
	}
	if label != "" {
		if enc, name := lookup(label); enc != nil {
			if name == "utf-8" && !utf8.Valid(body) {
				// Declared UTF-8 but is not: Chinese sites often mislabel GBK pages.
				if out, n, ok := sniffCJK(body); ok {
					return out, n, nil
				}
				return toValidUTF8(body), name, nil
			}
			return decodeWith(enc, body, name)
		}
	}
	if utf8.Valid(body) {
		return body, "utf-8", nil
	}
	if out, n, ok := sniffCJK(body); ok {
		return out, n, nil
	}
	return decodeWith(charmap.Windows1252, body, "windows-1252")
}

func head(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		// Fall back to a plain search: "text/html; charset=gbk;" with junk.
		// ASCII lower-casing keeps byte offsets (strings.ToLower does not
		// on invalid UTF-8).
		i := strings.Index(asciiLower(contentType), "charset=")
		if i < 0 {
			return ""
		}
		v := contentType[i+len("charset="):]
		if j := strings.IndexAny(v, "; "); j >= 0 {
			v = v[:j]
		}
		return strings.Trim(v, `"' `)
	}
	return strings.TrimSpace(params["charset"])
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// lookup maps a label to an encoding and its canonical name; GBK and GB2312
// become GB18030.
func lookup(label string) (encoding.Encoding, string) {
	l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch l {
	case "gbk", "gb2312", "gb_2312-80", "x-gbk", "cp936", "ms936", "windows-936", "gb18030", "euc-cn", "x-euc-cn", "csgb2312", "chinese":
		return simplifiedchinese.GB18030, "gb18030"
	case "big5", "big5-hkscs", "x-x-big5", "cn-big5", "csbig5":
		return traditionalchinese.Big5, "big5"
	case "utf8", "utf-8", "unicode-1-1-utf-8":
		return encoding.Nop, "utf-8"
	}
	enc, name := charset.Lookup(l)
	if enc == nil {
		return nil, ""
	}
	if name == "utf-8" {
		return encoding.Nop, name
	}
	if name == "gbk" {
		return simplifiedchinese.GB18030, "gb18030"
	}
	return enc, name
}

func decodeWith(enc encoding.Encoding, body []byte, name string) ([]byte, string, error) {
	if enc == encoding.Nop {
		return toValidUTF8(body), name, nil
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), body)
	if err != nil {
		return nil, "", fmt.Errorf("decode %s: %w", name, err)
	}
	return toValidUTF8(out), name, nil
}

func toValidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	return bytes.ToValidUTF8(b, []byte("\uFFFD"))
}

// sniffCJK tries GB18030 then Big5 on bytes that are not UTF-8 and accepts the
// first that decodes with almost no replacement characters into text whose
// non-ASCII runes are mostly Han ideographs and CJK punctuation.
func sniffCJK(body []byte) ([]byte, string, bool) {
	for _, c := range []struct {
		enc  encoding.Encoding
		name string
	}{{simplifiedchinese.GB18030, "gb18030"}, {traditionalchinese.Big5, "big5"}} {
		out, _, err := transform.Bytes(c.enc.NewDecoder(), body)
		if err != nil {
			continue
		}
		var bad, cjk, other int
		for _, r := range string(out) {
			switch {
			case r < utf8.RuneSelf:
			case r == utf8.RuneError:
				bad++
			case unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF):
				cjk++
			default:
				other++
			}
		}
		if cjk > 0 && bad*50 <= cjk && other*4 <= cjk {
			return toValidUTF8(out), c.name, true
		}
	}
	return nil, "", false
}

func hasMultiByte(b []byte) bool {
	n := 0
	for _, c := range b {
		if c >= 0x80 {
			n++
			if n >= 8 {
				return true
			}
		}
	}
	return false
}
