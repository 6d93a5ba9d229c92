package packaging

import "errors"

// Errors to match with errors.Is. Nothing is written when Package returns one.
var (
	// ErrInvalid: the component, format, distro or architecture is unusable.
	ErrInvalid = errors.New("invalid packaging request")
	// ErrStaged: the staged directory lacks a file the install layout names.
	ErrStaged = errors.New("staged build output incomplete")
)
