package stack

import "path/filepath"

// Stack is a parsed and validated stack.yaml.
type Stack struct {
	Name       string       `yaml:"name" json:"name" jsonschema:"title=stack name,pattern=^[a-z0-9][a-z0-9-]*$"`
	Distros    []string     `yaml:"distros" json:"distros" jsonschema:"title=distributions the stack is built for,example=debian-12,minItems=1"`
	Channel    string       `yaml:"channel,omitempty" json:"channel,omitempty" jsonschema:"title=default channel packages are published to,default=stable"`
	Components []*Component `yaml:"components" json:"components" jsonschema:"minItems=1"`
	// Test is what a pipeline runs after building the stack from git.
	Test *Test `yaml:"test,omitempty" json:"test,omitempty" jsonschema:"title=the cluster and suites a pipeline runs after a build from git"`

	// File is the path the stack was read from; Dir is its directory.
	File string `yaml:"-" json:"-"`
	Dir  string `yaml:"-" json:"-"`
}

// Test is the cluster a pipeline creates from the packages it built and
// the suites it runs on it. Every field has a default: the stack's first
// distro, the smallest cluster the compatibility policy allows, every
// suite that applies.
type Test struct {
	Distro   string         `yaml:"distro,omitempty" json:"distro,omitempty" jsonschema:"title=distro of the test cluster,description=default: the stack's first distro"`
	Nodes    int            `yaml:"nodes,omitempty" json:"nodes,omitempty" jsonschema:"title=nodes,minimum=1,maximum=9,description=default: the smallest cluster the compatibility policy allows"`
	Roles    map[string]int `yaml:"roles,omitempty" json:"roles,omitempty" jsonschema:"title=component → node count,description=default: every component with a role on every node"`
	Suites   []string       `yaml:"suites,omitempty" json:"suites,omitempty" jsonschema:"title=suites to run,description=default: every suite that applies,example=packages"`
	MemoryMB int            `yaml:"memory_mb,omitempty" json:"memory_mb,omitempty" jsonschema:"title=memory per node in MB,minimum=64"`
	Skip     bool           `yaml:"skip,omitempty" json:"skip,omitempty" jsonschema:"title=no cluster: the pipeline ends after publishing"`
}

// MaxTestNodes bounds a test cluster.
const MaxTestNodes = 9

// DefaultChannel is the channel of a stack that names none.
const DefaultChannel = "stable"

// DefaultRelease is the package release of a component that names none.
const DefaultRelease = "1"

