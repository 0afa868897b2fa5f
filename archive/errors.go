package archive

import "errors"

var (
	// ErrLocked is returned by Open when another process holds the archive's
	// lock (a writer, or any process when opening for writing) and
	// Options.Timeout passed before it was released.
	ErrLocked = errors.New("archive is locked by another process")

	// ErrNotFound is returned when the requested article, version, asset or
	// raw blob is not in the archive.
	ErrNotFound = errors.New("not found")

	// ErrCorrupt is returned when stored data fails its integrity check on
	// read: a record whose envelope hash does not match, an asset or raw blob
	// whose bytes do not hash to their key, a reference that does not
	// resolve, or a damaged page of the file. Open returns it for a file
	// that is empty, truncated or not a bbolt file. The error message names
	// the bucket and key, or the page.
	ErrCorrupt = errors.New("archive data corrupt")
)
