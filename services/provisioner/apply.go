package provisioner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"ringmaster.dev/provisioner/cluster"
	"ringmaster.dev/provisioner/role"
)

// Paths on nodes.
const (
	// KeyringPath is where nodes keep the repository key (apt Signed-By).
	KeyringPath  = "/usr/share/keyrings/ringmaster.gpg"
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

// RepoSource is where a node's apt finds the channel: the relay's URL and
// the binary keyring.
type RepoSource struct {
	URL     string // base URL of repos/ (…/apt is the APT root)
	Keyring []byte
	Suite   string
}

// Sources is the deb822 apt sources file for the channel, Signed-By the
// keyring installed at KeyringPath.
func (rs RepoSource) Sources() []byte {
	return []byte(fmt.Sprintf("# Written by Ringmaster: the %s suite of the signed Ringmaster repository.\nTypes: deb\nURIs: %s/apt\nSuites: %s\nComponents: main\nSigned-By: %s\n",
		rs.Suite, strings.TrimSuffix(rs.URL, "/"), rs.Suite, KeyringPath))
}

// Apply brings one node to its roles: packages installed from the signed
// repository (only when missing), configuration rendered from the role
// templates (written only when different), services started or, when their
// configuration changed, restarted. A second Apply changes nothing.
func (p *Provisioner) Apply(ctx context.Context, c cluster.Cluster, n cluster.Node, pl plan, src func(context.Context) (RepoSource, error)) (Applied, error) {
	a := Applied{Node: n.Name}
	idx := cluster.NodeIndex(n.Name)
	comps := pl.Spec.NodeRoles(idx)
	installed, err := p.InstallPackages(ctx, n, pl, src)
	if err != nil {
		return a, err
	}
	a.Installed = installed
	users, err := p.users(ctx, n)
	if err != nil {
		return a, err
	}
	var services []string
	for _, comp := range comps {
		r := pl.Roles[comp]
		services = append(services, r.Service+" "+r.PIDFile)
		files, err := r.Render(role.Context{Cluster: pl.Spec.Name, Node: n.Name, Index: idx,
			Members: members(pl.Spec, comp), Primary: cluster.NodeName(1), MemoryMB: pl.Spec.MemoryMB,
			FQDN: cluster.FQDN(pl.Spec.Name, n.Name), Realm: pl.Spec.Kerberos})
		if err != nil {
			return a, err
		}
		changed, err := p.writeChanged(ctx, n, files, users)
		if err != nil {
			return a, err
		}
		a.Changed = append(a.Changed, changed...)
		running, err := p.running(ctx, n, r)
		if err != nil {
			return a, err
		}
		switch {
		case !running:
			if _, err := p.Docker.Run(ctx, n, "/etc/init.d/"+r.Service, "start"); err != nil {
				return a, fmt.Errorf("start %s: %w", r.Service, err)
			}
			a.Started = append(a.Started, r.Service)
		case len(changed) > 0:
			if _, err := p.Docker.Run(ctx, n, "/etc/init.d/"+r.Service, "restart"); err != nil {
				return a, fmt.Errorf("restart %s: %w", r.Service, err)
			}
			a.Started = append(a.Started, r.Service)
		}
	}
	list := []byte(strings.Join(services, "\n") + "\n")
	changed, err := p.writeChanged(ctx, n, []role.Rendered{{Path: servicesPath, Owner: "root", Mode: 0o644, Data: list}}, users)
	if err != nil {
		return a, err
	}
	a.Changed = append(a.Changed, changed...)
	return a, nil
}

// InstallPackages installs the node's missing role packages with apt-get
// from the signed repository and returns them.
func (p *Provisioner) InstallPackages(ctx context.Context, n cluster.Node, pl plan, src func(context.Context) (RepoSource, error)) ([]string, error) {
	var pkgs []string
	for _, comp := range pl.Spec.NodeRoles(cluster.NodeIndex(n.Name)) {
		pkgs = append(pkgs, pl.Roles[comp].Packages...)
	}
	sort.Strings(pkgs)
	missing, err := p.missingPackages(ctx, n, pkgs)
	if err != nil || len(missing) == 0 {
		return nil, err
	}
	rs, err := src(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.install(ctx, n, rs, missing); err != nil {
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

// missingPackages returns the packages not installed on the node.
func (p *Provisioner) missingPackages(ctx context.Context, n cluster.Node, pkgs []string) ([]string, error) {
	if len(pkgs) == 0 {
		return nil, nil
	}
	r, err := p.Docker.Exec(ctx, n, append([]string{"dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n"}, pkgs...), cluster.ExecOptions{})
	if err != nil {
		return nil, err
	}
	installed := map[string]bool{}
	for _, line := range strings.Split(string(r.Stdout), "\n") {
		if name, status, ok := strings.Cut(line, " "); ok && status == "installed" {
			installed[name] = true
		}
	}
	var out []string
	for _, pk := range pkgs {
		if !installed[pk] {
			out = append(out, pk)
		}
	}
	return out, nil
}

// install points apt at the channel (Signed-By the repository key) and
// installs pkgs with apt-get.
func (p *Provisioner) install(ctx context.Context, n cluster.Node, rs RepoSource, pkgs []string) error {
	err := p.Docker.WriteFiles(ctx, n,
		cluster.File{Path: KeyringPath, Data: rs.Keyring, Mode: 0o644},
		cluster.File{Path: sourcesPath, Data: rs.Sources(), Mode: 0o644},
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
	inst := append(append([]string{"apt-get"}, aptOnlyOurs...), append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)...)
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

type ids struct{ uid, gid int }

// users maps user names to ids on the node.
func (p *Provisioner) users(ctx context.Context, n cluster.Node) (map[string]ids, error) {
	r, err := p.Docker.Run(ctx, n, "getent", "passwd")
	if err != nil {
		return nil, err
	}
	out := map[string]ids{}
	for _, line := range strings.Split(string(r.Stdout), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 {
			continue
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 == nil && err2 == nil {
			out[f[0]] = ids{uid, gid}
		}
	}
	return out, nil
}

// writeChanged writes the files whose content differs from the node's and
// returns their paths. Parent directories are created.
func (p *Provisioner) writeChanged(ctx context.Context, n cluster.Node, files []role.Rendered, users map[string]ids) ([]string, error) {
	var write []cluster.File
	var changed []string
	for _, f := range files {
		old, err := p.Docker.ReadFile(ctx, n, f.Path)
		if err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		if err != nil && !cluster.IsNotFound(err) {
			return nil, err
		}
		id, ok := users[f.Owner]
		if !ok {
			return nil, fmt.Errorf("%s: %s: owner %q is not a user on the node (is its package installed?)", n.Name, f.Path, f.Owner)
		}
		write = append(write, cluster.File{Path: f.Path, Data: f.Data, Mode: f.Mode, UID: id.uid, GID: id.gid})
		changed = append(changed, f.Path)
	}
	if len(write) == 0 {
		return nil, nil
	}
	dirs := map[string]bool{}
	for _, f := range write {
		dirs[f.Path[:strings.LastIndex(f.Path, "/")+1]] = true
	}
	if _, err := p.Docker.Run(ctx, n, append([]string{"mkdir", "-p"}, slices.Sorted(maps.Keys(dirs))...)...); err != nil {
		return nil, err
	}
	if err := p.Docker.WriteFiles(ctx, n, write...); err != nil {
		return nil, err
	}
	// Ownership is set explicitly: how a tar stream's owners are applied
	// depends on the engine's copy options.
	for _, f := range write {
		if _, err := p.Docker.Run(ctx, n, "chown", fmt.Sprintf("%d:%d", f.UID, f.GID), f.Path); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

// running reports whether a role's service runs (its pid file names a live
// process).
func (p *Provisioner) running(ctx context.Context, n cluster.Node, r *role.Role) (bool, error) {
	res, err := p.Docker.Exec(ctx, n, []string{"sh", "-c", `[ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null`, "sh", r.PIDFile}, cluster.ExecOptions{})
	if err != nil {
		return false, err
	}
	return res.ExitCode == 0, nil
}
