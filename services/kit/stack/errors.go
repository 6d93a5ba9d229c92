package stack

import (
	"errors"
	"fmt"
	"strings"
)

// Errors to match with errors.Is.
var (
	// ErrInvalid matches every problem found in a stack definition.
	ErrInvalid = errors.New("invalid stack definition")
	// ErrCycle matches a build_depends cycle.
	ErrCycle = errors.New("build_depends cycle")
)

// FieldError is one problem at one place of a stack file.
type FieldError struct {
	File      string
	Line, Col int
	Path      string // field path, e.g. components[1].install[0].dst
	Problem   string // what is wrong
	Hint      string // what to do
	cycle     bool
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Col)
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Problem)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// Is reports ErrInvalid for every field error, and ErrCycle for cycles.
func (e *FieldError) Is(target error) bool {
	return target == ErrInvalid || (e.cycle && target == ErrCycle)
}

// Errors are all the problems found in one stack file, in file order.
type Errors []*FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.Is and errors.As see each FieldError.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