// Component is one package the stack builds.
type Component struct {
	Name        string `yaml:"name" json:"name" jsonschema:"title=package name (Debian rules),pattern=^[a-z0-9][a-z0-9+.-]+$"`
	Version     string `yaml:"version" json:"version" jsonschema:"title=upstream version,pattern=^[0-9][A-Za-z0-9.+~]*$"`
	Release     string `yaml:"release,omitempty" json:"release,omitempty" jsonschema:"title=package release,default=1,pattern=^[A-Za-z0-9.+~]+$"`
	Summary     string `yaml:"summary" json:"summary" jsonschema:"title=one-line summary"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	License     string `yaml:"license" json:"license" jsonschema:"example=Apache-2.0"`
	Homepage    string `yaml:"homepage,omitempty" json:"homepage,omitempty" jsonschema:"format=uri"`
	Maintainer  string `yaml:"maintainer" json:"maintainer" jsonschema:"example=Ringmaster <ringmaster@example.org>"`
	// Distros limits the component to some of the stack's distros (default: all).
	Distros   []string  `yaml:"distros,omitempty" json:"distros,omitempty" jsonschema:"title=only these of the stack's distros"`
	Sources   []Source  `yaml:"sources" json:"sources" jsonschema:"minItems=1"`
	Patches   []string  `yaml:"patches,omitempty" json:"patches,omitempty" jsonschema:"title=ordered patch series,description=.patch or .diff files relative to the stack directory"`
	Build     Build     `yaml:"build" json:"build"`
	Install   []Install `yaml:"install" json:"install" jsonschema:"minItems=1"`
	User      *User     `yaml:"user,omitempty" json:"user,omitempty" jsonschema:"title=system user and group created on install"`
	Service   *Service  `yaml:"service,omitempty" json:"service,omitempty"`
	Relations Relations `yaml:"relations,omitempty" json:"relations,omitempty"`
	Scripts   Scripts   `yaml:"scripts,omitempty" json:"scripts,omitempty" jsonschema:"title=maintainer scripts,description=POSIX sh files relative to the stack directory"`

	// Dir is the stack directory: patches, local sources, the service
	// script and maintainer scripts are relative to it.
	Dir string `yaml:"-" json:"-"`
}

// Path is rel, a path relative to the stack directory, on this machine.
func (c *Component) Path(rel string) string { return filepath.Join(c.Dir, filepath.FromSlash(rel)) }

// Source is where a component's source comes from: a URL with its sha256,
// or a directory relative to the stack directory.
type Source struct {
	URL    string `yaml:"url,omitempty" json:"url,omitempty" jsonschema:"format=uri"`
	SHA256 string `yaml:"sha256,omitempty" json:"sha256,omitempty" jsonschema:"pattern=^[0-9a-f]{64}$"`
	Dir    string `yaml:"dir,omitempty" json:"dir,omitempty" jsonschema:"title=local source directory relative to the stack directory"`
}

// Build is how a component is compiled inside its toolchain image.
type Build struct {
	Image        string            `yaml:"image" json:"image" jsonschema:"title=toolchain image name"`
	Commands     []string          `yaml:"commands" json:"commands" jsonschema:"minItems=1"`
	Env          map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	BuildDepends []string          `yaml:"build_depends,omitempty" json:"build_depends,omitempty" jsonschema:"title=components of this stack built (and installed) first"`
}

// Install types.
const (
	TypeFile     = "file"
	TypeDir      = "dir"
	TypeConffile = "conffile"
	TypeSymlink  = "symlink"
)

// Install places one path of the build output in the package.
type Install struct {
	Src   string `yaml:"src,omitempty" json:"src,omitempty" jsonschema:"title=path in the build output dir (link target for symlink; optional for dir)"`
	Dst   string `yaml:"dst" json:"dst" jsonschema:"title=absolute install path"`
	Type  string `yaml:"type,omitempty" json:"type,omitempty" jsonschema:"enum=file,enum=dir,enum=conffile,enum=symlink,default=file"`
	Mode  string `yaml:"mode,omitempty" json:"mode,omitempty" jsonschema:"title=octal mode,pattern=^0?[0-7]{3}$,example=0644"`
	Owner string `yaml:"owner,omitempty" json:"owner,omitempty" jsonschema:"default=root"`
	Group string `yaml:"group,omitempty" json:"group,omitempty" jsonschema:"default=root"`
}

// User is a system user (and its group) the package creates.
type User struct {
	Name  string `yaml:"name" json:"name"`
	Group string `yaml:"group,omitempty" json:"group,omitempty" jsonschema:"title=primary group,description=defaults to the user name"`
	Home  string `yaml:"home,omitempty" json:"home,omitempty" jsonschema:"description=defaults to /var/lib/<component>"`
}

// Service is the component's init script.
type Service struct {
	Script string `yaml:"script" json:"script" jsonschema:"title=init script relative to the stack directory"`
	Name   string `yaml:"name,omitempty" json:"name,omitempty" jsonschema:"title=service name,description=installed as /etc/init.d/<name>; defaults to the component name"`
}

// InitPath is where the init script is installed.
func (s *Service) InitPath() string { return "/etc/init.d/" + s.Name }

// Scripts are the component's own maintainer scripts.
type Scripts struct {
	PreInstall  string `yaml:"preinstall,omitempty" json:"preinstall,omitempty"`
	PostInstall string `yaml:"postinstall,omitempty" json:"postinstall,omitempty"`
	PreRemove   string `yaml:"preremove,omitempty" json:"preremove,omitempty"`
	PostRemove  string `yaml:"postremove,omitempty" json:"postremove,omitempty"`
}
