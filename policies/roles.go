package policies

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// RolesSchema is the JSON Schema of the roles file (infra/authz/roles.yaml).
//
//go:embed roles.schema.json
var RolesSchema []byte

// DefaultRolesPath is where the roles file lives, relative to the
// repository root.
const DefaultRolesPath = "infra/authz/roles.yaml"

// Roles is the roles file: the data of the authorization policy.
type Roles struct {
	Version         int                 `json:"version"`
	Roles           map[string]RoleDef  `json:"roles"`
	Groups          map[string]Group    `json:"groups"`
	ReleaseChannels []string            `json:"release_channels,omitempty"`
	Rooms           map[string][]string `json:"rooms,omitempty"`
}

// RoleDef is one role.
type RoleDef struct {
	Summary  string   `json:"summary,omitempty"`
	Includes []string `json:"includes,omitempty"`
}

// Group is one group: its roles, and the prefix its developers name
// clusters with ("{name}-" by default).
type Group struct {
	Summary       string   `json:"summary,omitempty"`
	Roles         []string `json:"roles"`
	ClusterPrefix string   `json:"cluster_prefix,omitempty"`
}

// RolesError is one problem of a roles file, where it is.
type RolesError struct {
	File      string
	Line, Col int
	Path      string // e.g. groups.developers.roles[0]
	Problem   string
}

func (e *RolesError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	}
	if e.Path != "" {
		return fmt.Sprintf("%s: %s: %s", where, e.Path, e.Problem)
	}
	return where + ": " + e.Problem
}

// RolesErrors are all the problems of one roles file, in file order.
type RolesErrors []*RolesError

func (es RolesErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// ErrRoles matches every problem of a roles file.
var ErrRoles = errors.New("invalid roles file")

func (es RolesErrors) Is(target error) bool { return target == ErrRoles }

var rolesSchema = func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(RolesSchema))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("roles.schema.json", doc); err != nil {
		panic(err)
	}
	return c.MustCompile("roles.schema.json")
}()

// LoadRoles reads and checks a roles file.
func LoadRoles(path string) (*Roles, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("roles file: %w", err)
	}
	return ParseRoles(path, b)
}

// ParseRoles checks data, the roles file name, against the schema and for
// what the schema cannot say (a group or role naming a role that is not
// defined). Every problem is reported with its line and column: RolesErrors.
func ParseRoles(name string, data []byte) (*Roles, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil && se.Token.Position != nil {
			return nil, RolesErrors{{File: name, Line: se.Token.Position.Line, Col: se.Token.Position.Column, Problem: "YAML syntax: " + se.Message}}
		}
		return nil, RolesErrors{{File: name, Problem: "YAML syntax: " + err.Error()}}
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return nil, RolesErrors{{File: name, Line: 1, Col: 1, Problem: "want one YAML document: a mapping with version, roles and groups"}}
	}
	body := f.Docs[0].Body
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, RolesErrors{{File: name, Line: 1, Col: 1, Problem: err.Error()}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, RolesErrors{{File: name, Line: 1, Col: 1, Problem: err.Error()}}
	}
	var errs RolesErrors
	at := func(loc []string, problem string) {
		line, col := position(body, loc)
		errs = append(errs, &RolesError{File: name, Line: line, Col: col, Path: dotted(loc), Problem: problem})
	}
	var ve *jsonschema.ValidationError
	if err := rolesSchema.Validate(inst); errors.As(err, &ve) {
		p := message.NewPrinter(language.English)
		for _, leaf := range leaves(ve) {
			loc := leaf.InstanceLocation
			if ap, ok := leaf.ErrorKind.(*kind.AdditionalProperties); ok && len(ap.Properties) > 0 {
				loc = append(append([]string(nil), loc...), ap.Properties[0])
			}
			at(loc, leaf.ErrorKind.LocalizedString(p))
		}
	} else if err != nil {
		return nil, err
	}
	var r Roles
	if len(errs) == 0 {
		if err := json.Unmarshal(js, &r); err != nil {
			return nil, RolesErrors{{File: name, Line: 1, Col: 1, Problem: err.Error()}}
		}
		for _, role := range sortedKeys(r.Roles) {
			for i, inc := range r.Roles[role].Includes {
				if _, ok := r.Roles[inc]; !ok {
					at([]string{"roles", role, "includes", strconv.Itoa(i)}, fmt.Sprintf("role %q is not defined under roles", inc))
				}
			}
		}
		for _, g := range sortedKeys(r.Groups) {
			for i, role := range r.Groups[g].Roles {
				if _, ok := r.Roles[role]; !ok {
					at([]string{"groups", g, "roles", strconv.Itoa(i)}, fmt.Sprintf("role %q is not defined under roles (defined: %s)", role, strings.Join(sortedKeys(r.Roles), ", ")))
				}
			}
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool {
			if errs[i].Line != errs[j].Line {
				return errs[i].Line < errs[j].Line
			}
			return errs[i].Col < errs[j].Col
		})
		return nil, errs
	}
	if r.ReleaseChannels == nil {
		r.ReleaseChannels = []string{"stable"}
	}
	return &r, nil
}

// leaves are the innermost errors of a validation error.
func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// position finds where the value at loc (JSON pointer tokens) is in the
// YAML tree: the key of a mapping entry, the item of a sequence, or the
// nearest enclosing node the file has.
func position(n ast.Node, loc []string) (int, int) {
	pos := func(n ast.Node) (int, int) {
		if t := n.GetToken(); t != nil && t.Position != nil {
			return t.Position.Line, t.Position.Column
		}
		return 1, 1
	}
	line, col := pos(n)
	for _, tok := range loc {
		switch m := n.(type) {
		case *ast.MappingNode:
			var next ast.Node
			for _, v := range m.Values {
				if k, ok := v.Key.(ast.ScalarNode); ok && fmt.Sprint(k.GetValue()) == tok {
					line, col = pos(v.Key)
					next = v.Value
				}
			}
			if next == nil {
				return line, col
			}
			n = next
		case *ast.MappingValueNode:
			if k, ok := m.Key.(ast.ScalarNode); ok && fmt.Sprint(k.GetValue()) == tok {
				line, col = pos(m.Key)
				n = m.Value
				continue
			}
			return line, col
		case *ast.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(m.Values) {
				return line, col
			}
			n = m.Values[i]
			line, col = pos(n)
		default:
			return line, col
		}
	}
	return line, col
}

// dotted writes a location as groups.developers.roles[0].
func dotted(loc []string) string {
	var b strings.Builder
	for _, t := range loc {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteString(".")
		}
		b.WriteString(t)
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
