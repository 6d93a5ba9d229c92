package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	errdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stringid"
)

// Provider creates and finds clusters in one Docker engine.
type Provider struct {
	c *client.Client
}

// New returns a Provider on a connected Docker client.
func New(c *client.Client) *Provider { return &Provider{c: c} }

// Client is the Docker client, for callers that need more.
func (p *Provider) Client() *client.Client { return p.c }

// Node is one node container.
type Node struct {
	Name      string
	Container string // container name
	ID        string
	State     string // Docker state: running, exited, created, …
	IP        string // address on the cluster network ("" when stopped)
	Image     string
	Roles     []string
}

// Running reports whether the node's container runs.
func (n Node) Running() bool { return n.State == "running" }

// Cluster is what Docker holds of one cluster.
type Cluster struct {
	Spec      Spec
	NetworkID string
	Gateway   string // the host's address on the cluster network
	Created   time.Time
	Nodes     []Node
	// Extra are the cluster's other containers: its KDC, scratch
	// containers of tests. Destroy removes them with the nodes.
	Extra []Node
}

// HeldMB is the memory c holds on its Docker host: its node limit for each
// node that is running or created and not yet started, and for each node
// its spec names that does not exist yet — a create under way, whose
// network (carrying the spec) is made when the create is admitted. A
// stopped node holds none.
func (c Cluster) HeldMB() int {
	n := max(c.Spec.Nodes-len(c.Nodes), 0)
	for _, node := range c.Nodes {
		if node.Running() || node.State == "created" {
			n++
		}
	}
	return n * c.Spec.MemoryMB
}

// Node returns the node named name.
func (c Cluster) Node(name string) (Node, error) {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return Node{}, fmt.Errorf("cluster %s: node %q: %w (nodes: %s)", c.Spec.Name, name, ErrNotFound, strings.Join(c.nodeNames(), ", "))
}

func (c Cluster) nodeNames() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Name
	}
	return out
}

func labelFilter(kv ...string) filters.Args {
	f := filters.NewArgs()
	for _, l := range kv {
		f.Add("label", l)
	}
	return f
}

// EnsureNetwork creates the cluster's network, or finds it when it exists
// for the same run (a redelivered create). A network of another run means
// the name is taken: ErrExists.
func (p *Provider) EnsureNetwork(ctx context.Context, s Spec) (Cluster, error) {
	c, err := p.Get(ctx, s.Name)
	switch {
	case err == nil && c.Spec.RunID == s.RunID:
		return c, nil
	case err == nil:
		return Cluster{}, fmt.Errorf("cluster %s: %w (created by run %s; `ring cluster destroy %s` frees it)", s.Name, ErrExists, c.Spec.RunID, s.Name)
	case !errors.Is(err, ErrNotFound):
		return Cluster{}, err
	}
	_, err = p.c.NetworkCreate(ctx, NetworkName(s.Name), network.CreateOptions{
		Driver: "bridge",
		Labels: map[string]string{LabelCluster: s.Name, LabelRun: s.RunID, LabelRole: RoleNode, LabelSpec: s.label()},
	})
	if err != nil {
		if errdefs.IsConflict(err) {
			return Cluster{}, fmt.Errorf("cluster %s: network %s: %w", s.Name, NetworkName(s.Name), ErrExists)
		}
		return Cluster{}, fmt.Errorf("cluster %s: create network: %w", s.Name, err)
	}
	return p.Get(ctx, s.Name)
}

// NodeOptions shape a node container.
type NodeOptions struct {
	Image string
	// Env is extra environment; never secrets (docker inspect shows it).
	Env []string
}

// bootScript is PID 1's child: it starts the services listed in
// /etc/ringmaster/services ("<init script> <pid file>" per line) — so a
// restarted or snapshot-started node brings its services up by itself —
// after removing pid files a stopped or committed container left behind,
// then marks the boot done (BootedPath), stops the services on SIGTERM and
// otherwise waits.
const bootScript = `list=/etc/ringmaster/services
down() { [ -f $list ] && while read -r s pid; do /etc/init.d/$s stop >/dev/null 2>&1; done < $list; exit 0; }
trap down TERM INT
[ -f $list ] && while read -r s pid; do rm -f "$pid"; /etc/init.d/$s start; done < $list
[ -d ` + BootDir + ` ] && : > ` + BootedPath + `
while :; do sleep 3600 & wait $!; done`

