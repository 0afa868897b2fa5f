package export

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// dateLayout is RFC 1123 with the zone written as GMT, as HTTP dates are.
const dateLayout = "Mon, 02 Jan 2006 15:04:05 GMT"

// frontMatter is what a Hexo post's front matter says.
type frontMatter struct {
	Title      string
	Categories []string
	HeadImg    string
	Author     string
	Date       time.Time
	Thumbnail  string
	Siblings   bool           // categories each on its own, not one hierarchy
	Location   *time.Location // non-nil: date as local wall-clock time in this zone
}

// localLayout is how Hexo's own scaffolds write dates: wall-clock time,
// read by Hexo in the site's timezone.
const localLayout = "2006-01-02 15:04:05"

// render writes the front matter block, exactly seven keys in the order Hexo
// themes expect, each string double-quoted and escaped.
func (f frontMatter) render(b *strings.Builder) {
	b.WriteString("---\n")
	b.WriteString("title: " + yamlQuote(f.Title) + "\n")
	if len(f.Categories) == 0 {
		b.WriteString("categories: []\n")
	} else {
		b.WriteString("categories:\n")
		for _, c := range f.Categories {
			if f.Siblings {
				b.WriteString(" - [" + yamlQuote(c) + "]\n")
			} else {
				b.WriteString(" - " + yamlQuote(c) + "\n")
			}
		}
	}
	b.WriteString("headimg: " + yamlQuote(f.HeadImg) + "\n")
	b.WriteString("author: " + yamlQuote(f.Author) + "\n")
	b.WriteString("comments: false\n")
	if f.Location != nil {
		b.WriteString("date: " + f.Date.In(f.Location).Format(localLayout) + "\n")
	} else {
		b.WriteString("date: " + f.Date.UTC().Format(dateLayout) + "\n")
	}
	b.WriteString("thumbnail: " + yamlQuote(f.Thumbnail) + "\n")
	b.WriteString("---\n")
}

// yamlQuote returns s as a YAML double-quoted scalar that every YAML 1.1 and
// 1.2 parser reads back as s (invalid UTF-8 becomes U+FFFD). Quotes,
// backslashes and every character outside YAML's printable set, plus line
// and paragraph separators and the byte-order mark, are escaped.
func yamlQuote(s string) string {
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0x2028, r == 0x2029,
			r == 0xfeff, r == 0xfffe, r == 0xffff, r >= 0xd800 && r <= 0xdfff:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
