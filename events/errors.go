package events

import "errors"

// Errors a consumer matches with errors.Is to decide that a message is poison.
var (
	ErrUnknownType      = errors.New("unknown event type")
	ErrUnknownVersion   = errors.New("unsupported major version")
	ErrMissingHeader    = errors.New("missing CloudEvents header")
	ErrMalformed        = errors.New("malformed event body")
	ErrTooLarge         = errors.New("event body too large")
	ErrNotRegistered    = errors.New("payload type not in the catalog")
	ErrWrongSpecVersion = errors.New("unsupported CloudEvents specversion")
	ErrBadRoute         = errors.New("bad route of a routed command")
)
