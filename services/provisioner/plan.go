package provisioner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/role"
	"ringmaster.dev/kit/stack"
	"ringmaster.dev/policies"
)

// ErrSpec is a cluster request that can never succeed as written.
var ErrSpec = errors.New("invalid cluster request")

// DefaultDistro is the distro of a cluster that names none.
const DefaultDistro = "debian-12"

// plan is a resolved request: the cluster spec, the component versions from
// the stack, and the roles that configure it.
type plan struct {
	Spec     cluster.Spec
	Versions map[string]string
	Roles    map[string]*role.Role
}

// Plan resolves a create request against the stack and the roles: defaults
// filled in, every component of the stack that has a role on every node
// unless roles say otherwise.
func (p *Provisioner) Plan(ctx context.Context, req events.ClusterCreateRequested, runID string) (plan, error) {
	st, err := p.loadStack(ctx, req.Stack, req.Commit)
	if err != nil {
		return plan{}, err
	}
	for pkg, v := range req.Builds {
		if !debVersionRE.MatchString(v) || !debNameRE.MatchString(pkg) {
			return plan{}, fmt.Errorf("%w: build %s=%s: want a package name and its exact Debian version, e.g. ringhello=1.0.0-1+deb12", ErrSpec, pkg, v)
		}
	}
	s := cluster.Spec{Name: req.Name, RunID: runID, Stack: st.Name, Commit: req.Commit, Builds: req.Builds, Channel: req.Channel, Distro: req.Distro,
		Nodes: req.Nodes, Roles: map[string]int{}, MemoryMB: req.MemoryMB, Kerberos: req.Kerberos, From: req.From, Protected: req.Protected}
	if s.Channel == "" {
		s.Channel = st.Channel
	}
	if s.Channel == "" {
		s.Channel = "nightly"
	}
	if s.Distro == "" {
		s.Distro = DefaultDistro
	}
	if s.MemoryMB == 0 {
		s.MemoryMB = p.Opts.MemoryMB
	}
	versions := map[string]string{}
	for _, c := range st.Components {
		versions[c.Name] = c.Version
	}
	for name, v := range req.Versions {
		if _, ok := versions[name]; !ok {
			return plan{}, fmt.Errorf("%w: version %s=%s: stack %s has no such component (it has %s)", ErrSpec, name, v, st.Name, slices.Sorted(maps.Keys(versions)))
		}
		if v == "" {
			return plan{}, fmt.Errorf("%w: version %s=: want an upstream version, e.g. %s=%s", ErrSpec, name, name, versions[name])
		}
		versions[name] = v
	}
	if len(req.Roles) > 0 {
		for r, n := range req.Roles {
			if _, ok := versions[r]; !ok {
				return plan{}, fmt.Errorf("%w: role %q: stack %s has no such component (it has %s)", ErrSpec, r, st.Name, slices.Sorted(maps.Keys(versions)))
			}
			s.Roles[r] = n
		}
	} else {
		for name := range versions {
			if p.Roles[name] != nil {
				s.Roles[name] = s.Nodes
			}
		}
	}
	roles := map[string]*role.Role{}
	used := map[string]string{}
	for r := range s.Roles {
		if p.Roles[r] == nil {
			return plan{}, fmt.Errorf("%w: component %s has no role definition in %s (add %s/role.yaml)", ErrSpec, r, p.Opts.RolesDir, filepath.Join(p.Opts.RolesDir, r))
		}
		roles[r] = p.Roles[r]
		used[r] = versions[r]
	}
	if len(roles) == 0 {
		return plan{}, fmt.Errorf("%w: stack %s has no component with a role in %s", ErrSpec, st.Name, p.Opts.RolesDir)
	}
	for name := range req.Versions {
		if _, ok := used[name]; !ok {
			return plan{}, fmt.Errorf("%w: version of %s given, but no node runs it (roles: %s)", ErrSpec, name, slices.Sorted(maps.Keys(used)))
		}
	}
	s.Versions = used
	if err := s.Validate(); err != nil {
		return plan{}, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	return plan{Spec: s, Versions: used, Roles: roles}, nil
}

// loadStack reads the stack named name from the stacks directory, or, for
// a commit of a stack from git, the stack.yaml the builder kept of it.
func (p *Provisioner) loadStack(ctx context.Context, name, commit string) (*stack.Stack, error) {
	if err := cluster.ValidateName("stack", name); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	if commit != "" {
		return p.stackAt(ctx, name, commit)
	}
	file := filepath.Join(p.Opts.StacksDir, name, "stack.yaml")
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("%w: stack %q: no %s (stacks live in %s; set RING_STACKS)", ErrSpec, name, file, p.Opts.StacksDir)
	}
	st, err := stack.Load(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	return st, nil
}

// packageVersions maps the packages of the components the i-th node runs
// to their components' upstream versions.
func (pl plan) packageVersions(i int) map[string]string {
	out := map[string]string{}
	for _, comp := range pl.Spec.NodeRoles(i) {
		for _, pkg := range pl.Roles[comp].Packages {
			out[pkg] = pl.Versions[comp]
		}
	}
	return out
}

// PolicyInput is the compatibility policy's view of the plan on a machine
// of machineMB (0: unknown) whose running clusters hold committedMB.
func (pl plan) PolicyInput(machineMB, committedMB int) policies.Input {
	return policies.Input{Stack: pl.Spec.Stack, Components: pl.Versions, Distro: pl.Spec.Distro, Roles: maps.Clone(pl.Spec.Roles),
		Nodes: pl.Spec.Nodes, Kerberos: pl.Spec.Kerberos != "", MemoryMB: pl.Spec.MemoryMB, MachineMB: machineMB, CommittedMB: committedMB}
}

// stackAt reads the stack.yaml of a built commit from the blob store.
func (p *Provisioner) stackAt(ctx context.Context, name, commit string) (*stack.Stack, error) {
	if !commitRE.MatchString(commit) {
		return nil, fmt.Errorf("%w: commit %q: want 40 lowercase hex digits", ErrSpec, commit)
	}
	key := gitstack.SnapshotKey(name, commit)
	rc, _, err := p.Store.Get(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Errorf("%w: stack %s at commit %s was never built (no %s): build it first (ring build --stack %s --commit %s)", ErrSpec, name, commit[:12], key, name, commit)
	}
	if err != nil {
		return nil, fmt.Errorf("stack %s at commit %s: %w", name, commit[:12], err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("stack %s at commit %s: %w", name, commit[:12], err)
	}
	st, err := stack.Parse(key, data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	return st, nil
}

var (
	commitRE     = regexp.MustCompile(`^[0-9a-f]{40}$`)
	debVersionRE = regexp.MustCompile(`^([0-9]+:)?[0-9][A-Za-z0-9.+~]*-[A-Za-z0-9.+~]+$`)
	debNameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
)