// BootedPath exists once a node's boot script has started its services.
// Its directory is a tmpfs of the container, so the mark is never in a
// snapshot and is gone when the node stops.
const BootedPath = BootDir + "/booted"

// BootDir is the tmpfs holding BootedPath.
const BootDir = "/run/ringmaster"

// LockedDown is the host configuration of every container on a cluster's
// network — nodes, KDC, scratch containers: unprivileged (no new
// privileges, raw sockets, device nodes, audit writes or chroot), memory
// without swap and a pids limit.
func LockedDown(cluster string, memoryBytes, pids int64) *container.HostConfig {
	return &container.HostConfig{
		NetworkMode: container.NetworkMode(NetworkName(cluster)),
		Resources:   container.Resources{Memory: memoryBytes, MemorySwap: memoryBytes, PidsLimit: &pids},
		CapDrop:     []string{"NET_RAW", "MKNOD", "AUDIT_WRITE", "SYS_CHROOT"},
		SecurityOpt: []string{"no-new-privileges"},
	}
}

// EnsureNode creates and starts the i-th node (from 1) of the cluster, or
// finds it when it exists, starting it if it is not running.
func (p *Provider) EnsureNode(ctx context.Context, c Cluster, i int, o NodeOptions) (Node, error) {
	s := c.Spec
	name := NodeName(i)
	cname := ContainerName(s.Name, name)
	if n, err := p.inspectNode(ctx, cname); err == nil {
		if !n.Running() {
			if err := p.c.ContainerStart(ctx, n.ID, container.StartOptions{}); err != nil {
				return Node{}, fmt.Errorf("start %s: %w", cname, err)
			}
			return p.inspectNode(ctx, cname)
		}
		return n, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Node{}, err
	}
	labels := map[string]string{
		LabelCluster: s.Name, LabelNode: name, LabelRun: s.RunID, LabelRole: RoleNode,
		"ringmaster.components": strings.Join(s.NodeRoles(i), ","),
	}
	mem := int64(s.MemoryMB) << 20
	cfg := &container.Config{
		Image: o.Image, Hostname: name, Domainname: Domain(s.Name), Labels: labels, Env: o.Env,
		Entrypoint: []string{"/usr/bin/tini", "-g", "--"},
		Cmd:        []string{"/bin/sh", "-c", bootScript},
		StopSignal: "SIGTERM",
	}
	host := LockedDown(s.Name, mem, 2048)
	host.Tmpfs = map[string]string{"/tmp": "rw,nosuid,nodev,size=256m", BootDir: "rw,nosuid,nodev,noexec,size=64k"}
	netcfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		NetworkName(s.Name): {Aliases: []string{name, FQDN(s.Name, name)}},
	}}
	created, err := p.c.ContainerCreate(ctx, cfg, host, netcfg, nil, cname)
	if err != nil {
		if errdefs.IsConflict(err) { // created by a concurrent attempt
			return p.inspectNode(ctx, cname)
		}
		if errdefs.IsNotFound(err) {
			return Node{}, fmt.Errorf("node image %s: %w (build it: ring image build node --distro %s)", o.Image, ErrNotFound, s.Distro)
		}
		return Node{}, fmt.Errorf("create %s: %w", cname, err)
	}
	if err := p.c.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return Node{}, fmt.Errorf("start %s: %w", cname, err)
	}
	return p.inspectNode(ctx, cname)
}

