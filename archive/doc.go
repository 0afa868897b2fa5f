// Package archive stores every distinct version of an article, the raw
// responses they were extracted from and the assets they reference in one
// bbolt file, and proves that file intact.
//
// # Vocabulary
//
// An article is identified by its canonical URL; its ID is the SHA-256 of that
// URL. A snapshot is one version of an article: the extracted Content, the
// fetch metadata, a reference to the raw response and references to assets,
// plus a content hash over the extracted fields. Re-archiving identical content
// only records that the article was seen again. Raw responses and assets are
// content-addressed: stored once, keyed by the SHA-256 of their bytes.
//
// # Integrity
//
// bbolt checksums only its meta pages, so every record this package writes
// carries its own SHA-256 (see docs/format.md), and every read checks it:
// records, assets and raw blobs that fail their check are reported as errors
// wrapping ErrCorrupt. Verify checks the whole file in one transaction:
// first the file's structure, read with ordinary reads rather than through
// bbolt (which trusts every page it reaches and can crash the process on a
// damaged one), then bbolt's page consistency, every record, every hash and
// every reference. VerifyFile does the same for a file that may be too
// damaged to open. Open reads the meta pages before handing a file to bbolt,
// and reads turn any remaining bbolt panic or memory fault into an error
// wrapping ErrCorrupt.
//
// # Concurrency
//
// A Store is safe for concurrent use. Only one process may open an archive for
// writing (the writer lock, an flock on path+".lock"); others wait up to
// Options.Timeout and then get ErrLocked. The bbolt file is opened only for
// each operation, so read-only Stores in other processes run beside a
// writer, transaction by transaction; Verify reads in short chunks. Writes
// happen in one short bbolt transaction per Put: callers fetch first, then put.
//
// Byte slices returned by this package are copies and remain valid after the
// call returns.
package archive
