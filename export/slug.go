package export

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSlugBytes bounds a slug's length in bytes; file names stay well under
// every filesystem's 255-byte limit once suffixes are added.
const maxSlugBytes = 80

// Slug turns a title into a file-name stem: lower-case, Unicode letters,
// digits and combining marks kept (so Chinese titles stay readable), every
// other run of characters replaced by one '-', trimmed of '-' at both ends
// and cut to at most 80 bytes on a rune boundary. It returns "" when nothing
// usable is left or the result is a name Windows reserves (CON, NUL, COM1,
// ...); callers then use the article's short ID. A non-empty result is always
// a single path element safe on every common filesystem.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || (unicode.IsMark(r) && b.Len() > 0 && !dash)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) > maxSlugBytes {
		cut := maxSlugBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	s = strings.Trim(s, "-")
	if s == "" || reservedName(s) {
		return ""
	}
	return s
}

// reservedName reports whether s is a device name Windows reserves, with or
// without an extension.
func reservedName(s string) bool {
	base := strings.ToUpper(s)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		c := base[3]
		return c >= '0' && c <= '9'
	}
	if strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT") {
		// COM¹, COM², COM³ and the LPT forms are reserved too.
		switch base[3:] {
		case "¹", "²", "³":
			return true
		}
	}
	return false
}

// safeElement reports whether name is a single, ordinary, visible path
// element: what generated post and image names must be.
func safeElement(name string) bool {
	return plainElement(name) && !strings.HasPrefix(name, ".")
}

// plainElement reports whether name is a single path element that cannot
// climb out of its directory.
func plainElement(name string) bool {
	if name == "" || name == "." || name == ".." {
		return false
	}
	if strings.ContainsAny(name, "/\\:\x00") {
		return false
	}
	return utf8.ValidString(name)
}
