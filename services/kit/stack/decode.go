package stack

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// pos is a 1-based line and column in the stack file.
type pos struct{ line, col int }

// decoder fills Go values from the YAML syntax tree itself, so that it can
// reject every unknown field and wrong kind (not only the first), keep the
// scalars' text as written (version 1.10 stays "1.10", mode 0644 stays
// "0644") and remember where each field path is.
type decoder struct {
	file   string
	at     map[string]pos
	failed map[string]bool // paths with an error: one error per path
	errs   Errors
}

func (d *decoder) fail(p pos, path, problem, hint string) {
	if d.failed[path] {
		return
	}
	d.failed[path] = true
	d.errs = append(d.errs, &FieldError{File: d.file, Line: p.line, Col: p.col, Path: path, Problem: problem, Hint: hint})
}

// errorAt reports a problem at path, or at its nearest parent that the file
// has (for a missing field: the mapping that should hold it).
func (d *decoder) errorAt(path, problem, hint string) {
	for p := path; ; {
		if at, ok := d.at[p]; ok {
			d.fail(at, path, problem, hint)
			return
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			if at, ok := d.at[""]; ok {
				d.fail(at, path, problem, hint)
			} else {
				d.fail(pos{}, path, problem, hint)
			}
			return
		}
		p = p[:i]
	}
}

func (d *decoder) sorted() Errors {
	sort.SliceStable(d.errs, func(i, j int) bool {
		a, b := d.errs[i], d.errs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return d.errs
}

func nodePos(n ast.Node) pos {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		n = m.Values[0].Key
	}
	if mv, ok := n.(*ast.MappingValueNode); ok {
		n = mv.Key
	}
	t := n.GetToken()
	if t == nil || t.Position == nil {
		return pos{1, 1}
	}
	return pos{t.Position.Line, t.Position.Column}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func kindName(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	default:
		return "a scalar"
	}
}

// strip removes anchors and tags; aliases are refused.
func (d *decoder) strip(n ast.Node, path string) (ast.Node, bool) {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			d.fail(nodePos(v), path, "YAML aliases are not supported", "write the value out")
			return nil, false
		default:
			return n, true
		}
	}
}

func (d *decoder) decode(n ast.Node, v reflect.Value, path string) {
	n, ok := d.strip(n, path)
	if !ok {
		return
	}
	if n == nil {
		return
	}
	d.at[path] = nodePos(n)
	if _, null := n.(*ast.NullNode); null {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.fail(nodePos(n), path, "is "+kindName(n)+", want a list", "write it as a YAML list")
			return
		}
		s := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		values, ok := mapping(n)
		if !ok {
			d.fail(nodePos(n), path, "is "+kindName(n)+", want a mapping", "write it as key: value lines")
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(values))
		for _, mv := range values {
			key := keyOf(mv)
			e := reflect.New(v.Type().Elem()).Elem()
			d.decode(mv.Value, e, join(path, key))
			d.at[join(path, key)] = nodePos(mv.Key) // map entries are named by their key
			m.SetMapIndex(reflect.ValueOf(key), e)
		}
		v.Set(m)
	case reflect.String:
		s, ok := scalar(n)
		if !ok {
			d.fail(nodePos(n), path, "is "+kindName(n)+", want a string", "write a single value")
			return
		}
		v.SetString(s)
	case reflect.Int:
		s, ok := scalar(n)
		i, err := strconv.Atoi(s)
		if !ok || err != nil {
			d.fail(nodePos(n), path, "is "+kindName(n)+", want a whole number", "write a number such as 3")
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		s, ok := scalar(n)
		b, err := strconv.ParseBool(s)
		if !ok || err != nil {
			d.fail(nodePos(n), path, "is "+kindName(n)+", want true or false", "write true or false")
			return
		}
		v.SetBool(b)
	default:
		panic("stack: no decoding for " + v.Type().String())
	}
}

func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string) {
	values, ok := mapping(n)
	if !ok {
		d.fail(nodePos(n), path, "is "+kindName(n)+", want a mapping", "write it as key: value lines")
		return
	}
	fields := fieldsOf(v.Type())
	for _, mv := range values {
		key := keyOf(mv)
		i, known := fields[key]
		if !known {
			d.fail(nodePos(mv.Key), join(path, key), "unknown field", "known fields: "+knownFields(fields))
			continue
		}
		d.decode(mv.Value, v.Field(i), join(path, key))
	}
}

func mapping(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

func keyOf(mv *ast.MappingValueNode) string {
	if t := mv.Key.GetToken(); t != nil {
		return t.Value
	}
	return mv.Key.String()
}

// scalar is the text of a scalar node as written.
func scalar(n ast.Node) (string, bool) {
	switch s := n.(type) {
	case *ast.StringNode:
		return s.Value, true
	case *ast.LiteralNode:
		return s.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	return "", false
}

func fieldsOf(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = i
	}
	return out
}

func knownFields(fields map[string]int) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return fields[names[i]] < fields[names[j]] })
	return strings.Join(names, ", ")
}
