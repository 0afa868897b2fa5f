package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// source returns a config with one valid source whose extra keys (indented
// under the source) start on line 4.
func source(lines ...string) string {
	var b strings.Builder
	b.WriteString("sources:\n  - name: s\n    feeds: [\"https://example.org/rss\"]\n")
	for _, l := range lines {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // exact prefix of the message
	}{
		// syntax and structure
		{"syntax", "archive: [a, b\n", `c.yaml:1: invalid YAML: sequence end token ']' not found`},
		{"duplicate key", "timeout: 1s\ntimeout: 2s\n", `c.yaml:2: invalid YAML: mapping key "timeout" already defined at [1:1]`},
		{"tab indent", "per_host:\n\tdelay: 1s\n", `c.yaml:2: invalid YAML:`},
		{"two documents", "timeout: 1s\n---\ntimeout: 2s\n", `c.yaml:3: only one YAML document is allowed`},
		{"unquoted descriptor", source("schedule: @hourly"), `c.yaml:4: invalid YAML: '@' is a reserved character (quote the value)`},
		{"top level list", "- a\n- b\n", `c.yaml:1: must be a mapping, not a list`},
		{"top level scalar", "hello\n", `c.yaml:1: must be a mapping, not a string`},

		// unknown keys
		{"unknown top key typo", "timeout: 1s\narchiv: x.db\n", `c.yaml:2: archiv: unknown key (did you mean "archive"?)`},
		{"unknown top key", "colour: red\n", `c.yaml:1: colour: unknown key (known keys: archive, user_agent, concurrency,`},
		{"unknown kebab key", "user-agent: x\n", `c.yaml:1: user-agent: unknown key (did you mean "user_agent"?)`},
		{"unknown per_host key", "per_host:\n  parallelism: 1\n  dealy: 1s\n", `c.yaml:3: per_host.dealy: unknown key (did you mean "delay"?)`},
		{"unknown source key", source("articel: {title: h1}"), `c.yaml:4: sources[0].articel: unknown key (did you mean "article"?)`},
		{"unknown article key", source("article:", "  title: h1", "  tags: .tags"), `c.yaml:6: sources[0].article.tags: unknown key`},
		{"unknown listing key", source("listings:", "  - url: https://example.org/l", "    page: 2"), `c.yaml:6: sources[0].listings[0].page: unknown key`},
		{"unknown recheck key", source("recheck: {after: 1h, every: 2h}"), `c.yaml:4: sources[0].recheck.every: unknown key`},
		{"unknown export key", "export:\n  hexoo: {out: x}\n", `c.yaml:2: export.hexoo: unknown key (did you mean "hexo"?)`},
		{"unknown hugo key", "export:\n  hugo:\n    dir: x\n", `c.yaml:3: export.hugo.dir: unknown key`},
		{"unknown json key", "export:\n  json: {out: x, pretty: true}\n", `c.yaml:2: export.json.pretty: unknown key`},
		{"unknown warc key", "export:\n  warc:\n    gzip: false\n", `c.yaml:3: export.warc.gzip: unknown key`},
		{"unknown hexo key", "export:\n  hexo:\n    dir: x\n", `c.yaml:3: export.hexo.dir: unknown key`},

		// wrong YAML types
		{"list is a string", source("categories: News"), `c.yaml:4: sources[0].categories: must be a list of strings, not a string`},
		{"feeds is a string", "sources:\n  - name: s\n    feeds: https://example.org/rss\n", `c.yaml:3: sources[0].feeds: must be a list of strings, not a string`},
		{"list item is a mapping", source("categories:", "  - News", "  - {a: b}"), `c.yaml:6: sources[0].categories[1]: must be a string, not a mapping`},
		{"list item is null", source("categories: [News, ~]"), `c.yaml:4: sources[0].categories[1]: must not be empty`},
		{"sources is a mapping", "sources:\n  name: s\n", `c.yaml:1: sources: must be a list of sources, not a mapping`},
		{"source is a string", "sources:\n  - zaker\n", `c.yaml:2: sources[0]: must be a mapping, not a string`},
		{"per_host is a number", "per_host: 5\n", `c.yaml:1: per_host: must be a mapping, not a number`},
		{"concurrency is a string", "concurrency: eight\n", `c.yaml:1: concurrency: must be an integer, not a string`},
		{"concurrency is a float", "concurrency: 2.5\n", `c.yaml:1: concurrency: must be an integer, not a number`},
		{"bool is a string", "respect_robots: \"yes\"\n", `c.yaml:1: respect_robots: must be true or false, not a string`},
		{"string is a list", "user_agent: [a]\n", `c.yaml:1: user_agent: must be a string, not a list`},
		{"listings is a mapping", source("listings: {url: https://example.org/}"), `c.yaml:4: sources[0].listings: must be a list of listings, not a mapping`},
		{"listing is a string", source("listings: [https://example.org/]"), `c.yaml:4: sources[0].listings[0]: must be a mapping, not a string`},
		{"article is a list", source("article: [h1]"), `c.yaml:4: sources[0].article: must be a mapping, not a list`},
		{"duration is a list", "timeout: [1s]\n", `c.yaml:1: timeout: must be a duration, not a list`},

		// durations
		{"bad duration unit", "timeout: 30x\n", `c.yaml:1: timeout: invalid duration "30x": unknown unit "x"`},
		{"bad duration days word", source("recheck:", "  after: 1h", "  max_interval: 7days"), `c.yaml:6: sources[0].recheck.max_interval: invalid duration "7days": unknown unit "days"`},
		{"duration without unit", "lock_timeout: 5\n", `c.yaml:1: lock_timeout: invalid duration "5": missing unit after 5`},
		{"negative duration", "per_host: {parallelism: 2, delay: -1s}\n", `c.yaml:1: per_host.delay: invalid duration "-1s": duration must not be negative`},
		{"zero timeout", "timeout: 0s\n", `c.yaml:1: timeout: must be more than 0`},
		{"zero lock timeout", "lock_timeout: 0\n", `c.yaml:1: lock_timeout: must be more than 0`},
		{"overflowing duration", "timeout: 1000000000w\n", `c.yaml:1: timeout: invalid duration "1000000000w": bad number`},
		{"recheck interval shorter", source("recheck: {after: 2d, max_interval: 1d}"), `c.yaml:4: sources[0].recheck.max_interval: must not be shorter than recheck.after (48h0m0s)`},

		// sizes
		{"bad size unit", "max_page_bytes: 10MegaBytes\n", `c.yaml:1: max_page_bytes: invalid size "10MegaBytes": unknown unit "MegaBytes"`},
		{"size without number", "max_asset_bytes: MiB\n", `c.yaml:1: max_asset_bytes: invalid size "MiB": expected a number`},
		{"zero size", "max_asset_bytes: 0\n", `c.yaml:1: max_asset_bytes: must be more than 0 bytes`},
		{"huge size", "max_page_bytes: 100000000TiB\n", `c.yaml:1: max_page_bytes: invalid size "100000000TiB": size out of range`},

		// URLs
		{"relative feed", "sources:\n  - name: s\n    feeds:\n      - https://example.org/ok\n      - /rss.xml\n", `c.yaml:5: sources[0].feeds[1]: invalid URL "/rss.xml": must be an absolute http or https URL`},
		{"ftp sitemap", source("sitemaps: [\"ftp://example.org/sitemap.xml\"]"), `c.yaml:4: sources[0].sitemaps[0]: invalid URL "ftp://example.org/sitemap.xml": must be an absolute http or https URL`},
		{"unparsable url", source("sitemaps: [\"http://exa mple.org/%zz\"]"), `c.yaml:4: sources[0].sitemaps[0]: invalid URL "http://exa mple.org/%zz":`},
		{"listing url without host", source("listings:", "  - url: \"https:///channel\""), `c.yaml:5: sources[0].listings[0].url: invalid URL "https:///channel": must be an absolute http or https URL`},
		{"listing without url", source("listings:", "  - links: a", "    next: a.next"), `c.yaml:5: sources[0].listings[0].url: required`},

		// CSS selectors
		{"bad links selector", source("listings:", "  - url: https://example.org/l", "    links: \"a[\""), `c.yaml:6: sources[0].listings[0].links: invalid CSS selector "a["`},
		{"bad next selector", source("listings:", "  - url: https://example.org/l", "    next: \"a..next\""), `c.yaml:6: sources[0].listings[0].next: invalid CSS selector "a..next"`},
		{"bad title selector", source("article:", "  title: \"h1 >\""), `c.yaml:5: sources[0].article.title: invalid CSS selector "h1 >"`},
		{"bad body selector", source("article: {body: \"div:nope\"}"), `c.yaml:4: sources[0].article.body: invalid CSS selector "div:nope"`},
		{"bad author selector", source("article:", "  author: \"#\""), `c.yaml:5: sources[0].article.author: invalid CSS selector "#"`},
		{"bad date selector", source("article:", "  date: \"[x=\""), `c.yaml:5: sources[0].article.date: invalid CSS selector "[x="`},
		{"bad remove selector", source("article:", "  remove:", "    - .ad", "    - \".share,\""), `c.yaml:7: sources[0].article.remove[1]: invalid CSS selector ".share,"`},

		// regexp
		{"bad regexp", source("article:", "  match: \"/article/(\""), "c.yaml:5: sources[0].article.match: invalid regexp \"/article/(\": missing closing ): `/article/(`"},
		{"bad regexp repeat", source("article: {match: \"*x\"}"), "c.yaml:4: sources[0].article.match: invalid regexp \"*x\": missing argument to repetition operator: `*`"},

		// cron
		{"cron four fields", source("schedule: \"*/30 * * *\""), `c.yaml:4: sources[0].schedule: invalid cron expression "*/30 * * *": expected exactly 5 fields, found 4`},
		{"cron six fields", source("schedule: \"0 */30 * * * *\""), `c.yaml:4: sources[0].schedule: invalid cron expression "0 */30 * * * *": expected exactly 5 fields, found 6`},
		{"cron out of range", source("schedule: \"61 * * * *\""), `c.yaml:4: sources[0].schedule: invalid cron expression "61 * * * *": end of range (61) above maximum (59)`},
		{"cron bad descriptor", source("schedule: \"@sometimes\""), `c.yaml:4: sources[0].schedule: invalid cron expression "@sometimes": unrecognized descriptor`},
		{"cron every 0s", source("schedule: \"@every 0s\""), `c.yaml:4: sources[0].schedule: invalid cron expression "@every 0s": runs every 0s: the shortest interval is 1s`},
		{"cron never fires", source("schedule: \"0 0 31 2 *\""), `c.yaml:4: sources[0].schedule: invalid cron expression "0 0 31 2 *": never runs: no such date`},
		{"cron tz prefix", source("schedule: \"TZ=Europe/Paris\""), `c.yaml:4: sources[0].schedule: invalid cron expression "TZ=Europe/Paris": set the source's timezone instead`},

		// timezones
		{"unknown timezone", source("timezone: Mars/Olympus"), `c.yaml:4: sources[0].timezone: unknown time zone "Mars/Olympus"`},
		{"local timezone", source("timezone: Local"), `c.yaml:4: sources[0].timezone: unknown time zone "Local"`},

		// names
		{"duplicate names", "sources:\n  - name: a\n    feeds: [\"https://example.org/rss\"]\n  - feeds: [\"https://example.org/rss2\"]\n    name: a\n", `c.yaml:5: sources[1].name: duplicate source name "a" (first at line 2)`},
		{"missing name", "sources:\n  - feeds: [\"https://example.org/rss\"]\n    author: x\n", `c.yaml:2: sources[0].name: required`},
		{"empty name", "sources:\n  - feeds: [\"https://example.org/rss\"]\n    name: \"\"\n", `c.yaml:3: sources[0].name: required`},
		{"name with space", "sources:\n  - name: my source\n    feeds: [\"https://example.org/rss\"]\n", `c.yaml:2: sources[0].name: invalid name "my source": use only letters, digits, - and _`},
		{"name with slash", "sources:\n  - name: ../x\n    feeds: [\"https://example.org/rss\"]\n", `c.yaml:2: sources[0].name: invalid name "../x"`},

		// numbers
		{"zero concurrency", "concurrency: 0\n", `c.yaml:1: concurrency: must be at least 1, got 0`},
		{"negative parallelism", "per_host:\n  parallelism: -1\n", `c.yaml:2: per_host.parallelism: must be at least 1, got -1`},
		{"huge concurrency", "concurrency: 99999999999\n", `c.yaml:1: concurrency: 99999999999 is out of range`},
		{"negative max_pages", source("listings:", "  - url: https://example.org/l", "    max_pages: -2"), `c.yaml:6: sources[0].listings[0].max_pages: must not be negative`},

		// strings
		{"empty archive", "archive: \"\"\n", `c.yaml:1: archive: must not be empty`},
		{"empty user agent", "user_agent: \" \"\n", `c.yaml:1: user_agent: must not be empty`},
		{"empty hexo out", "export: {hexo: {out: \"\"}}\n", `c.yaml:1: export.hexo.out: must not be empty`},
		{"empty warc out", "export: {warc: {out: \"\"}}\n", `c.yaml:1: export.warc.out: must not be empty`},
		{"bad hugo images", "export:\n  hugo:\n    images: cdn\n", `c.yaml:3: export.hugo.images: must be remote, local or a template containing {url}, not "cdn"`},
		{"bad hexo date", "export:\n  hexo:\n    date: iso\n", `c.yaml:3: export.hexo.date: must be rfc1123 or local, not "iso"`},
		{"bad hexo timezone", "export:\n  hexo:\n    timezone: Mars/Olympus\n", `c.yaml:3: export.hexo.timezone: unknown time zone "Mars/Olympus" (want an IANA name such as Asia/Shanghai)`},
		{"bad hexo categories", "export:\n  hexo:\n    categories: tree\n", `c.yaml:3: export.hexo.categories: must be hierarchy or siblings, not "tree"`},
		{"bad images", "export:\n  hexo:\n    out: x\n    images: cdn\n", `c.yaml:4: export.hexo.images: must be remote, local or a template containing {url}, not "cdn"`},

		// sources
		{"source without discovery", "sources:\n  - name: s\n    author: x\n", `c.yaml:2: sources[0]: source needs at least one of feeds, sitemaps or listings`},
		{"source with empty lists", "sources:\n  - name: s\n    feeds: []\n    sitemaps: []\n", `c.yaml:2: sources[0]: source needs at least one of feeds, sitemaps or listings`},
		{"second source flow", "sources:\n  - name: a\n    feeds: [\"https://example.org/rss\"]\n  - {name: b}\n", `c.yaml:4: sources[1]: source needs at least one of feeds, sitemaps or listings`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.src), "c.yaml")
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error %q", c, tt.want)
			}
			if c != nil {
				t.Errorf("Parse returned a config with its error")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			if !strings.HasPrefix(ce.Error(), tt.want) {
				t.Errorf("error =\n  %s\nwant prefix\n  %s", ce.Error(), tt.want)
			}
			if n := len(asErrors(err)); n != 1 {
				t.Errorf("got %d errors, want 1:\n%v", n, err)
			}
			if ce.File != "c.yaml" || ce.Line < 1 {
				t.Errorf("File, Line = %q, %d", ce.File, ce.Line)
			}
		})
	}
}

