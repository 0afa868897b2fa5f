// Package canon turns URLs into the canonical form under which Chronicle
// identifies articles and deduplicates crawl work.
//
// # Canonical form
//
// A canonical URL is absolute and has a host. Its scheme and host are
// lower-cased, the default port of the scheme (80 for http, 443 for https)
// and an empty port are dropped, the fragment is removed, and an empty path
// becomes "/". Tracking parameters (utm_*, fbclid, gclid, spm and similar, see
// [IsTrackingParam]) are removed from the query; every other parameter is
// kept exactly as written and in its original order, because many news sites
// use the query to name the article. The package uses the standard library
// only.
package canon
