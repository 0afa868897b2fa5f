package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// A lean decoder for snapshot records, for verify: it finds the fields
// verify needs and skips the rest (the body text, most of the bytes) without
// decoding it. It gives up (errLean) on anything it does not handle exactly
// as encoding/json would, and the caller then decodes with encoding/json;
// so when it succeeds its result is the one encoding/json gives.

var errLean = errors.New("not handled by the lean decoder")

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] ('"').
func skipString(b []byte, i int) (int, error) {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return 0, errLean
		}
		i += j
		n := 0 // backslashes before the quote
		for k := i - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		i++
		if n%2 == 0 {
			return i, nil
		}
	}
}

// skipValue returns the index just past the value starting at b[i]. It
// checks only what it needs to find the value's end; values it returns
// are validated by whoever decodes them.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errLean
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				j, err := skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = j
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errLean
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
			j++
		}
		if j == i {
			return 0, errLean
		}
		return j, nil
	}
}

// eachField calls fn with every member of the JSON object b: its key (ASCII
// without escapes, else errLean) and its raw value.
func eachField(b []byte, fn func(key, val []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errLean
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errLean
		}
		end, err := skipString(b, i)
		if err != nil {
			return err
		}
		key := b[i+1 : end-1]
		for _, c := range key {
			if c >= utf8.RuneSelf || c == '\\' || c < ' ' {
				return errLean
			}
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return errLean
		}
		i = skipSpace(b, i+1)
		end, err = skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(key, b[i:end]); err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i >= len(b) {
			return errLean
		}
		if b[i] == '}' {
			return trailing(b, i+1)
		}
		if b[i] != ',' {
			return errLean
		}
		i = skipSpace(b, i+1)
	}
}

func trailing(b []byte, i int) error {
	if skipSpace(b, i) != len(b) {
		return errLean
	}
	return nil
}

// leanString decodes the JSON string s (with its quotes) as encoding/json
// does, giving up on invalid UTF-8, control characters and lone surrogates
// (which encoding/json replaces or rejects).
func leanString(s []byte) (string, error) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", errLean
	}
	s = s[1 : len(s)-1]
	if !utf8.Valid(s) {
		return "", errLean
	}
	if bytes.IndexByte(s, '\\') < 0 {
		for _, c := range s {
			if c < ' ' || c == '"' {
				return "", errLean
			}
		}
		return string(s), nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		j := bytes.IndexByte(s[i:], '\\')
		if j < 0 {
			j = len(s) - i
		}
		for _, c := range s[i : i+j] {
			if c < ' ' || c == '"' {
				return "", errLean
			}
		}
		out = append(out, s[i:i+j]...)
		i += j
		if i == len(s) {
			break
		}
		if i+1 >= len(s) {
			return "", errLean
		}
		switch c := s[i+1]; c {
		case '"', '\\', '/':
			out = append(out, c)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return "", errLean
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					r2, ok = hex4(s, i+2)
				}
				dec := utf16.DecodeRune(r, r2)
				if !ok || dec == utf8.RuneError {
					return "", errLean
				}
				r = dec
				i += 6
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return "", errLean
		}
		i += 2
	}
	return string(out), nil
}

func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// leanRefs decodes the references of snapshot payload b (verify --fast).
func leanRefs(b []byte, r *snapshotRefs) error {
	return eachField(b, func(key, val []byte) error {
		var dst any
		switch {
		case bytes.EqualFold(key, []byte("article")):
			dst = &r.Article
		case bytes.EqualFold(key, []byte("version")):
			dst = &r.Version
		case bytes.EqualFold(key, []byte("raw_sha")):
			dst = &r.RawSHA
		case bytes.EqualFold(key, []byte("assets")):
			dst = &r.Assets
		default:
			return nil
		}
		return json.Unmarshal(val, dst)
	})
}

// leanSnapshot decodes what full verify needs of snapshot payload b: the
// references, the recorded content hash and the hashed content fields.
func leanSnapshot(b []byte, refs *snapshotRefs, want *ID, c *contentRecord) error {
	return eachField(b, func(key, val []byte) error {
		var dst any
		switch {
		case bytes.EqualFold(key, []byte("article")):
			dst = &refs.Article
		case bytes.EqualFold(key, []byte("version")):
			dst = &refs.Version
		case bytes.EqualFold(key, []byte("raw_sha")):
			dst = &refs.RawSHA
		case bytes.EqualFold(key, []byte("assets")):
			dst = &refs.Assets
		case bytes.EqualFold(key, []byte("content_hash")):
			dst = want
		case bytes.EqualFold(key, []byte("content")):
			if bytes.Equal(val, []byte("null")) {
				return nil
			}
			return leanContent(val, c)
		default:
			return nil
		}
		return json.Unmarshal(val, dst)
	})
}

func leanContent(b []byte, c *contentRecord) error {
	return eachField(b, func(key, val []byte) error {
		var dst any
		switch {
		case bytes.EqualFold(key, []byte("body_html")):
			if val[0] != '"' {
				return errLean
			}
			s, err := leanString(val)
			c.BodyHTML = s
			return err
		case bytes.EqualFold(key, []byte("title")):
			dst = &c.Title
		case bytes.EqualFold(key, []byte("author")):
			dst = &c.Author
		case bytes.EqualFold(key, []byte("published")):
			dst = &c.Published
		case bytes.EqualFold(key, []byte("categories")):
			dst = &c.Categories
		case bytes.EqualFold(key, []byte("lead_image")):
			dst = &c.LeadImage
		case bytes.EqualFold(key, []byte("images")):
			dst = &c.Images
		case bytes.EqualFold(key, []byte("videos")):
			dst = &c.Videos
		default:
			return nil
		}
		return json.Unmarshal(val, dst)
	})
}
