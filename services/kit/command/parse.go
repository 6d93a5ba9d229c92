package command

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/shlex"
	"github.com/spf13/pflag"
)

// MaxLine bounds a command line, in bytes.
const MaxLine = 1000

// Errors of Parse, matched with errors.Is.
var (
	// ErrUnknownVerb: the first words are no verb of the grammar.
	ErrUnknownVerb = errors.New("unknown command")
	// ErrUsage: the verb is known but its arguments are not right.
	ErrUsage = errors.New("malformed command")
	// ErrNotHere: the verb exists, but not through this door (retest
	// outside a comment).
	ErrNotHere = errors.New("not available here")
)

// UsageError is a malformed command: what was wrong, and the verb's usage
// line (empty for an unknown verb or a line that does not split).
type UsageError struct {
	Verb    string
	Problem string
	Usage   string
	kind    error
}

func (e *UsageError) Error() string {
	switch {
	case e.Usage != "":
		return fmt.Sprintf("%s: %s\nusage: %s", e.Verb, e.Problem, e.Usage)
	case e.Verb != "":
		return e.Verb + ": " + e.Problem
	}
	return e.Problem
}

func (e *UsageError) Unwrap() error { return e.kind }

// Parse reads one command line ("build fixture --distro debian-12"; a
// leading "/ring" or "ring" is dropped) as the door takes it. Words split
// as a shell would (quotes, no expansion); flags are those of the verb,
// anywhere after it. An empty line is help. Errors are *UsageErrors.
func Parse(line string, door Door) (Request, error) {
	if len(line) > MaxLine {
		return Request{}, &UsageError{Problem: fmt.Sprintf("the command has %d bytes; at most %d are read", len(line), MaxLine), kind: ErrUsage}
	}
	if i := strings.IndexFunc(line, func(r rune) bool { return r < ' ' && r != '\t' && r != '\n' && r != '\r' || r == 0x7f }); i >= 0 {
		return Request{}, &UsageError{Problem: "the command holds control characters", kind: ErrUsage}
	}
	words, err := shlex.Split(line)
	if err != nil {
		return Request{}, &UsageError{Problem: fmt.Sprintf("cannot split the command into words: %v (close your quotes)", err), kind: ErrUsage}
	}
	return ParseWords(words, door)
}

// ParseWords is Parse of a line already split into words (os.Args).
func ParseWords(words []string, door Door) (Request, error) {
	if len(words) > 0 && (words[0] == "/ring" || words[0] == "ring") {
		words = words[1:]
	}
	if len(words) == 0 {
		words = []string{Help}
	}
	spec, rest, ok := verbOf(words)
	if !ok {
		return Request{}, &UsageError{Problem: fmt.Sprintf("unknown command %q; say help for the list", printable(strings.Join(words[:min(2, len(words))], " "))), kind: ErrUnknownVerb}
	}
	bad := func(kind error, format string, a ...any) (Request, error) {
		return Request{}, &UsageError{Verb: spec.Verb, Problem: fmt.Sprintf(format, a...), Usage: spec.Usage, kind: kind}
	}
	if !spec.Takes(door) {
		return bad(ErrNotHere, "not taken through %s (%s)", doorName(door), doorsOf(spec))
	}
	r := Request{Verb: spec.Verb}
	fs := pflag.NewFlagSet(spec.Verb, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if spec.flags != nil {
		spec.flags(fs, &r)
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return Request{Verb: Help, Topic: spec.Verb}, nil
		}
		return bad(ErrUsage, "%s", printable(err.Error()))
	}
	if err := spec.args(&r, fs.Args()); err != nil {
		return bad(ErrUsage, "%s", printable(err.Error()))
	}
	if err := r.Check(); err != nil {
		return bad(ErrUsage, "%s", err.Error())
	}
	return r, nil
}

// verbOf finds the verb the words start with: two words, then one.
func verbOf(words []string) (Spec, []string, bool) {
	if len(words) >= 2 {
		if s, ok := Lookup(words[0] + " " + words[1]); ok {
			return s, words[2:], true
		}
	}
	if s, ok := Lookup(words[0]); ok {
		return s, words[1:], true
	}
	return Spec{}, nil, false
}

func doorName(d Door) string {
	switch d {
	case Chat:
		return "chat"
	case Comment:
		return "a forge comment"
	}
	return "the REST API"
}

func doorsOf(s Spec) string {
	var names []string
	for _, d := range []Door{Chat, Comment, REST} {
		if slices.Contains(s.Doors, d) {
			names = append(names, doorName(d))
		}
	}
	return "ask it through " + strings.Join(names, " or ")
}

// printable cuts s to 80 characters and quotes what does not print.
func printable(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}
