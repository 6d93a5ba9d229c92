package provisioner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/repository"
	"ringmaster.dev/kit/role"
)

// Paths on nodes.
const (
	sourcesPath  = "/etc/apt/sources.list.d/ringmaster.sources"
	servicesPath = "/etc/ringmaster/services"
	readyPath    = "/etc/ringmaster/ready"
	policyRCPath = "/usr/sbin/policy-rc.d"
)

// aptEnv keeps apt quiet and from asking.
var aptEnv = []string{"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C"}

// aptOnlyOurs makes apt read only the Ringmaster sources: nodes install
// what the signed channel repository holds and nothing from elsewhere.
// A killed provisioner's apt-get may still hold the lock: wait for it.
var aptOnlyOurs = []string{"-o", "Dir::Etc::SourceList=/dev/null", "-o", "APT::Get::List-Cleanup=0", "-o", "DPkg::Lock::Timeout=120"}

// Applied reports what one apply changed on one node.
type Applied struct {
	Node      string
	Installed []string // packages installed now
	Changed   []string // files written because they differed
	Started   []string // services started or restarted
}

// Changes counts every change.
func (a Applied) Changes() int { return len(a.Installed) + len(a.Changed) + len(a.Started) }

// Apply brings one node to its roles: packages installed from the signed
// repository (only when missing), configuration rendered from the role
// templates (written only when different), services started or, when their
// configuration changed, restarted. A second Apply changes nothing.
//
// The node is asked once what it has (inspect) and every changed file is
// written in one copy: on a node that needs nothing (a snapshot, a second
// apply) an apply is a single exec.
func (p *Provisioner) Apply(ctx context.Context, c cluster.Cluster, n cluster.Node, pl plan, src func(context.Context) (repository.Source, error)) (Applied, error) {
	a := Applied{Node: n.Name}
	idx := cluster.NodeIndex(n.Name)
	type roleFiles struct {
		r     *role.Role
		files []role.Rendered
	}
	var roles []roleFiles
	var paths, pidFiles, services []string
	versions := pl.packageVersions(idx)
	pkgs := slices.Sorted(maps.Keys(versions))
	for _, comp := range pl.Spec.NodeRoles(idx) {
		r := pl.Roles[comp]
		files, err := r.Render(role.Context{Cluster: pl.Spec.Name, Node: n.Name, Index: idx,
			Members: members(pl.Spec, comp), Primary: cluster.NodeName(1), MemoryMB: pl.Spec.MemoryMB,
			FQDN: cluster.FQDN(pl.Spec.Name, n.Name), Realm: pl.Spec.Kerberos})
		if err != nil {
			return a, err
		}
		roles = append(roles, roleFiles{r, files})
		pidFiles = append(pidFiles, r.PIDFile)
		services = append(services, r.Service+" "+r.PIDFile)
		for _, f := range files {
			paths = append(paths, f.Path)
		}
	}
	list := role.Rendered{Path: servicesPath, Owner: "root", Mode: 0o644, Data: []byte(strings.Join(services, "\n") + "\n")}
	paths = append(paths, list.Path)
	st, err := p.inspect(ctx, n, pkgs, paths, pidFiles)
	if err != nil {
		return a, err
	}
	if missing := st.missing(pkgs); len(missing) > 0 {
		rs, err := src(ctx)
		if err != nil {
			return a, err
		}
		if err := p.install(ctx, n, rs, missing, versions, pl.Spec.Builds); err != nil {
			return a, err
		}
		a.Installed = missing
		// Packages add users and their own configuration files.
		if st, err = p.inspect(ctx, n, nil, paths, pidFiles); err != nil {
			return a, err
		}
	}
	var write []cluster.File
	changed := map[*role.Role]bool{}
	add := func(r *role.Role, f role.Rendered) error {
		if !st.differs(f.Path, f.Data) {
			return nil
		}
		id, ok := st.users[f.Owner]
		if !ok {
			return fmt.Errorf("%s: %s: owner %q is not a user on the node (is its package installed?)", n.Name, f.Path, f.Owner)
		}
		write = append(write, cluster.File{Path: f.Path, Data: f.Data, Mode: f.Mode, UID: id.uid, GID: id.gid})
		a.Changed = append(a.Changed, f.Path)
		changed[r] = true
		return nil
	}
	for _, rf := range roles {
		for _, f := range rf.files {
			if err := add(rf.r, f); err != nil {
				return a, err
			}
		}
	}
	if err := add(nil, list); err != nil {
		return a, err
	}
	if len(write) > 0 {
		if err := p.Docker.WriteFiles(ctx, n, write...); err != nil {
			return a, err
		}
	}
	for _, rf := range roles {
		r := rf.r
		switch {
		case !st.running[r.PIDFile]:
			if _, err := p.Docker.Run(ctx, n, "/etc/init.d/"+r.Service, "start"); err != nil {
				return a, fmt.Errorf("start %s: %w", r.Service, err)
			}
			a.Started = append(a.Started, r.Service)
		case changed[r]:
			if _, err := p.Docker.Run(ctx, n, "/etc/init.d/"+r.Service, "restart"); err != nil {
				return a, fmt.Errorf("restart %s: %w", r.Service, err)
			}
			a.Started = append(a.Started, r.Service)
		}
	}
	return a, nil
}

