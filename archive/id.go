package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// ID is a SHA-256 hash. Article IDs hash the canonical URL; asset and raw blob
// IDs hash the stored bytes.
type ID [32]byte

// Hash returns the SHA-256 of b.
func Hash(b []byte) ID {
	return sha256.Sum256(b)
}

// ParseID parses the 64-character hex form produced by ID.String.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*len(id) {
		return id, fmt.Errorf("parse id %q: want %d hex characters, got %d", s, 2*len(id), len(s))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return ID{}, fmt.Errorf("parse id %q: %w", s, err)
	}
	return id, nil
}

// String returns the ID as 64 lower-case hex characters.
func (id ID) String() string {
	return hex.EncodeToString(id[:])
}

// Short returns the first 16 hex characters of the ID, for logs and listings.
func (id ID) Short() string {
	return hex.EncodeToString(id[:8])
}

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool {
	return id == ID{}
}

// MarshalText encodes the ID as hex, so that it appears as a string in JSON.
func (id ID) MarshalText() ([]byte, error) {
	return []byte(id.String()), nil
}

// UnmarshalText decodes the hex form produced by MarshalText.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
