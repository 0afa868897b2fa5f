package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrRefused marks a page answered with 2xx that is not an article: a
// soft 404, or a WAF, captcha or bot-challenge page. It is never archived
// as a version; the crawler logs and counts it as an error.
var ErrRefused = errors.New("not an article page")

// Thresholds of "little text". A real article that merely mentions "404"
// or a captcha is longer than these.
const (
	softNotFoundMaxRunes = 500  // article text of a soft 404
	challengeMaxRunes    = 1000 // article text of a page with challenge markers
	formPageMaxRunes     = 200  // visible text of a whole page with a form and scripts
	markerScanBytes      = 256 << 10
)

var (
	// notFoundRE matches the title or opening text of an error page
	// served with 200.
	notFoundRE = regexp.MustCompile(`(?i)^\s*(error\s*)?404\s*$|(^|[^0-9])404([^0-9]|$).{0,24}(error|not found|page|错误|页面)|(error|错误)\s*404|not found|page (does not|doesn't|no longer) exists?|no longer available|页面不存在|您访问的页面不存在|页面未找到|找不到(该|此|您要的|您访问的)?页面|文章不存在|内容不存在|(文章|内容|页面)已(被)?删除`)
	// challengeTextRE matches the title or text of a WAF, captcha or
	// bot-challenge page.
	challengeTextRE = regexp.MustCompile(`(?i)just a moment\.\.\.|attention required|verify (that )?you are (a )?human|are you a robot|checking your browser|^\s*access denied|滑动验证|安全验证|人机验证|访问验证|请完成验证|请输入验证码|拖动滑块`)
	// challengeMarkers are strings in the raw page of a challenge.
	challengeMarkers = [][]byte{
		[]byte("cf-challenge"), []byte("cf_chl_"), []byte("challenges.cloudflare.com"),
		[]byte("/cdn-cgi/challenge-platform"), []byte("g-recaptcha"), []byte("h-captcha"),
		[]byte("hcaptcha.com"), []byte("geetest"), []byte("nocaptcha"), []byte("captcha-container"),
		[]byte("_waf_"), []byte("waf_captcha"),
	}
)

// refusal tells why a fetched 2xx HTML page is not to be archived as an
// article version, or "" when it may be. title and text are what
// extraction found (the article's title and body text), raw the page as
// served.
func refusal(title, text string, raw []byte) string {
	n := utf8.RuneCountInString(strings.TrimSpace(text))
	head := firstRunes(text, 200)
	if n < softNotFoundMaxRunes && (notFoundRE.MatchString(title) || notFoundRE.MatchString(head)) {
		return "soft 404: the page says it was not found"
	}
	if n < challengeMaxRunes {
		if challengeTextRE.MatchString(title) || challengeTextRE.MatchString(head) {
			return "challenge page: a WAF, captcha or bot check, not the article"
		}
		scan := bytes.ToLower(raw[:min(len(raw), markerScanBytes)])
		for _, m := range challengeMarkers {
			if bytes.Contains(scan, m) {
				return fmt.Sprintf("challenge page (%s): a WAF, captcha or bot check, not the article", m)
			}
		}
		if bytes.Contains(scan, []byte("<form")) && bytes.Contains(scan, []byte("<script")) &&
			visibleRunes(raw, formPageMaxRunes) < formPageMaxRunes {
			return "challenge page: almost no text, a form and scripts"
		}
	}
	return ""
}

// firstRunes returns the first n runes of s.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// visibleRunes counts the non-space characters of a page's text outside
// scripts, styles, templates and tags, stopping at limit: a rough count,
// enough to tell an empty shell from a page. Bytes of a legacy charset
// count one each.
func visibleRunes(raw []byte, limit int) int {
	text := hiddenRE.ReplaceAll(raw, nil)
	text = tagRE.ReplaceAll(text, []byte(" "))
	n := 0
	for _, r := range string(text) {
		if !unicode.IsSpace(r) {
			n++
			if n >= limit {
				break
			}
		}
	}
	return n
}

var (
	hiddenRE = regexp.MustCompile(`(?is)<(script|style|noscript|template|title)\b.*?</(script|style|noscript|template|title)\s*>|<!--.*?-->`)
	tagRE    = regexp.MustCompile(`(?s)<[^>]*>`)
)
