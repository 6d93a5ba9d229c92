package policies

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Files holds the Rego policies and their Rego unit tests.
//
//go:embed *.rego
var Files embed.FS

// Query is the policy's decision, {allow, deny}.
const Query = "data.ringmaster.compat.decision"

// DefaultDataPath is where the compatibility facts live, relative to the
// repository root.
const DefaultDataPath = "infra/compat/compat.json"

// Input is a requested cluster.
type Input struct {
	Stack      string            `json:"stack"`
	Components map[string]string `json:"components"`
	Distro     string            `json:"distro"`
	Roles      map[string]int    `json:"roles"`
	Nodes      int               `json:"nodes"`
	Kerberos   bool              `json:"kerberos"`
	MemoryMB   int               `json:"memory_mb_per_node"`
	// MachineMB is the memory of the machine the nodes run on as measured
	// (the Docker host's); 0 leaves the facts' figure.
	MachineMB int `json:"machine_mb,omitempty"`
	// CommittedMB is the memory the nodes of clusters already running on
	// that machine hold (their limits added up); 0: none or unknown.
	CommittedMB int `json:"committed_mb,omitempty"`
}

// Reason is one reason a cluster is denied.
type Reason struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (r Reason) String() string { return r.Rule + ": " + r.Message }

// Decision is the policy's answer.
type Decision struct {
	Allow bool     `json:"allow"`
	Deny  []Reason `json:"deny"`
}

// Modules returns the embedded compatibility policy's modules (without the
// _test files) by file name.
func Modules() (map[string]string, error) {
	return modules("compat", false)
}

// modules are the embedded modules whose file names start with prefix
// ("" every one), with or without their Rego tests.
func modules(prefix string, withTests bool) (map[string]string, error) {
	names, err := fs.Glob(Files, prefix+"*.rego")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		if !withTests && len(n) > len("_test.rego") && n[len(n)-len("_test.rego"):] == "_test.rego" {
			continue
		}
		b, err := Files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out[n] = string(b)
	}
	return out, nil
}

// ParseData checks a compatibility-facts document (compat.json) and returns it
// as a value for data.compat. Every known_good and known_bad entry must say
// where it came from (checkFacts).
func ParseData(data []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var facts map[string]any
	if err := d.Decode(&facts); err != nil {
		return nil, fmt.Errorf("compatibility data: %w", err)
	}
	v, ok := facts["version"].(json.Number)
	if !ok || v.String() != "1" {
		return nil, fmt.Errorf("compatibility data: version %v is not supported (want 1)", facts["version"])
	}
	for _, k := range []string{"versions", "roles", "memory", "distros"} {
		if _, ok := facts[k].(map[string]any); !ok {
			return nil, fmt.Errorf("compatibility data: %q must be an object", k)
		}
	}
	if err := checkFacts(facts); err != nil {
		return nil, fmt.Errorf("compatibility data: %w", err)
	}
	return facts, nil
}

// LoadData reads a compatibility-facts document from path.
func LoadData(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if _, err := ParseData(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// ParseInput reads a cluster spec in JSON or YAML; unknown fields are
// errors. An error names the line and column, the field and what was wrong,
// with the spec's lines around it.
func ParseInput(b []byte) (Input, error) {
	var in Input
	// Once strictly for every field, once more for the versions as written.
	var written struct {
		Components map[string]specVersion `yaml:"components"`
	}
	if err := yaml.UnmarshalWithOptions(b, &in, yaml.Strict()); err != nil {
		return Input{}, specError(err)
	}
	if err := yaml.Unmarshal(b, &written); err != nil {
		return Input{}, specError(err)
	}
	for name, v := range written.Components {
		in.Components[name] = string(v)
	}
	return in, nil
}

// specError says where in the spec a YAML error is: "line L:C: problem"
// and the lines around it.
func specError(err error) error {
	return fmt.Errorf("cluster spec: line %s", strings.Replace(strings.TrimPrefix(yaml.FormatError(err, false, true), "["), "] ", ": ", 1))
}

// specVersion is a component's version as the spec writes it: an unquoted
// 3.10 stays "3.10", where YAML would read the number 3.1.
type specVersion string

func (v *specVersion) UnmarshalYAML(n ast.Node) error {
	switch n := n.(type) {
	case *ast.StringNode:
		*v = specVersion(n.Value)
	case *ast.IntegerNode, *ast.FloatNode:
		*v = specVersion(n.GetToken().Value)
	default:
		return fmt.Errorf("a version is a string like 3.8.0, not %s", n.Type())
	}
	return nil
}

// LoadInput reads a cluster spec (JSON or YAML) from path.
func LoadInput(path string) (Input, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Input{}, err
	}
	in, err := ParseInput(b)
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}
