package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
)

// More labels the provisioner and the kerberos-realm service put on
// containers and images.
const (
	LabelNode       = "ringmaster.node"
	LabelComponents = "ringmaster.components"
	LabelSnapshot   = "ringmaster.snapshot"
	LabelRealm      = "ringmaster.realm"
	LabelScratch    = "ringmaster.scratch"
)

// Detail is a cluster with what its spec label and its containers say
// beyond Cluster: roles, versions, realm, the snapshot it started from, and
// each node.
type Detail struct {
	Cluster
	Run      string            `json:"run,omitempty"`
	Roles    map[string]int    `json:"roles,omitempty"`
	Versions map[string]string `json:"versions,omitempty"`
	// Realm is the Kerberos realm the cluster was made with; KDC the state
	// of its KDC container ("" when it has none).
	Realm    string `json:"realm,omitempty"`
	KDC      string `json:"kdc,omitempty"`
	From     string `json:"from,omitempty"`
	NodeList []Node `json:"node_list"`
}

// Node is one node container.
type Node struct {
	Name       string   `json:"name"`
	State      string   `json:"state" doc:"Docker's: running, exited, …"`
	Components []string `json:"components"`
	Image      string   `json:"image"`
}

// Snapshot is a saved cluster: one image per node (ring cluster snapshot).
type Snapshot struct {
	Name    string    `json:"name"`
	Cluster string    `json:"cluster"`
	Stack   string    `json:"stack,omitempty"`
	Nodes   int       `json:"nodes"`
	Created time.Time `json:"created"`
}

// detailSpec is the part of the spec label Details reads.
type detailSpec struct {
	spec
	Run      string            `json:"run"`
	Roles    map[string]int    `json:"roles"`
	Versions map[string]string `json:"versions"`
	Kerberos string            `json:"kerberos"`
	From     string            `json:"from"`
}

// Details returns every cluster with its nodes, sorted by name.
func (d *Docker) Details(ctx context.Context) ([]Detail, error) {
	cs, err := d.List(ctx)
	if err != nil {
		return nil, err
	}
	ctrs, err := d.c.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelCluster))})
	if err != nil {
		return nil, fmt.Errorf("docker: list containers: %w", err)
	}
	nets, err := d.networkSpecs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Detail, len(cs))
	for i, c := range cs {
		s := nets[c.Name]
		out[i] = Detail{Cluster: c, Run: s.Run, Roles: s.Roles, Versions: s.Versions, Realm: s.Kerberos, From: s.From}
		for _, ct := range ctrs {
			if ct.Labels[LabelCluster] != c.Name || ct.Labels[LabelScratch] != "" {
				continue
			}
			if ct.Labels[LabelRealm] != "" {
				out[i].KDC = ct.State
				if out[i].Realm == "" {
					out[i].Realm = ct.Labels[LabelRealm]
				}
				continue
			}
			if ct.Labels[LabelRole] != RoleNode {
				continue
			}
			n := Node{Name: ct.Labels[LabelNode], State: ct.State, Image: ct.Image}
			if comps := ct.Labels[LabelComponents]; comps != "" {
				n.Components = strings.Split(comps, ",")
			}
			out[i].NodeList = append(out[i].NodeList, n)
		}
		sort.Slice(out[i].NodeList, func(a, b int) bool { return out[i].NodeList[a].Name < out[i].NodeList[b].Name })
	}
	return out, nil
}

func (d *Docker) networkSpecs(ctx context.Context) (map[string]detailSpec, error) {
	f := filters.NewArgs(filters.Arg("label", LabelCluster), filters.Arg("label", LabelRole+"="+RoleNode))
	nets, err := d.c.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("docker: list networks: %w", err)
	}
	out := map[string]detailSpec{}
	for _, n := range nets {
		var s detailSpec
		_ = json.Unmarshal([]byte(n.Labels[LabelSpec]), &s)
		out[n.Labels[LabelCluster]] = s
	}
	return out, nil
}

// Snapshots returns the saved clusters, sorted by name.
func (d *Docker) Snapshots(ctx context.Context) ([]Snapshot, error) {
	ims, err := d.c.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelSnapshot))})
	if err != nil {
		return nil, fmt.Errorf("docker: list images: %w", err)
	}
	byName := map[string]*Snapshot{}
	for _, im := range ims {
		name := im.Labels[LabelSnapshot]
		s := byName[name]
		if s == nil {
			var sp spec
			_ = json.Unmarshal([]byte(im.Labels[LabelSpec]), &sp)
			s = &Snapshot{Name: name, Cluster: sp.Name, Stack: sp.Stack}
			byName[name] = s
		}
		s.Nodes++
		if t := time.Unix(im.Created, 0).UTC(); t.After(s.Created) {
			s.Created = t
		}
	}
	out := make([]Snapshot, 0, len(byName))
	for _, s := range byName {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
