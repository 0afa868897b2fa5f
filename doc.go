// Package chronicle is an archival crawler for news sites.
//
// # Layout
//
// Data flows one way: crawler -> extract -> archive -> export / verify.
//
//	cmd/chronicle       the program: signal handling and an exit code, nothing else
//	internal/cli        commands, flags, output and the documented exit codes
//	internal/config     config.yaml -> Config, validated with file:line: key messages
//	internal/pipeline   the only place the stages meet: a fetched page is
//	                    extracted, its images fetched, and the result archived
//	internal/canon      canonical article URLs (one article is one article)
//	internal/newssite   the bundled offline news site behind `chronicle demo` and the tests
//	crawler             Colly: sources (listings, feeds, sitemaps), politeness, limits
//	extract             goquery: bytes in, Article out; pure, never does I/O
//	archive             bbolt: articles, snapshots, raw responses, assets; verify
//	export              archive -> Hexo posts, Hugo bundles, JSON Lines, WARC 1.1
//	integration/        CI checks with the real tools: Hexo 8 builds an export, warcio reads a WARC
//	bench/              the P1-P7 benchmark harness (a module of its own: its peers stay out of go.mod)
//
// # Import rules
//
// Each third-party library has one home: colly only in crawler, goquery and
// bluemonday only in extract, bbolt only in archive. crawler, extract and
// archive import no other project package (crawler uses internal/canon);
// export imports archive only; internal/pipeline joins crawler, extract and
// archive; internal/cli wires everything. TestImportRules (layout_test.go)
// enforces this table.
package chronicle
