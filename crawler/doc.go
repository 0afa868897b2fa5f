// Package crawler fetches the articles of news sources politely and hands
// each fetched page to a Handler. It is the only package that uses Colly.
//
// # Discovery
//
// For every [Source], Run reads its feeds (RSS 2.0, Atom, JSON Feed), its
// sitemaps (urlset and sitemapindex, gzipped or not, nested indexes followed
// to a bounded depth) and its listing pages (links found with the injected
// [Config.Links] function; the "next" link followed up to [Listing.MaxPages]).
// Each discovered link is resolved and canonicalised, kept only if it is
// http(s) and matches [Source.Match], and queued once per run, however many
// sources or seeds name it.
//
// # Fetching
//
// A pool of [Config.Concurrency] workers fetches the queued articles; every
// fetch (feeds, sitemaps, listings, articles and assets) waits for a
// per-host slot ([Config.PerHostParallelism] at once, starts spaced by
// [Config.PerHostDelay]) and a global one. robots.txt is obeyed when
// [Config.RespectRobots] is set. Bodies are limited after decompression
// ([Config.MaxPageBytes], [Config.MaxAssetBytes]); a larger body fails with
// [ErrTooLarge] instead of being cut short. [Page.Body] holds the bytes as
// served (charset untouched, only gzip removed) and [Page.Header] the headers
// as served.
//
// # Errors
//
// A failed fetch, a non-2xx status or an error returned by the Handler is
// counted in [Stats.Errors] and logged; it never stops the run. Run fails
// only on invalid arguments or when its context ends.
package crawler
