package cluster

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Spec is what a cluster was created from; it is stored as a label on the
// cluster's network, so the cluster describes itself.
type Spec struct {
	Name  string `json:"name"`
	RunID string `json:"run"`
	Stack string `json:"stack"`
	// Commit is the commit of a stack from git the cluster was made of.
	Commit  string `json:"commit,omitempty"`
	Channel string `json:"channel"`
	Distro  string `json:"distro"`
	Nodes   int    `json:"nodes"`
	// Roles maps a component to how many nodes run it: nodes 1..n.
	Roles    map[string]int `json:"roles"`
	MemoryMB int            `json:"memory_mb"`
	Kerberos string         `json:"kerberos,omitempty"`
	// Versions are the upstream versions of the components the nodes run,
	// as the compatibility policy allowed them.
	Versions map[string]string `json:"versions,omitempty"`
	// From is the snapshot the nodes started from, if any.
	From string `json:"from,omitempty"`
	// Builds pins packages to exact versions (a pipeline's build).
	Builds map[string]string `json:"builds,omitempty"`
	// Protected: no chat-ops or REST request may destroy the cluster (the
	// authorization policy reads it through kit/inventory).
	Protected bool `json:"protected,omitempty"`
}

// Validate checks what Docker and the node layout need.
func (s Spec) Validate() error {
	if err := ValidateName("cluster", s.Name); err != nil {
		return err
	}
	if s.Nodes < 1 || s.Nodes > 16 {
		return fmt.Errorf("%w: nodes %d: want 1 to 16", ErrInvalid, s.Nodes)
	}
	if s.MemoryMB < 64 {
		return fmt.Errorf("%w: memory %d MB per node: want at least 64", ErrInvalid, s.MemoryMB)
	}
	for r, n := range s.Roles {
		if n < 0 || n > s.Nodes {
			return fmt.Errorf("%w: role %s on %d nodes: want 0 to %d (the cluster's nodes)", ErrInvalid, r, n, s.Nodes)
		}
	}
	return nil
}

// NodeRoles returns the components the i-th node (from 1) runs, sorted.
func (s Spec) NodeRoles(i int) []string {
	var out []string
	for r, n := range s.Roles {
		if i <= n {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// Members returns the node names running role, in order.
func (s Spec) Members(role string) []string {
	var out []string
	for i := 1; i <= s.Roles[role]; i++ {
		out = append(out, NodeName(i))
	}
	return out
}

func (s Spec) label() string {
	b, _ := json.Marshal(s)
	return string(b)
}

func parseSpec(label string) (Spec, error) {
	var s Spec
	if err := json.Unmarshal([]byte(label), &s); err != nil {
		return Spec{}, fmt.Errorf("cluster spec label: %w", err)
	}
	return s, nil
}
