// Package cell runs one build cell — a component built for one distro — in
// a locked-down container of its toolchain image: no network, no
// capabilities, no new privileges, memory and pids limits, read-only
// sources and dependencies, and a writable /build and /out.
package cell

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"time"
)

// Errors returned by Run; match them with errors.Is.
var (
	// ErrBuildFailed: the build script exited non-zero (see ExitError).
	ErrBuildFailed = errors.New("build failed")
	// ErrTimeout: the build ran longer than Spec.Timeout and was killed.
	ErrTimeout = errors.New("build timed out")
	// ErrSpec: the Spec is invalid; nothing was started.
	ErrSpec = errors.New("invalid build cell spec")
)

// ExitError is a build that exited non-zero. It matches ErrBuildFailed.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("%v: exit code %d", ErrBuildFailed, e.Code) }

// Is makes errors.Is(err, ErrBuildFailed) true.
func (e *ExitError) Is(target error) bool { return target == ErrBuildFailed }

// Labels on every build container.
const (
	LabelRun       = "ringmaster.run"
	LabelStack     = "ringmaster.stack"
	LabelComponent = "ringmaster.component"
	LabelDistro    = "ringmaster.distro"
	LabelRole      = "ringmaster.role"
	// LabelOwner names the builder instance that started the container, so
	// a restarted builder removes its predecessor's containers and no other's.
	LabelOwner = "ringmaster.owner"
	RoleBuild  = "build"
)

// Defaults for the zero values of Spec.
const (
	DefaultMemoryBytes = 1 << 30
	DefaultPidsLimit   = 512
)

// Paths inside the container.
const (
	SrcPath     = "/src"
	BuildPath   = "/build"
	OutPath     = "/out"
	DepsPath    = "/deps"
	PatchesPath = "/patches"
)

// Spec is one build cell.
type Spec struct {
	// Owner labels the container with the builder instance (see LabelOwner).
	Owner                           string
	RunID, Stack, Component, Distro string
	// Image is the toolchain image reference; it must exist locally (builds
	// have no network, nothing is pulled).
	Image string
	// SourceDir holds the extracted sources, mounted read-only at /src and
	// copied to /build, where the build runs.
	SourceDir string
	// PatchFiles are host paths, mounted read-only and applied in order
	// with patch -p1 --forward.
	PatchFiles []string
	// Commands run in /build with sh, stopping at the first failure.
	Commands []string
	// Env is added to OUT, DEPS, SRC and JOBS (which it may not override).
	Env map[string]string
	// DepsDirs maps a component to the host dir of its build output,
	// mounted read-only at /deps/<component>.
	DepsDirs map[string]string
	// OutDir is the host dir of the build output, mounted at /out.
	OutDir string
	// MemoryBytes limits memory, without swap (0: DefaultMemoryBytes).
	MemoryBytes int64
	// PidsLimit limits processes and threads (0: DefaultPidsLimit).
	PidsLimit int64
	// Timeout kills the build after this long (0: no limit but ctx).
	Timeout time.Duration
}

// Result is a finished build.
type Result struct {
	ExitCode int
	Took     time.Duration
}

var (
	labelValue = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:+-]*$`)
	envName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	component  = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]*$`)
)

// reserved env names are set by Run.
var reserved = map[string]bool{"OUT": true, "DEPS": true, "SRC": true, "JOBS": true, "HOME": true, "SOURCE_DATE_EPOCH": true}

// validate checks s and returns it with defaults and absolute paths.
func (s Spec) validate() (Spec, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for name, v := range map[string]string{"RunID": s.RunID, "Stack": s.Stack, "Component": s.Component, "Distro": s.Distro} {
		if !labelValue.MatchString(v) {
			bad("%s %q: want letters, digits and _.:+-", name, v)
		}
	}
	if s.Image == "" {
		bad("Image is empty")
	}
	if len(s.Commands) == 0 {
		bad("no Commands")
	}
	for i, c := range s.Commands {
		if c == "" {
			bad("Commands[%d] is empty", i)
		}
	}
	for k, v := range s.Env {
		switch {
		case !envName.MatchString(k):
			bad("Env %q: not a valid variable name", k)
		case reserved[k]:
			bad("Env %q: set by the builder, may not be overridden", k)
		case containsNUL(v):
			bad("Env %q: value holds a NUL byte", k)
		}
	}
	abs := func(what string, p *string) {
		if *p == "" {
			bad("%s is empty", what)
			return
		}
		a, err := filepath.Abs(*p)
		if err != nil {
			bad("%s: %v", what, err)
		}
		*p = a
	}
	abs("SourceDir", &s.SourceDir)
	abs("OutDir", &s.OutDir)
	patches := make([]string, len(s.PatchFiles))
	for i := range s.PatchFiles {
		patches[i] = s.PatchFiles[i]
		abs(fmt.Sprintf("PatchFiles[%d]", i), &patches[i])
	}
	s.PatchFiles = patches
	deps := make(map[string]string, len(s.DepsDirs))
	for c, d := range s.DepsDirs {
		if !component.MatchString(c) {
			bad("DepsDirs %q: not a component name", c)
		}
		abs("DepsDirs["+c+"]", &d)
		deps[c] = d
	}
	s.DepsDirs = deps
	if s.MemoryBytes == 0 {
		s.MemoryBytes = DefaultMemoryBytes
	}
	if s.PidsLimit == 0 {
		s.PidsLimit = DefaultPidsLimit
	}
	if s.MemoryBytes < 6<<20 {
		bad("MemoryBytes %d: Docker needs at least 6 MiB", s.MemoryBytes)
	}
	if s.PidsLimit < 0 || s.Timeout < 0 {
		bad("PidsLimit and Timeout may not be negative")
	}
	if err := errors.Join(errs...); err != nil {
		return s, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	return s, nil
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}
