package main

import (
	"regexp"
	"strings"
	"unicode"
)

// The metric of the corpus's score.py (itself the Article Extraction
// Benchmark's evaluate.py), re-implemented.

// isWord is Python's Unicode \w: letters, numbers and the underscore
// (combining marks are not word characters).
func isWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isCJK is score.py's _CJK_CHAR class.
func isCJK(r rune) bool {
	return (r >= 0x3040 && r <= 0x30ff) || (r >= 0x3400 && r <= 0x4dbf) || (r >= 0x4e00 && r <= 0x9fff) ||
		(r >= 0xf900 && r <= 0xfaff) || (r >= 0xac00 && r <= 0xd7af)
}

// tokenizeAEB is re.findall(r'\w+', text).
func tokenizeAEB(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		if isWord(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			out = append(out, s[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// tokenizeCJK is score.py's --cjk-chars tokenizer: every CJK character a
// token, other word characters in \w+ runs.
func tokenizeCJK(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		switch {
		case isCJK(r):
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, string(r))
		case isWord(r):
			if start < 0 {
				start = i
			}
		default:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// shingles counts the n-grams of tokens; fewer than n tokens make one
// shorter shingle, none make none.
func shingles(tokens []string, n int) map[string]int {
	m := map[string]int{}
	if len(tokens) == 0 {
		return m
	}
	for i := 0; i < max(1, len(tokens)-n+1); i++ {
		m[strings.Join(tokens[i:min(i+n, len(tokens))], "\x00")]++
	}
	return m
}

type metrics struct{ f1, precision, recall float64 }

func bodyMetrics(pairs [][2]string, tok func(string) []string) metrics {
	var ps, rs []float64
	for _, pr := range pairs {
		ts, pss := shingles(tok(pr[0]), 4), shingles(tok(pr[1]), 4)
		var tp, fp, fn float64
		for k, t := range ts {
			p := pss[k]
			tp += float64(min(t, p))
			fn += float64(max(0, t-p))
		}
		for k, p := range pss {
			fp += float64(max(0, p-ts[k]))
		}
		if s := tp + fp + fn; s > 0 {
			tp, fp, fn = tp/s, fp/s, fn/s
		}
		if tp+fp > 0 {
			ps = append(ps, precision(tp, fp, fn))
		}
		if tp+fn > 0 {
			rs = append(rs, recall(tp, fp, fn))
		}
	}
	m := metrics{precision: mean(ps), recall: mean(rs)}
	if m.precision+m.recall > 0 {
		m.f1 = 2 * m.precision * m.recall / (m.precision + m.recall)
	}
	return m
}

func precision(tp, fp, fn float64) float64 {
	if fp == 0 && fn == 0 {
		return 1
	}
	if tp == 0 && fp == 0 {
		return 0
	}
	return tp / (tp + fp)
}

func recall(tp, fp, fn float64) float64 {
	if fp == 0 && fn == 0 {
		return 1
	}
	if tp == 0 && fn == 0 {
		return 0
	}
	return tp / (tp + fn)
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// pySpace is Python's str.isspace set, which its Unicode \s matches.
const pySpace = `\t\n\v\f\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

var (
	authorSplitRe = regexp.MustCompile(`(?i)[` + pySpace + `,，、;；/|&]+|[` + pySpace + `]+and[` + pySpace + `]+`)
	authorNoiseRe = regexp.MustCompile(`(?i)(?:责任编辑|作者|记者|编辑|责编|来源|通讯员|撰文)[` + pySpace + `]*[:：]?|(?:^|[` + pySpace + `])(?:文|图|by)[` + pySpace + `]*[:：/]`)
	dateRe        = regexp.MustCompile(`((?:19|20)\d\d)(?:\D{1,3}(\d{1,2}))?(?:\D{1,3}(\d{1,2}))?`)
)

func authorSet(s string) map[string]bool {
	s = authorNoiseRe.ReplaceAllString(s, " ")
	out := map[string]bool{}
	for _, a := range authorSplitRe.Split(s, -1) {
		a = strings.ToLower(strings.Trim(a, pySpaceChars))
		if a != "" && a != "and" && a != "by" && a != "和" && a != "与" {
			out[a] = true
		}
	}
	return out
}

const pySpaceChars = "\t\n\v\f\r\x1c\x1d\x1e\x1f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

// authorExact is score.py's author "exact": the name sets, noise words
// removed, are equal. score.py counts the pages whose prediction has an author
// key; every prediction here has one, so every page with a true author counts.
func authorExact(pairs [][2]string) (float64, int) {
	ok := 0
	for _, p := range pairs {
		t, q := authorSet(p[0]), authorSet(p[1])
		if len(t) == len(q) {
			same := true
			for k := range t {
				if !q[k] {
					same = false
					break
				}
			}
			if same {
				ok++
			}
		}
	}
	return float64(ok) / float64(len(pairs)), len(pairs)
}

func dateParts(s string) []int {
	m := dateRe.FindStringSubmatch(s)
	if m == nil {
		return nil
	}
	var out []int
	for _, g := range m[1:] {
		if g != "" {
			n := 0
			for _, c := range g {
				n = n*10 + int(c-'0')
			}
			out = append(out, n)
		}
	}
	return out
}

// dateAccuracy compares the components the truth gives (Y, Y-M or Y-M-D);
// a missing prediction is wrong.
func dateAccuracy(pairs [][2]string) (float64, int) {
	ok, n := 0, 0
	for _, p := range pairs {
		t := dateParts(p[0])
		if t == nil {
			continue
		}
		n++
		q := dateParts(p[1])
		if len(q) >= len(t) {
			same := true
			for i := range t {
				if q[i] != t[i] {
					same = false
				}
			}
			if same {
				ok++
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(ok) / float64(n), n
}
