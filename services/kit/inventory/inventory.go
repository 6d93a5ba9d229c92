// Package inventory reads the clusters there are from Docker, read only:
// each cluster's network carries its spec as a label, its node containers
// carry its name. The provisioner makes and removes clusters; the gateway
// reads them here to list them and to know, before a destroy is allowed,
// whether a cluster is labelled protected.
package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
)

// Labels the provisioner puts on a cluster's network and node containers.
const (
	LabelCluster = "ringmaster.cluster"
	LabelRole    = "ringmaster.role"
	LabelSpec    = "ringmaster.spec"
	RoleNode     = "node"
)

// Cluster is what the inventory knows of one cluster.
type Cluster struct {
	Name    string    `json:"name"`
	Stack   string    `json:"stack,omitempty"`
	Channel string    `json:"channel,omitempty"`
	Distro  string    `json:"distro,omitempty"`
	Nodes   int       `json:"nodes" doc:"nodes the spec asks for"`
	Running int       `json:"running" doc:"node containers running"`
	Created time.Time `json:"created,omitzero"`
	// Protected: no chat-ops or REST request may destroy it.
	Protected bool `json:"protected,omitempty"`
}

// State is "running", "degraded" (some nodes down), "stopped" or "broken"
// (no spec: half made or half removed).
func (c Cluster) State() string {
	switch {
	case c.Nodes == 0:
		return "broken"
	case c.Running == 0:
		return "stopped"
	case c.Running < c.Nodes:
		return "degraded"
	}
	return "running"
}

// ErrNotFound: no cluster of that name.
var ErrNotFound = errors.New("no such cluster")

// Docker is the inventory of one Docker daemon.
type Docker struct{ c *client.Client }

// New reads the clusters of the daemon c talks to.
func New(c *client.Client) *Docker { return &Docker{c: c} }

// spec is the part of the provisioner's spec label read here.
type spec struct {
	Name      string `json:"name"`
	Stack     string `json:"stack"`
	Channel   string `json:"channel"`
	Distro    string `json:"distro"`
	Nodes     int    `json:"nodes"`
	Protected bool   `json:"protected"`
}

// List returns every cluster, sorted by name.
func (d *Docker) List(ctx context.Context) ([]Cluster, error) {
	return d.list(ctx, LabelCluster)
}

// Get returns the cluster name, or an error matching ErrNotFound.
func (d *Docker) Get(ctx context.Context, name string) (Cluster, error) {
	all, err := d.list(ctx, LabelCluster+"="+name)
	if err != nil {
		return Cluster{}, err
	}
	if len(all) == 0 {
		return Cluster{}, fmt.Errorf("cluster %s: %w", name, ErrNotFound)
	}
	return all[0], nil
}

func (d *Docker) list(ctx context.Context, selector string) ([]Cluster, error) {
	f := filters.NewArgs(filters.Arg("label", selector), filters.Arg("label", LabelRole+"="+RoleNode))
	nets, err := d.c.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("docker: list networks: %w", err)
	}
	ctrs, err := d.c.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("docker: list containers: %w", err)
	}
	byName := map[string]*Cluster{}
	at := func(name string) *Cluster {
		if byName[name] == nil {
			byName[name] = &Cluster{Name: name}
		}
		return byName[name]
	}
	for _, n := range nets {
		c := at(n.Labels[LabelCluster])
		var s spec
		if json.Unmarshal([]byte(n.Labels[LabelSpec]), &s) == nil {
			c.Stack, c.Channel, c.Distro, c.Nodes, c.Protected = s.Stack, s.Channel, s.Distro, s.Nodes, s.Protected
		}
		c.Created = n.Created
	}
	for _, ct := range ctrs {
		c := at(ct.Labels[LabelCluster])
		if ct.State == "running" {
			c.Running++
		}
	}
	out := make([]Cluster, 0, len(byName))
	for _, c := range byName {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
