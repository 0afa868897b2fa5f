// Package pipeline is the one place where Chronicle's stages meet: it turns
// the configured sources into crawler sources, and every article page the
// crawler fetches into an archived snapshot (extract, fetch its images,
// archive in one transaction).
//
// The stages never import each other; only this package translates
// crawler.Page -> extract.Article -> archive.Capture.
package pipeline
