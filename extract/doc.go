// Package extract turns the raw bytes of a news article page into an Article:
// title, author, publication date, canonical URL, categories, lead image, a
// sanitised body (HTML and text), and the images and video embeds the body holds.
//
// # Pipeline
//
// Decode finds the page's charset (Content-Type header, byte order mark,
// <meta charset>, then content sniffing: UTF-8, GB18030, Big5, windows-1252)
// and converts the bytes to UTF-8. Extract parses the result, drops the nodes
// named by Rules.Remove, then fills each field from the source's CSS selectors
// where they match and from generic extraction otherwise: JSON-LD and Open
// Graph metadata, Chinese and English bylines and dates in the text, and a
// readability-style scorer for the body that counts runes rather than words so
// that Chinese text is weighed fairly.
//
// # Guarantees
//
// The package is pure: no I/O, no globals that change, no logging. Extract and
// Links never panic on any input; documents over MaxBodyBytes bytes or MaxNodes
// nodes are refused with an error rather than processed without bound.
// BodyHTML passes a bluemonday allow-list policy: no scripts, styles or event
// handler attributes, no javascript: URLs, and iframes only from known video
// hosts.
package extract
