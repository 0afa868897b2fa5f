package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chronicle-archive/chronicle/extract"
	"github.com/chronicle-archive/chronicle/internal/config"
	"github.com/chronicle-archive/chronicle/internal/pipeline"
)

// maxExtractFile bounds what `extract` reads of one file, gzipped or not.
const maxExtractFile = 64 << 20

type extractOptions struct {
	source string
	url    string
	json   bool
}

// extractJSON is one line of `extract --json` (SPEC).
type extractJSON struct {
	File      string   `json:"file"`
	URL       string   `json:"url"`
	Title     string   `json:"title"`
	Author    string   `json:"author"`
	Published string   `json:"published"`
	LeadImage string   `json:"lead_image"`
	BodyHTML  string   `json:"body_html"`
	BodyText  string   `json:"body_text"`
	Images    []string `json:"images"`
	Videos    []string `json:"videos"`
}

func newExtractCommand(g *globals) *cobra.Command {
	var o extractOptions
	cmd := &cobra.Command{
		Use:   "extract [--source NAME] [--url URL] FILE... [--json]",
		Short: "Run extraction on saved pages (no network)",
		Long: `Extract runs the extraction on pages saved to disk, with no network, to write
and test a source's selectors. Files may be gzipped; the charset is detected as
for fetched pages.

--url gives the page's address, used to resolve relative links and to pick the
source whose article.match fits it; --source picks the rules explicitly;
with neither, the generic extraction runs.

` + exitHelp,
		Args: wrapArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runExtract(g, o, files)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.source, "source", "", "use this source's article rules")
	f.StringVar(&o.url, "url", "", "the page's address")
	f.BoolVar(&o.json, "json", false, "one JSON object per file, one per line")
	return cmd
}

func runExtract(g *globals, o extractOptions, files []string) error {
	var pageURL *url.URL
	if o.url != "" {
		u, err := url.Parse(o.url)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return usagef("--url %q: not an absolute http(s) URL", o.url)
		}
		pageURL = u
	}
	src, err := g.extractSource(o)
	if err != nil {
		return err
	}
	rules, loc := pipeline.RulesFor(src)
	failed := 0
	for _, file := range files {
		body, err := readPage(file)
		if err != nil {
			failed++
			g.log.Error().Err(err).Str("file", file).Msg("cannot read page")
			continue
		}
		base := pageURL
		if base == nil {
			base = &url.URL{Scheme: "file", Path: filepath.ToSlash(file)}
		}
		art, err := extract.Extract(extract.Input{Body: body, URL: base, FetchedAt: time.Now(), Rules: rules, Location: loc})
		if err != nil {
			failed++
			g.log.Error().Err(err).Str("file", file).Msg("extraction failed")
			continue
		}
		out := extractJSON{File: file, URL: o.url, Title: art.Title, Author: art.Author, LeadImage: art.LeadImage,
			BodyHTML: art.BodyHTML, BodyText: art.BodyText, Images: []string{}, Videos: []string{}}
		if !art.Published.IsZero() {
			out.Published = art.Published.UTC().Format(time.RFC3339)
		}
		for _, im := range art.Images {
			out.Images = append(out.Images, im.URL)
		}
		for _, v := range art.Videos {
			out.Videos = append(out.Videos, v.URL)
		}
		if o.json {
			b, err := json.Marshal(out)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, string(b))
			continue
		}
		fmt.Fprintf(g.stdout, "== %s\ntitle:     %s\nauthor:    %s\npublished: %s\nlead:      %s\nimages:    %d\nvideos:    %d\n\n%s\n\n",
			file, out.Title, out.Author, out.Published, out.LeadImage, len(out.Images), len(out.Videos), out.BodyText)
	}
	if failed > 0 {
		return failure{msg: fmt.Sprintf("%d of %d files could not be extracted", failed, len(files))}
	}
	return nil
}

// extractSource picks the rules: --source, else the source whose
// article.match fits --url on a host it crawls, else none (generic).
func (g *globals) extractSource(o extractOptions) (*config.Source, error) {
	if o.source == "" && o.url == "" {
		return nil, nil
	}
	cfg, err := g.loadConfig()
	if err != nil {
		if o.source == "" && g.configPath == "" && errors.Is(err, fs.ErrNotExist) {
			return nil, nil // no config at all: generic extraction
		}
		return nil, err
	}
	if o.source != "" {
		s, ok := cfg.Source(o.source)
		if !ok {
			return nil, usagef("--source %s: no such source in %s", o.source, cfg.Path)
		}
		return s, nil
	}
	u, _ := url.Parse(o.url)
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		if s.Article.MatchRE != nil && s.Article.MatchRE.MatchString(o.url) && crawlsHost(s, u.Hostname()) {
			return s, nil
		}
	}
	return nil, nil
}

func crawlsHost(s *config.Source, host string) bool {
	seeds := append(append([]string{}, s.Feeds...), s.Sitemaps...)
	for _, l := range s.Listings {
		seeds = append(seeds, l.URL)
	}
	for _, seed := range seeds {
		if u, err := url.Parse(seed); err == nil && strings.EqualFold(u.Hostname(), host) {
			return true
		}
	}
	return false
}

// readPage reads a saved page, gunzipping it when it is gzipped.
func readPage(file string) ([]byte, error) {
	b, err := readLimited(file, maxExtractFile)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gunzip %s: %w", file, err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxExtractFile+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip %s: %w", file, err)
	}
	if len(out) > maxExtractFile {
		return nil, fmt.Errorf("%s: more than %d bytes once decompressed", file, maxExtractFile)
	}
	return out, nil
}

func readLimited(file string, limit int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err // *PathError: names the operation and the file
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, limit)
	}
	return b, nil
}
