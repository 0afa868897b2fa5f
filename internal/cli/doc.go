// Package cli implements chronicle's commands: flags become option
// structs, errors become the documented exit codes, and output goes to the
// writers handed in, so the whole CLI runs in-process in tests.
package cli
