package stack

// Relations are package relations, written once and rendered per format.
type Relations struct {
	Depends   []Relation `yaml:"depends,omitempty" json:"depends,omitempty"`
	Conflicts []Relation `yaml:"conflicts,omitempty" json:"conflicts,omitempty"`
	Provides  []Relation `yaml:"provides,omitempty" json:"provides,omitempty"`
	Replaces  []Relation `yaml:"replaces,omitempty" json:"replaces,omitempty"`
}

// Relation is a format-neutral relation such as {name: libfoo, op: ">=", version: "1.0"}.
type Relation struct {
	Name    string `yaml:"name" json:"name"`
	Op      string `yaml:"op,omitempty" json:"op,omitempty" jsonschema:"enum=<,enum=<=,enum==,enum=>=,enum=>"`
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
}

var debOps = map[string]string{"<": "<<", "<=": "<=", "=": "=", ">=": ">=", ">": ">>"}

// Deb renders r for a Debian control file: "libfoo (>= 1.0)".
func (r Relation) Deb() string {
	if r.Op == "" {
		return r.Name
	}
	return r.Name + " (" + debOps[r.Op] + " " + r.Version + ")"
}

// RPM renders r for an RPM header: "libfoo >= 1.0".
func (r Relation) RPM() string {
	if r.Op == "" {
		return r.Name
	}
	return r.Name + " " + r.Op + " " + r.Version
}
