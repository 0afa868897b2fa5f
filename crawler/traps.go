package crawler

import (
	"net/url"
	"strings"
	"sync"
)

// Spider-trap limits for discovered URLs; doc.go explains each.
const (
	// MaxURLBytes is the longest discovered URL the crawler follows.
	MaxURLBytes = 2048
	// MaxQueryVariants is how many distinct query strings of one path
	// (scheme, host and path) a run follows; calendars, faceted search and
	// endless ?page=N links stop there.
	MaxQueryVariants = 50
	// pathRepeats is how many times in a row a run of path segments may
	// appear before the URL is taken for a relative-link loop
	// (/a/b/a/b/a/b has "a/b" three times).
	pathRepeats = 3
)

// sessionParams are query parameters that carry a session id: a URL that
// has one is a different URL for every visitor and every run.
var sessionParams = map[string]bool{
	"jsessionid": true, "phpsessid": true, "sessionid": true, "session_id": true,
	"sessid": true, "aspsessionid": true, "cfid": true, "cftoken": true, "sid": true,
}

type trapLimits struct {
	maxURLBytes, maxQueryVariants int
}

func (t *trapLimits) fill() {
	if t.maxURLBytes == 0 {
		t.maxURLBytes = MaxURLBytes
	}
	if t.maxQueryVariants == 0 {
		t.maxQueryVariants = MaxQueryVariants
	}
}

// trapGuard judges discovered URLs for one run.
type trapGuard struct {
	lim trapLimits

	mu       sync.Mutex
	variants map[string]map[string]bool // scheme://host/path -> queries seen
}

func newTrapGuard(lim trapLimits) *trapGuard {
	return &trapGuard{lim: lim, variants: map[string]map[string]bool{}}
}

// check returns why u looks like a spider trap, or "" when it does not.
// An accepted URL with a query counts towards its path's variations.
func (g *trapGuard) check(u string) string {
	if len(u) > g.lim.maxURLBytes {
		return "url longer than the limit"
	}
	pu, err := url.Parse(u)
	if err != nil {
		return "unparsable url"
	}
	if strings.Contains(strings.ToLower(pu.Path), ";jsessionid=") {
		return "session id in the path"
	}
	if repeatingSegments(pu.Path, pathRepeats) {
		return "repeating path segments"
	}
	for name, vals := range pu.Query() {
		n := strings.ToLower(name)
		if !sessionParams[n] && !strings.HasPrefix(n, "aspsessionid") {
			continue
		}
		// "sid" is also a story id on some sites: only a long token is a
		// session.
		if n == "sid" && !(len(vals) > 0 && len(vals[0]) >= 16) {
			continue
		}
		return "session id parameter " + name
	}
	if pu.RawQuery == "" {
		return ""
	}
	key := pu.Scheme + "://" + strings.ToLower(pu.Host) + pu.EscapedPath()
	g.mu.Lock()
	defer g.mu.Unlock()
	seen := g.variants[key]
	if seen == nil {
		seen = map[string]bool{}
		g.variants[key] = seen
	}
	if !seen[pu.RawQuery] {
		if len(seen) >= g.lim.maxQueryVariants {
			return "too many query variations of one path"
		}
		seen[pu.RawQuery] = true
	}
	return ""
}

// repeatingSegments tells whether some run of path segments appears times
// times in a row.
func repeatingSegments(path string, times int) bool {
	var segs []string
	for s := range strings.SplitSeq(path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	for k := 1; k*times <= len(segs); k++ {
	start:
		for i := 0; i+k*times <= len(segs); i++ {
			for r := 1; r < times; r++ {
				for j := range k {
					if segs[i+j] != segs[i+r*k+j] {
						continue start
					}
				}
			}
			return true
		}
	}
	return false
}
