package extract

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// shanghai is the default zone for dates that carry none.
var shanghai = sync.OnceValue(func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
})

var (
	zhDateRe  = regexp.MustCompile(`((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?(?:\s*(?:[上下]午)?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?`)
	numDateRe = regexp.MustCompile(`(?:^|[^\d])((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:T|\s+|\s*日\s*)(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?)?(?:[^\d]|$)`)
	// usDateRe is a month-first date with a 12-hour time, "7/5/2005 9:23:57 PM":
	// the clock marks the American order (and a first number above 12 the
	// day-first one).
	usDateRe = regexp.MustCompile(`(?i)(?:^|[^\d/.])(\d{1,2})/(\d{1,2})/((?:19|20)\d\d),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])\.?m\b\.?`)
	relRe    = regexp.MustCompile(`(\d{1,3})\s*(秒|分钟|小时|天|周)前`)
	dayRe    = regexp.MustCompile(`(今天|昨天|前天)\s*(\d{1,2})[:：](\d{2})`)
	enDateRe = regexp.MustCompile(`(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+((?:19|20)\d\d)\b`)
)

var months = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}

var layouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05",
	"2006-01-02T15:04", time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST", time.RFC850, time.ANSIC, "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05Z07:00",
}

func (p *page) published() time.Time {
	if n := p.ruleNode(p.in.Rules.Date); n != nil {
		if t := p.parseDate(p.nodeValue(n)); !t.IsZero() {
			return t
		}
		if t := p.parseDate(cleanSpace(textOf(n))); !t.IsZero() {
			return t
		}
	}
	for _, v := range []string{
		p.meta.published,
		p.meta.metas["article:published_time"],
		p.meta.metas["og:article:published_time"],
		p.meta.metas["datepublished"],
	} {
		if t := p.parseDate(v); !t.IsZero() {
			return t
		}
	}
	var found time.Time
	p.doc.Find(`time[datetime]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		found = p.parseDate(s.AttrOr("datetime", ""))
		return found.IsZero()
	})
	if !found.IsZero() {
		return found
	}
	for _, k := range []string{"pubdate", "publishdate", "publish-date", "publish_date", "pub_date", "date", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published", "publication_date", "weibo: article:create_at", "og:release_date", "article:modified_time"} {
		if t := p.parseDate(p.meta.metas[k]); !t.IsZero() {
			return t
		}
	}
	// Elements whose class or id says they hold the date.
	p.doc.Find(`[class*="time"], [class*="date"], [id*="time"], [id*="date"], [class*="pub"], [class*="info"], [class*="meta"], [class*="byline"], [class*="source"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if s.Is("script, style, html, body") {
			return true
		}
		t := s.Text()
		if len(t) > 400 {
			return true
		}
		found = p.parseDate(t)
		return found.IsZero()
	})
	if !found.IsZero() {
		return found
	}
	// The page's text, links left out: a date in a link is another page's.
	return p.parseDate(truncate(blockTextOf(bodyOf(p.root), true), 20000))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// parseDate finds the first plausible date in s: a standard layout, a Chinese
// or numeric date, an English "Nov 20, 2021", or a relative date against
// FetchedAt. Dates before 1990 or more than a day after FetchedAt are refused.
func (p *page) parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if len(s) <= 40 {
		for _, l := range layouts {
			if t, err := time.ParseInLocation(l, s, p.loc); err == nil && p.plausible(t) {
				return t
			}
		}
	}
	type cand struct {
		at int
		t  time.Time
	}
	var best cand
	best.at = -1
	try := func(at int, t time.Time) {
		if p.plausible(t) && (best.at < 0 || at < best.at) {
			best = cand{at, t}
		}
	}
	if m := zhDateRe.FindStringSubmatchIndex(s); m != nil {
		try(m[0], p.mkDate(s, m, ""))
	}
	if m := numDateRe.FindStringSubmatchIndex(s); m != nil {
		zone := ""
		if m[14] >= 0 {
			zone = s[m[14]:m[15]]
		}
		try(m[0], p.mkDate(s, m, zone))
	}
	if m := usDateRe.FindStringSubmatchIndex(s); m != nil {
		if t := p.usDate(s, m); !t.IsZero() {
			try(m[0], t)
		}
	}
	if m := enDateRe.FindStringSubmatch(s); m != nil {
		var y, d int
		var mon time.Month
		if m[1] != "" {
			mon, d, y = months[strings.ToLower(m[1])], atoi(m[2]), atoi(m[3])
		} else {
			d, mon, y = atoi(m[4]), months[strings.ToLower(m[5])], atoi(m[6])
		}
		if d >= 1 && d <= 31 {
			try(strings.Index(s, m[0]), time.Date(y, mon, d, 0, 0, 0, 0, p.loc))
		}
	}
	if best.at >= 0 {
		return best.t
	}
	if !p.in.FetchedAt.IsZero() {
		now := p.in.FetchedAt.In(p.loc)
		if m := relRe.FindStringSubmatch(s); m != nil {
			n := time.Duration(atoi(m[1]))
			unit := map[string]time.Duration{"秒": time.Second, "分钟": time.Minute, "小时": time.Hour, "天": 24 * time.Hour, "周": 7 * 24 * time.Hour}[m[2]]
			return now.Add(-n * unit)
		}
		if m := dayRe.FindStringSubmatch(s); m != nil {
			back := map[string]int{"今天": 0, "昨天": 1, "前天": 2}[m[1]]
			h, mi := atoi(m[2]), atoi(m[3])
			if h < 24 && mi < 60 {
				d := now.AddDate(0, 0, -back)
				return time.Date(d.Year(), d.Month(), d.Day(), h, mi, 0, 0, p.loc)
			}
		}
	}
	return time.Time{}
}

// mkDate builds a time from submatches 1-6 (Y M D h m s) of m.
func (p *page) mkDate(s string, m []int, zone string) time.Time {
	g := func(i int) int {
		if m[2*i] < 0 {
			return 0
		}
		return atoi(s[m[2*i]:m[2*i+1]])
	}
	y, mo, d, h, mi, sec := g(1), g(2), g(3), g(4), g(5), g(6)
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}
	}
	loc := p.loc
	if zone != "" {
		if zone == "Z" {
			loc = time.UTC
		} else {
			z := strings.ReplaceAll(zone, ":", "")
			off := atoi(z[1:3])*3600 + atoi(z[3:5])*60
			if z[0] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc)
	if t.Day() != d {
		return time.Time{} // 31 February and friends
	}
	return t
}

// usDate builds a time from a usDateRe match.
func (p *page) usDate(s string, m []int) time.Time {
	g := func(i int) string { return s[m[2*i]:m[2*i+1]] }
	mo, d, y, h, mi := atoi(g(1)), atoi(g(2)), atoi(g(3)), atoi(g(4)), atoi(g(5))
	sec := 0
	if m[12] >= 0 {
		sec = atoi(g(6))
	}
	if mo > 12 && d <= 12 {
		mo, d = d, mo
	}
	if h < 1 || h > 12 {
		return time.Time{}
	}
	h %= 12
	if g(7) == "p" || g(7) == "P" {
		h += 12
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || mi > 59 || sec > 59 {
		return time.Time{}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, p.loc)
	if t.Day() != d {
		return time.Time{}
	}
	return t
}

func (p *page) plausible(t time.Time) bool {
	if t.IsZero() || t.Year() < 1990 {
		return false
	}
	if !p.in.FetchedAt.IsZero() && t.After(p.in.FetchedAt.Add(24*time.Hour)) {
		return false
	}
	return true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
