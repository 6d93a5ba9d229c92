package apt

import "errors"

var (
	// ErrBadPackage wraps every failure to read a .deb (not an ar archive,
	// missing or corrupt members, unreadable control file).
	ErrBadPackage = errors.New("bad .deb package")
	// ErrInvalidPackage wraps a Package that Build cannot index (missing or
	// malformed name, version, architecture, filename, hashes or fields).
	ErrInvalidPackage = errors.New("invalid package for the index")
	// ErrConflict wraps two different packages with the same name, version
	// and architecture.
	ErrConflict = errors.New("conflicting packages")
	// ErrInvalidSuite wraps a Suite that Build cannot publish.
	ErrInvalidSuite = errors.New("invalid suite")
	// ErrSign wraps a signer failure.
	ErrSign = errors.New("sign release")
)