func TestErrorList(t *testing.T) {
	src := `concurrency: 0
sources:
  - name: a b
    feeds: [ftp://x]
    article: {match: "("}
timeout: 1x
`
	_, err := Parse(strings.NewReader(src), "c.yaml")
	var l ErrorList
	if !errors.As(err, &l) {
		t.Fatalf("err = %T %v, want ErrorList", err, err)
	}
	want := []string{
		"c.yaml:1: concurrency: must be at least 1",
		"c.yaml:3: sources[0].name: invalid name",
		"c.yaml:4: sources[0].feeds[0]: invalid URL",
		"c.yaml:5: sources[0].article.match: invalid regexp",
		"c.yaml:6: timeout: invalid duration",
	}
	if len(l) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(l), len(want), err)
	}
	lines := strings.Split(err.Error(), "\n")
	for i, w := range want {
		if !strings.HasPrefix(l[i].Error(), w) || lines[i] != l[i].Error() {
			t.Errorf("error %d = %q, want prefix %q", i, l[i], w)
		}
	}
	var first *Error
	if !errors.As(err, &first) || first != l[0] {
		t.Errorf("errors.As(*Error) = %v, want the first error", first)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "c.yaml", Line: 3, Key: "sources[0].name", Msg: "required"}, "c.yaml:3: sources[0].name: required"},
		{Error{File: "c.yaml", Line: 3, Msg: "invalid YAML: x"}, "c.yaml:3: invalid YAML: x"},
		{Error{File: "c.yaml", Key: "sources", Msg: "no sources configured"}, "c.yaml: sources: no sources configured"},
		{Error{Line: 1, Key: "timeout", Msg: "m"}, "config:1: timeout: m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	_, err := Parse(strings.NewReader("timeout: x\n"), "")
	if err == nil || !strings.HasPrefix(err.Error(), "config:1: timeout: invalid duration") {
		t.Errorf("nameless error = %v", err)
	}
}