func (p *Provider) inspectNode(ctx context.Context, cname string) (Node, error) {
	in, err := p.c.ContainerInspect(ctx, cname)
	if errdefs.IsNotFound(err) {
		return Node{}, fmt.Errorf("container %s: %w", cname, ErrNotFound)
	}
	if err != nil {
		return Node{}, fmt.Errorf("inspect %s: %w", cname, err)
	}
	n := Node{Name: in.Config.Labels[LabelNode], Container: strings.TrimPrefix(in.Name, "/"), ID: in.ID, Image: in.Config.Image}
	if in.State != nil {
		n.State = in.State.Status
	}
	if comps := in.Config.Labels["ringmaster.components"]; comps != "" {
		n.Roles = strings.Split(comps, ",")
	}
	if in.NetworkSettings != nil {
		for _, ep := range in.NetworkSettings.Networks {
			if ep != nil && ep.IPAddress != "" {
				n.IP = ep.IPAddress
			}
		}
	}
	return n, nil
}

// Get finds a cluster by name: its network (which holds the spec) and its
// node containers. A cluster whose network is gone but whose containers
// remain is still found (with a zero Spec but its name), so it can be
// destroyed.
func (p *Provider) Get(ctx context.Context, name string) (Cluster, error) {
	all, err := p.list(ctx, LabelCluster+"="+name)
	if err != nil {
		return Cluster{}, err
	}
	if len(all) == 0 {
		return Cluster{}, fmt.Errorf("cluster %q: %w (ring cluster list shows the clusters)", name, ErrNotFound)
	}
	return all[0], nil
}

// List returns every cluster, sorted by name.
func (p *Provider) List(ctx context.Context) ([]Cluster, error) {
	return p.list(ctx, LabelCluster)
}

func (p *Provider) list(ctx context.Context, selector string) ([]Cluster, error) {
	byName := map[string]*Cluster{}
	get := func(name string) *Cluster {
		if byName[name] == nil {
			byName[name] = &Cluster{Spec: Spec{Name: name}}
		}
		return byName[name]
	}
	nets, err := p.c.NetworkList(ctx, network.ListOptions{Filters: labelFilter(selector, LabelRole+"="+RoleNode)})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range nets {
		c := get(n.Labels[LabelCluster])
		if sp, err := parseSpec(n.Labels[LabelSpec]); err == nil {
			c.Spec = sp
		}
		c.NetworkID, c.Created = n.ID, n.Created
		for _, cfg := range n.IPAM.Config {
			if cfg.Gateway != "" && !strings.Contains(cfg.Gateway, ":") {
				c.Gateway = cfg.Gateway
			}
		}
	}
	ctrs, err := p.c.ContainerList(ctx, container.ListOptions{All: true, Filters: labelFilter(selector)})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, ct := range ctrs {
		c := get(ct.Labels[LabelCluster])
		n := Node{Name: ct.Labels[LabelNode], ID: ct.ID, State: ct.State, Image: ct.Image}
		if len(ct.Names) > 0 {
			n.Container = strings.TrimPrefix(ct.Names[0], "/")
		}
		if comps := ct.Labels["ringmaster.components"]; comps != "" {
			n.Roles = strings.Split(comps, ",")
		}
		if ct.NetworkSettings != nil {
			for _, ep := range ct.NetworkSettings.Networks {
				if ep != nil && ep.IPAddress != "" {
					n.IP = ep.IPAddress
				}
			}
		}
		if c.Created.IsZero() || time.Unix(ct.Created, 0).Before(c.Created) {
			c.Created = time.Unix(ct.Created, 0)
		}
		if ct.Labels["ringmaster.scratch"] != "" || ct.Labels[LabelRole] != RoleNode {
			c.Extra = append(c.Extra, n)
			continue
		}
		c.Nodes = append(c.Nodes, n)
	}
	out := make([]Cluster, 0, len(byName))
	for _, c := range byName {
		sort.Slice(c.Nodes, func(i, j int) bool { return NodeIndex(c.Nodes[i].Name) < NodeIndex(c.Nodes[j].Name) })
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Spec.Name < out[j].Spec.Name })
	return out, nil
}

// NodeIndex is the number of a node named by NodeName (node3 → 3).
func NodeIndex(name string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(name, "node"))
	return n
}

