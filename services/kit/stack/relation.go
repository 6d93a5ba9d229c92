package stack

// Relations are package relations, written once and rendered per format.
type Relations struct {
	Depends   []Relation `yaml:"depends,omitempty" json:"depends,omitempty"`
	Conflicts []Relation `yaml:"conflicts,omitempty" json:"conflicts,omitempty"`
	Provides  []Relation `yaml:"provides,omitempty" json:"provides,omitempty"`
	Replaces  []Relation `yaml:"replaces,omitempty" json:"replaces,omitempty"`
}

// Relation is a format-neutral relation such as {name: libfoo, op: ">=", version: "1.0"}.
// Distros limits it to packages built for some distros, e.g. the JRE a Java
// component depends on: {name: openjdk-11-jre-headless, distros: [debian-11]}.
type Relation struct {
	Name    string   `yaml:"name" json:"name"`
	Op      string   `yaml:"op,omitempty" json:"op,omitempty" jsonschema:"enum=<,enum=<=,enum==,enum=>=,enum=>"`
	Version string   `yaml:"version,omitempty" json:"version,omitempty"`
	Distros []string `yaml:"distros,omitempty" json:"distros,omitempty" jsonschema:"title=only in packages for these of the component's distros,description=default: all; a package made for no particular distro gets only the relations without distros"`
}

// For reports whether r applies to a package built for distro: a relation
// without distros applies to every package, one with distros only to
// packages built for one of them (never to a distro-neutral package, "").
func (r Relation) For(distro string) bool {
	if len(r.Distros) == 0 {
		return true
	}
	for _, d := range r.Distros {
		if d == distro {
			return true
		}
	}
	return false
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