// asErrors returns the problems in an error from Parse.
func asErrors(err error) []*Error {
	var l ErrorList
	if errors.As(err, &l) {
		return l
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

func TestMergeBomb(t *testing.T) {
	for _, shape := range []struct{ levels, fanout int }{{20, 4}, {8, 8}, {4, 40}} {
		var b strings.Builder
		b.WriteString("x-0: &a0 {parallelism: 1, delay: 1s}\n")
		for i := 1; i <= shape.levels; i++ {
			fmt.Fprintf(&b, "x-%d: &a%d {<<: [*a%d", i, i, i-1)
			for range shape.fanout - 1 {
				fmt.Fprintf(&b, ", *a%d", i-1)
			}
			b.WriteString("]}\n")
		}
		fmt.Fprintf(&b, "per_host: {<<: *a%d}\n", shape.levels)
		done := make(chan error, 1)
		go func() {
			_, err := Parse(strings.NewReader(b.String()), "c.yaml")
			done <- err
		}()
		select {
		case err := <-done:
			want := fmt.Sprintf("c.yaml:%d: per_host: merge keys", shape.levels+2)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("%+v: err = %v, want prefix %q", shape, err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%+v: merge bomb not bounded", shape)
		}
	}
}

func TestSelfMerge(t *testing.T) {
	_, err := Parse(strings.NewReader("per_host: &p {delay: 1s, <<: *p}\n"), "c.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "c.yaml:1: per_host: merge keys nested too deeply") {
		t.Errorf("err = %v", err)
	}
}

func TestListBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("sources:\n  - &s\n    name: s\n    feeds: [https://e.org/]\n    article:\n      remove: [")
	for i := range 2000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("p")
	}
	b.WriteString("]\n")
	for range 2000 {
		b.WriteString("  - *s\n")
	}
	_, err := Parse(strings.NewReader(b.String()), "c.yaml")
	if err == nil || !strings.Contains(err.Error(), "too many list entries") {
		t.Errorf("err = %.300v", err)
	}
}
