package source

import "errors"

// Errors that no retry can fix; the builder dead-letters the command at once.
var (
	ErrBadRequest = errors.New("bad source request")
	ErrChecksum   = errors.New("checksum mismatch")
	ErrMissing    = errors.New("source not found at its URL")
)
