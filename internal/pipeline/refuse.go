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
//
// A title counts only when it starts with the error (so "Missing hiker not
// found after three days" is news); the body text and the raw page count
// only when there is almost no article text, since real article pages
// carry reCAPTCHA comment forms and mention errors too.
const (
	softNotFoundMaxRunes = 500  // article text of a page whose title is an error
	challengeMaxRunes    = 1000 // article text of a page whose title is a challenge
	tinyRunes            = 200  // article text of a page judged by its text and markup
	shellMaxRunes        = 500  // visible text of a whole page that is an empty shell
	formPageMaxRunes     = 200  // visible text of a whole page with a form and scripts
	markerScanBytes      = 256 << 10
)

var (
	// notFoundRE matches the opening text of an error page served with
	// 200. "Deleted" and "does not exist" phrasings are left to the title
	// (notFoundTitleRE): news reports them too.
	notFoundRE = regexp.MustCompile(`(?i)^\s*(error\s*)?404\s*$|(^|[^0-9])404([^0-9]|$).{0,24}(error|not found|page|错误|页面)|(error|错误)\s*404|not found|page (does not|doesn't|no longer) exists?|no longer available|页面不存在|您访问的页面不存在|页面未找到|找不到(该|此|您要的|您访问的)?页面`)
	// notFoundTitleRE matches a title that starts with an error.
	notFoundTitleRE = regexp.MustCompile(`(?i)^\s*((error\s*)?404([^0-9]|$)|(page\s+)?not found|page (does not|doesn't|no longer) exists?|no longer available|(抱歉[，,]?\s*)?(您访问的)?页面(不存在|未找到)|找不到.{0,6}页面|(文章|内容)不存在|(文章|内容|页面)已(被)?删除)`)
	// challengeTitleRE matches a title that is a challenge.
	challengeTitleRE = regexp.MustCompile(`(?i)^\s*(just a moment|attention required|access denied|verify (that )?you are (a )?human|are you a robot|checking your browser|安全验证|访问验证|人机验证|滑动验证)`)
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
	if strings.TrimSpace(title) == "" && n < tinyRunes {
		// A maintenance notice or an empty shell: an article has a title
		// or, at the least, real text.
		return "no title and almost no text: not an article page"
	}
	head := firstRunes(text, 200)
	if n < softNotFoundMaxRunes && notFoundTitleRE.MatchString(title) ||
		n < tinyRunes && notFoundRE.MatchString(head) {
		return "soft 404: the page says it was not found"
	}
	if n < challengeMaxRunes && challengeTitleRE.MatchString(title) ||
		n < tinyRunes && challengeTextRE.MatchString(head) {
		return "challenge page: a WAF, captcha or bot check, not the article"
	}
	if n >= tinyRunes {
		return ""
	}
	scan := bytes.ToLower(raw[:min(len(raw), markerScanBytes)])
	if visibleRunes(raw, shellMaxRunes) < shellMaxRunes {
		for _, m := range challengeMarkers {
			if bytes.Contains(scan, m) {
				return fmt.Sprintf("challenge page (%s): a WAF, captcha or bot check, not the article", m)
			}
		}
	}
	if bytes.Contains(scan, []byte("<form")) && bytes.Contains(scan, []byte("<script")) &&
		visibleRunes(raw, formPageMaxRunes) < formPageMaxRunes {
		return "challenge page: almost no text, a form and scripts"
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