// Destroy removes a cluster's containers and network, whatever state they
// are in. It returns ErrNotFound when nothing carries the cluster's label.
func (p *Provider) Destroy(ctx context.Context, name string) error {
	c, err := p.Get(ctx, name)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range append(c.Nodes, c.Extra...) {
		if err := p.c.ContainerRemove(ctx, n.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove %s: %w", n.Container, err))
		}
	}
	if len(errs) == 0 && c.NetworkID != "" {
		// Other clusters' containers may have joined this network (a KDC
		// of a trusted realm): they leave it, they are not removed.
		if in, err := p.c.NetworkInspect(ctx, c.NetworkID, network.InspectOptions{}); err == nil {
			for id := range in.Containers {
				if err := p.c.NetworkDisconnect(ctx, c.NetworkID, id, true); err != nil && !errdefs.IsNotFound(err) {
					errs = append(errs, fmt.Errorf("disconnect %s from %s: %w", stringid.TruncateID(id), NetworkName(name), err))
				}
			}
		}
		if err := p.c.NetworkRemove(ctx, c.NetworkID); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", NetworkName(name), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("destroy %s: %w", name, err)
	}
	return nil
}

// Stop stops every node (services are stopped by each node's boot script).
func (p *Provider) Stop(ctx context.Context, name string) error {
	c, err := p.Get(ctx, name)
	if err != nil {
		return err
	}
	timeout := 30
	var errs []error
	for _, n := range append(c.Nodes, c.Extra...) {
		if err := p.c.ContainerStop(ctx, n.ID, container.StopOptions{Timeout: &timeout}); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", n.Container, err))
		}
	}
	return errors.Join(errs...)
}

// Start starts every node that is not running; each node's boot script
// starts its services.
func (p *Provider) Start(ctx context.Context, name string) error {
	c, err := p.Get(ctx, name)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range append(c.Nodes, c.Extra...) {
		if n.Running() {
			continue
		}
		if err := p.c.ContainerStart(ctx, n.ID, container.StartOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("start %s: %w", n.Container, err))
		}
	}
	return errors.Join(errs...)
}

// Kill kills one node's container with SIGKILL (a crash, for tests).
func (p *Provider) Kill(ctx context.Context, n Node) error {
	if err := p.c.ContainerKill(ctx, n.ID, "KILL"); err != nil {
		return fmt.Errorf("kill %s: %w", n.Container, err)
	}
	return nil
}

// StartNode starts one stopped node.
func (p *Provider) StartNode(ctx context.Context, n Node) error {
	if err := p.c.ContainerStart(ctx, n.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("start %s: %w", n.Container, err)
	}
	return nil
}

// Scratch starts a throwaway container of img on the cluster's network,
// labelled with the cluster so that destroying the cluster removes it if
// its user does not. It is not one of the cluster's nodes: Remove it.
func (p *Provider) Scratch(ctx context.Context, c Cluster, name, img string) (Node, error) {
	if err := ValidateName("scratch node", name); err != nil {
		return Node{}, err
	}
	cname := ContainerName(c.Spec.Name, name)
	created, err := p.c.ContainerCreate(ctx, &container.Config{
		Image: img, Hostname: name, Entrypoint: []string{"/usr/bin/tini", "-g", "--"},
		Cmd:    []string{"sleep", "infinity"},
		Labels: map[string]string{LabelCluster: c.Spec.Name, LabelNode: name, LabelRun: c.Spec.RunID, LabelRole: RoleNode, "ringmaster.scratch": "true"},
	}, LockedDown(c.Spec.Name, 512<<20, 1024), nil, nil, cname)
	if err != nil {
		return Node{}, fmt.Errorf("create %s: %w", cname, err)
	}
	n := Node{Name: name, Container: cname, ID: created.ID}
	if err := p.c.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		_ = p.Remove(ctx, n)
		return Node{}, fmt.Errorf("start %s: %w", cname, err)
	}
	return p.inspectNode(ctx, cname)
}

// Remove force-removes one container.
func (p *Provider) Remove(ctx context.Context, n Node) error {
	if err := p.c.ContainerRemove(ctx, n.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("remove %s: %w", n.Container, err)
	}
	return nil
}
