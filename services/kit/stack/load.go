package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// Load reads and validates the stack file at path. Errors name the file as
// path; Stack.Dir and Component.Dir are absolute.
func Load(path string) (*Stack, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load stack: %w", err)
	}
	s, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if s.Dir, err = filepath.Abs(s.Dir); err != nil {
		return nil, fmt.Errorf("load stack: %w", err)
	}
	for _, c := range s.Components {
		c.Dir = s.Dir
	}
	return s, nil
}

// Parse validates data, the contents of filename. Local paths in the stack
// are relative to filename's directory. A definition with problems returns
// Errors listing all of them (each matches ErrInvalid).
func Parse(filename string, data []byte) (*Stack, error) {
	d := &decoder{file: filename, at: map[string]pos{}, failed: map[string]bool{}}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil && se.Token.Position != nil {
			d.fail(pos{se.Token.Position.Line, se.Token.Position.Column}, "", "YAML syntax: "+se.Message, "fix the YAML")
		} else {
			d.fail(pos{1, 1}, "", "YAML syntax: "+err.Error(), "fix the YAML")
		}
		return nil, d.sorted()
	}
	switch {
	case len(f.Docs) == 0 || (len(f.Docs) == 1 && f.Docs[0].Body == nil):
		d.fail(pos{1, 1}, "", "is empty", "write a mapping with name, distros and components")
		return nil, d.sorted()
	case len(f.Docs) > 1:
		d.fail(pos{1, 1}, "", fmt.Sprintf("holds %d YAML documents", len(f.Docs)), "write exactly one document")
		return nil, d.sorted()
	}
	s := &Stack{File: filename, Dir: filepath.Dir(filename)}
	d.decode(f.Docs[0].Body, reflect.ValueOf(s).Elem(), "")
	applyDefaults(s)
	d.validate(s)
	if len(d.errs) > 0 {
		return nil, d.sorted()
	}
	applyLateDefaults(s)
	return s, nil
}

// LoadAs is Load with errors naming the file as name (a path in a git
// repository, say) instead of path.
func LoadAs(path, name string) (*Stack, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load stack: %s: %w", name, err)
	}
	s, err := Parse(name, data)
	if err != nil {
		return nil, err
	}
	if s.Dir, err = filepath.Abs(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("load stack: %w", err)
	}
	s.File = path
	for _, c := range s.Components {
		c.Dir = s.Dir
	}
	return s, nil
}