// InstallPackages installs the node's missing role packages with apt-get
// from the signed repository and returns them.
func (p *Provisioner) InstallPackages(ctx context.Context, n cluster.Node, pl plan, src func(context.Context) (repository.Source, error)) ([]string, error) {
	versions := pl.packageVersions(cluster.NodeIndex(n.Name))
	if len(versions) == 0 {
		return nil, nil
	}
	pkgs := slices.Sorted(maps.Keys(versions))
	st, err := p.inspect(ctx, n, pkgs, nil, nil)
	if err != nil {
		return nil, err
	}
	missing := st.missing(pkgs)
	if len(missing) == 0 {
		return nil, nil
	}
	rs, err := src(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.install(ctx, n, rs, missing, versions, pl.Spec.Builds); err != nil {
		return nil, err
	}
	return missing, nil
}

func members(s cluster.Spec, comp string) []role.Member {
	var out []role.Member
	for i, name := range s.Members(comp) {
		out = append(out, role.Member{Name: name, Index: i + 1, FQDN: cluster.FQDN(s.Name, name)})
	}
	return out
}

// install points apt at the channel (Signed-By the repository key) and
// installs pkgs with apt-get, each at the upstream version versions gives
// it (the newest release of that version: "zookeeper=3.8.0-*").
//
// builds pins packages to exact versions (apt preferences, priority 1001).
func (p *Provisioner) install(ctx context.Context, n cluster.Node, rs repository.Source, pkgs []string, versions, builds map[string]string) error {
	err := p.Docker.WriteFiles(ctx, n,
		cluster.File{Path: repository.KeyringPath, Data: rs.Keyring, Mode: 0o644},
		cluster.File{Path: sourcesPath, Data: rs.Sources(), Mode: 0o644},
		// A pipeline's cluster runs exactly what it built, dependencies
		// included: pinned above the channel's newest.
		cluster.File{Path: buildsPrefsPath, Data: buildPreferences(builds), Mode: 0o644},
		// Packages never start services on install: the provisioner starts
		// them once their configuration is in place.
		cluster.File{Path: policyRCPath, Data: []byte("#!/bin/sh\nexit 101\n"), Mode: 0o755})
	if err != nil {
		return err
	}
	// An install interrupted by a crash is finished first.
	if _, err := p.Docker.Run(ctx, n, "dpkg", "--configure", "-a"); err != nil {
		return err
	}
	update := append(append([]string{"apt-get"}, aptOnlyOurs...), "update")
	if r, err := p.Docker.Exec(ctx, n, update, cluster.ExecOptions{Env: aptEnv}); err != nil {
		return err
	} else if r.ExitCode != 0 || bytes.Contains(r.Stderr, []byte("W: ")) || bytes.Contains(r.Stdout, []byte("Err:")) {
		return fmt.Errorf("%w: %w", errRepo, &cluster.ExecError{Node: n.Name, Cmd: update, Result: r})
	}
	inst := append(append([]string{"apt-get"}, aptOnlyOurs...), "install", "-y", "--no-install-recommends")
	for _, pkg := range pkgs {
		if v := builds[pkg]; v != "" {
			pkg += "=" + v
		} else if v := versions[pkg]; v != "" {
			pkg += "=" + v + "-*"
		}
		inst = append(inst, pkg)
	}
	if r, err := p.Docker.Exec(ctx, n, inst, cluster.ExecOptions{Env: aptEnv}); err != nil {
		return err
	} else if r.ExitCode != 0 {
		return fmt.Errorf("%w: %w", errInstall, &cluster.ExecError{Node: n.Name, Cmd: inst, Result: r})
	}
	return nil
}

var (
	errRepo    = errors.New("the channel repository cannot be read (not published yet, or its signature does not verify)")
	errInstall = errors.New("apt-get install failed")
)

// buildsPrefsPath holds the apt preferences that pin a pipeline's build.
const buildsPrefsPath = "/etc/apt/preferences.d/ringmaster-builds"

// buildPreferences pins each package of builds to its version above any
// other (priority 1001); empty when nothing is pinned.
func buildPreferences(builds map[string]string) []byte {
	var b strings.Builder
	for _, pkg := range slices.Sorted(maps.Keys(builds)) {
		fmt.Fprintf(&b, "Package: %s\nPin: version %s\nPin-Priority: 1001\n\n", pkg, builds[pkg])
	}
	return []byte(b.String())
}
