// Package crawler fetches the articles of news sources politely and hands
// each fetched page to a Handler. It is the only package that uses Colly.
//
// # Discovery
//
// For every [Source], Run first queues the article URLs [Config.State]
// holds as pending (an earlier run discovered them but did not finish
// them), then reads its feeds (RSS 2.0, Atom, JSON Feed), its sitemaps
// (urlset and sitemapindex, gzipped or not, nested indexes followed to a
// bounded depth) and its listing pages (links found with the injected
// [Config.Links] function; the "next" link followed up to
// [Listing.MaxPages]). Each discovered link is resolved and canonicalised,
// kept only if it is http(s), matches [Source.Match] and is no spider trap
// (below), and queued once per run, however many sources or seeds name it.
//
// # Fetching
//
// A pool of [Config.Concurrency] workers fetches the queued articles. Bodies
// are limited after decompression ([Config.MaxPageBytes],
// [Config.MaxAssetBytes]); a larger body fails with [ErrTooLarge] instead of
// being cut short. [Config.Timeout] is the http.Client timeout: it covers
// connecting, the headers and reading the whole body, so a server that
// trickles bytes is cut off when it expires. [Page.Body] holds the bytes as
// served (charset untouched, only gzip removed) and [Page.Header] the
// headers as served. Redirects are followed up to 10; a chain that comes
// back to an address a second time is a loop and fails.
//
// # Politeness
//
// Every request (feeds, sitemaps, listings, articles, assets, robots.txt,
// and each redirect) goes through one per-host limiter: at most
// [Config.PerHostParallelism] requests to a host at once, and the starts of
// two requests spaced by the host's delay. A fetch waits for its host
// before it takes one of the [Config.Concurrency] global slots, so a slow
// host does not hold up the others. The User-Agent is [Config.UserAgent].
//
// With [Config.RespectRobots], robots.txt is read by the crawler itself
// (github.com/temoto/robotstxt; Colly's own check is off), once per host and
// run, through the same limiter, redirects followed. A 2xx gives the rules
// (lines the parser rejects are ignored, the rest obeyed) and a 4xx allows
// everything; both are cached in [State.SaveRobots] for [RobotsTTL] (without
// a State, for the run). A 5xx or a network error means nothing is fetched
// from that host in this run: it is logged and counted once, not cached, and
// asked again next run; the host's article URLs stay pending. A URL
// robots.txt forbids is logged at info level, not counted as an error, and
// marked done. The Crawl-delay of the group for our user agent (or *)
// becomes the host's delay when longer than [Config.PerHostDelay], capped at
// [MaxCrawlDelay] so that one host cannot stall a run for hours.
//
// # Retries
//
// A 429 or 503 waits for its Retry-After (delta seconds or an HTTP date;
// without one, the backoff below), and the whole host waits with it. A
// Retry-After longer than [MaxRetryAfter], or one that would outlast the
// deadline of the run's context, is not waited for: the URL is given up on
// for this run ([ErrDeferred], [Stats.Deferred]) and stays pending. Each 429
// also doubles the host's delay for the rest of the run (up to
// [MaxCrawlDelay]). Other 5xx answers, timeouts and broken connections are
// retried after an exponential backoff with jitter: [RetryBackoff] doubled
// per retry (1s, 2s, 4s) plus up to half of that at random, at most
// [MaxRetries] times. A worker holds no slot while it waits. Other
// statuses, size and encoding errors, and redirect loops are not retried.
//
// # Incremental
//
// [Config.State] (nil: a crawler that remembers nothing) makes runs
// incremental and resumable. Pending URLs are fetched first. Newly
// discovered article URLs are asked [State.Due] (a known article is fetched
// only when its recheck schedule says so; listings, feeds and sitemaps are
// read every run and assets are not subject to Due) and recorded with
// [State.Enqueue] before any of them is fetched. Articles and assets are
// requested conditionally with the ETag and Last-Modified of
// [State.Validators] (If-None-Match, If-Modified-Since). A 304 for an
// article calls [Handler.NotModified] and counts in [Stats.NotModified];
// for an asset, [Fetcher.FetchAsset] returns the Page with Status 304 and
// no error, and the caller reuses what it archived. [State.Done] is called
// once an article URL is finished with: handled (also when the Handler
// failed), answered 304, refused by robots.txt, or failed for good (a 4xx,
// a 5xx after the retries). A URL interrupted by the end of the run's
// context, or deferred, is not marked done and is fetched first next run.
//
// # Traps
//
// Discovered URLs (article links, next listing pages, nested sitemaps) are
// refused as spider traps when they are longer than [MaxURLBytes], when a
// run of path segments repeats three times in a row (/a/b/a/b/a/b, the
// mark of relative links resolved against themselves), when they carry a
// session id (jsessionid, PHPSESSID, sessionid, ASPSESSIONID..., a long
// sid), or when their path has already been seen with [MaxQueryVariants]
// other query strings in this run (calendars, facets, endless ?page=N).
// Each refusal is logged at debug level and counted in [Stats.Skipped].
//
// # Progress
//
// [Config.Progress], when set, is called after every finished request with
// the totals so far ([ProgressEvent]): article URLs queued and done,
// requests, errors and bytes. Calls are made one at a time from the
// crawling goroutines, so the function must return at once (set a few
// numbers; draw elsewhere).
//
// # Errors
//
// A failed fetch, a non-2xx status or an error returned by the Handler is
// counted in [Stats.Errors] and logged; it never stops the run. Run fails
// only on invalid arguments or when its context ends.
package crawler
