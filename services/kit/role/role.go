// Package role reads role definitions — infra/roles/<component>/role.yaml
// and its templates — and renders a node's configuration files from them.
package role

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/goccy/go-yaml"
)

// ErrInvalid marks a role definition that cannot be used.
var ErrInvalid = errors.New("invalid role")

// Role is what a component needs on a node.
type Role struct {
	Component string `yaml:"component"`
	// Packages are installed with apt-get from the channel's repository.
	Packages []string `yaml:"packages"`
	// Service is the init script (/etc/init.d/<service>) that runs it.
	Service string `yaml:"service"`
	// PIDFile tells whether the service runs (kill -0 of its pid).
	PIDFile string `yaml:"pidfile"`
	// Files are rendered from templates in the role's directory.
	Files []FileSpec `yaml:"files"`
	// Probe says how readiness is checked.
	Probe Probe `yaml:"probe"`

	dir       string
	templates map[string]*template.Template
}

// FileSpec is one rendered file.
type FileSpec struct {
	Template string `yaml:"template"`
	Path     string `yaml:"path"`
	Mode     string `yaml:"mode"`
	// Owner is a user name on the node (the package's service user), or root.
	Owner string `yaml:"owner"`
}

// Probe is a readiness check against one port of the node.
type Probe struct {
	// Kind is "zookeeper" (the srvr four-letter word), "line" (the first
	// line the service sends on connect, which must not be empty) or "redis" (PING,
	// then replication link up on replicas).
	Kind string `yaml:"kind"`
	Port int    `yaml:"port"`
}

// Probe kinds.
const (
	ProbeZooKeeper = "zookeeper"
	ProbeRedis     = "redis"
	ProbeLine      = "line"
)

// funcs are the template functions beyond text/template's own.
var funcs = template.FuncMap{"list": func(xs ...string) []string { return xs }}

var word = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]*$`)

// Load reads every role under dir (one directory per component).
func Load(dir string) (map[string]*Role, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("roles: %w (set RING_ROLES to the project's infra/roles)", err)
	}
	out := map[string]*Role{}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		r, err := LoadOne(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[r.Component] = r
	}
	return out, errors.Join(errs...)
}

// LoadOne reads one role directory.
func LoadOne(dir string) (*Role, error) {
	file := filepath.Join(dir, "role.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var r Role
	if err := yaml.UnmarshalWithOptions(b, &r, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, file, yaml.FormatError(err, false, true))
	}
	r.dir = dir
	if err := r.check(file); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *Role) check(file string) error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !word.MatchString(r.Component) {
		bad("component %q: want a lowercase package-style name", r.Component)
	} else if filepath.Base(r.dir) != r.Component {
		bad("component %q lives in directory %q: name the directory after the component", r.Component, filepath.Base(r.dir))
	}
	if len(r.Packages) == 0 {
		bad("packages: list at least one package to install")
	}
	for _, p := range r.Packages {
		if !word.MatchString(p) {
			bad("packages: %q is not a package name", p)
		}
	}
	if !word.MatchString(r.Service) {
		bad("service %q: want the name of the package's init script", r.Service)
	}
	if !filepath.IsAbs(r.PIDFile) {
		bad("pidfile %q: want the absolute path of the service's pid file", r.PIDFile)
	}
	switch r.Probe.Kind {
	case ProbeZooKeeper, ProbeRedis, ProbeLine:
	default:
		bad("probe.kind %q: want %s, %s or %s", r.Probe.Kind, ProbeZooKeeper, ProbeRedis, ProbeLine)
	}
	if r.Probe.Port < 1 || r.Probe.Port > 65535 {
		bad("probe.port %d: want 1-65535", r.Probe.Port)
	}
	r.templates = map[string]*template.Template{}
	seen := map[string]bool{}
	for i, f := range r.Files {
		if !filepath.IsAbs(f.Path) || filepath.Clean(f.Path) != f.Path {
			bad("files[%d].path %q: want a clean absolute path", i, f.Path)
		}
		if seen[f.Path] {
			bad("files[%d].path %q: listed twice", i, f.Path)
		}
		seen[f.Path] = true
		if _, err := f.FileMode(); err != nil {
			bad("files[%d].mode: %v", i, err)
		}
		if f.Template == "" || strings.Contains(f.Template, "/") {
			bad("files[%d].template %q: want a file name in %s", i, f.Template, r.dir)
			continue
		}
		src, err := os.ReadFile(filepath.Join(r.dir, f.Template))
		if err != nil {
			bad("files[%d].template: %v", i, err)
			continue
		}
		t, err := template.New(f.Template).Option("missingkey=error").Funcs(funcs).Parse(string(src))
		if err != nil {
			bad("files[%d].template: %v", i, err)
			continue
		}
		r.templates[f.Template] = t
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s:\n  %s", ErrInvalid, file, strings.Join(errs, "\n  "))
	}
	return nil
}

// FileMode parses Mode ("0644"; default 0644).
func (f FileSpec) FileMode() (fs.FileMode, error) {
	if f.Mode == "" {
		return 0o644, nil
	}
	m, err := strconv.ParseUint(f.Mode, 8, 32)
	if err != nil || m > 0o777 {
		return 0, fmt.Errorf("%q is not an octal permission like \"0644\"", f.Mode)
	}
	return fs.FileMode(m), nil
}

// Context is what templates see.
type Context struct {
	Cluster string
	// Node is this node's name (node1 …) and Index its number (1 …).
	Node  string
	Index int
	// Members are the nodes running this role, in order; Primary is the first.
	Members []Member
	Primary string
	// MemoryMB is the node's memory limit.
	MemoryMB int
	// FQDN is the node's fully qualified name (node1.<cluster>.ring).
	FQDN string
	// Realm is the cluster's Kerberos realm, "" when not kerberized.
	Realm string
}

// Member is one node running the role.
type Member struct {
	Name  string
	Index int
	FQDN  string
}

// Rendered is one rendered file.
type Rendered struct {
	Path, Owner string
	Mode        fs.FileMode
	Data        []byte
}

// Render renders every file of the role for one node, sorted by path.
func (r *Role) Render(c Context) ([]Rendered, error) {
	out := make([]Rendered, 0, len(r.Files))
	for _, f := range r.Files {
		var buf bytes.Buffer
		if err := r.templates[f.Template].Execute(&buf, c); err != nil {
			return nil, fmt.Errorf("%w: %s/%s: %w", ErrInvalid, r.dir, f.Template, err)
		}
		mode, _ := f.FileMode()
		owner := f.Owner
		if owner == "" {
			owner = "root"
		}
		out = append(out, Rendered{Path: f.Path, Owner: owner, Mode: mode, Data: buf.Bytes()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
