package export

import (
	"html"
	"regexp"
	"strings"
)

// imageTag matches the start tags whose attributes name images. Sanitised
// HTML quotes every attribute value and escapes '>' inside values.
var imageTag = regexp.MustCompile(`(?i)<(img|source|video)\b[^>]*>`)

// tagAttr matches one attribute with a quoted value inside a start tag.
var tagAttr = regexp.MustCompile(`(?i)(\s)(src|srcset|poster)(\s*=\s*)("[^"]*"|'[^']*')`)

// rewriteImages rewrites the image URLs of body through link: img src and
// srcset, source srcset (picture) and video poster. link returns the URL to
// write and whether it changed it.
func rewriteImages(body string, link func(string) string) string {
	return imageTag.ReplaceAllStringFunc(body, func(tag string) string {
		m := imageTag.FindStringSubmatch(tag)
		elem := strings.ToLower(m[1])
		return tagAttr.ReplaceAllStringFunc(tag, func(attr string) string {
			a := tagAttr.FindStringSubmatch(attr)
			name := strings.ToLower(a[2])
			switch {
			case elem == "img" && (name == "src" || name == "srcset"):
			case elem == "source" && name == "srcset":
			case elem == "video" && name == "poster":
			default:
				return attr
			}
			quoted := a[4]
			val := html.UnescapeString(quoted[1 : len(quoted)-1])
			var out string
			if name == "srcset" {
				out = rewriteSrcset(val, link)
			} else {
				out = link(strings.TrimSpace(val))
			}
			if out == val {
				return attr
			}
			return a[1] + a[2] + a[3] + `"` + html.EscapeString(out) + `"`
		})
	})
}

// rewriteSrcset rewrites each URL of a srcset value ("url 2x, url 640w").
func rewriteSrcset(v string, link func(string) string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		f[0] = link(f[0])
		parts[i] = strings.Join(f, " ")
	}
	return strings.Join(parts, ", ")
}

// preOpen and preClose find the elements whose whitespace is significant.
var (
	preOpen  = regexp.MustCompile(`(?i)<(pre|textarea|listing|xmp)\b`)
	preClose = regexp.MustCompile(`(?i)</(pre|textarea|listing|xmp)\s*>`)
)

// hexoBody makes sanitised HTML safe to embed in a Hexo post: braces become
// character references (so no Nunjucks syntax, and no {% endraw %}, survives),
// U+FFFC (Hexo's placeholder marker) becomes a reference, leading blanks of
// lines are dropped (kept as references inside <pre> and friends), trailing
// blanks are dropped outside them, and blank lines are removed, so Markdown never sees an indented code block.
func hexoBody(body string) string {
	body = strings.NewReplacer(
		"\r\n", "\n",
		"\r", "\n",
		"{", "&#123;",
		"}", "&#125;",
		"\uFFFC", "&#xFFFC;",
	).Replace(body)
	var b strings.Builder
	depth := 0
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimLeft(line, " \t")
		if depth > 0 {
			// Whitespace is content here: keep it, invisible to Markdown.
			for _, c := range line[:len(line)-len(trimmed)] {
				if c == '\t' {
					b.WriteString("&#9;")
				} else {
					b.WriteString("&#32;")
				}
			}
			if line == "" {
				b.WriteString("&#32;")
			}
			b.WriteString(trimmed)
			b.WriteByte('\n')
		} else if trimmed = strings.TrimRight(trimmed, " \t"); trimmed != "" {
			b.WriteString(trimmed)
			b.WriteByte('\n')
		}
		depth += len(preOpen.FindAllStringIndex(trimmed, -1))
		depth -= len(preClose.FindAllStringIndex(trimmed, -1))
		if depth < 0 {
			depth = 0
		}
	}
	return b.String()
}
