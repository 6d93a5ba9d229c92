package bus

import (
	"errors"
	"fmt"
	"time"
)

// RetryableError asks for another delivery after Delay (zero: the worker's backoff).
type RetryableError struct {
	Err   error
	Delay time.Duration
}

func (e *RetryableError) Error() string { return "retryable: " + e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// PermanentError means another delivery cannot succeed: the message is
// terminated and dead-lettered at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Retryable marks err as worth another try after delay (0: backoff).
func Retryable(err error, delay time.Duration) error {
	if err == nil {
		return nil
	}
	return &RetryableError{Err: err, Delay: delay}
}

// Permanent marks err as final: no retry.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// ErrNotImplemented is the permanent error of commands a service does not handle yet.
var ErrNotImplemented = errors.New("not implemented yet")

// NotImplemented is a handler for commands a service will handle in a later issue.
func NotImplemented(what string) Handler {
	return func(_ *Delivery) error {
		return Permanent(fmt.Errorf("%w: %s", ErrNotImplemented, what))
	}
}

// IsPermanent tells whether err says not to retry.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// retryDelay is the delay a RetryableError asks for, if any.
func retryDelay(err error) time.Duration {
	var r *RetryableError
	if errors.As(err, &r) {
		return r.Delay
	}
	return 0
}
