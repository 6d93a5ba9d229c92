// Package dockerhost is the registry of the Docker hosts clusters run on.
// Each host has one provisioner (or several sharing its Docker) that keeps
// the host's record: its name, the endpoint its Docker answers at, its
// memory and the memory each of its clusters holds, and its snapshots. An
// admission reads every record to place a cluster on a host with the
// memory for it, and claims the host for the cluster until the cluster's
// network exists there (from then on the host's record counts it). The CLI
// reads the records to reach each host's Docker (ring cluster list, exec,
// logs, snapshot).
package dockerhost

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"
)

// Default is the name of the host of a provisioner that declares none:
// the single Docker host of `ring up`.
const Default = "local"

// Refresh is how often a provisioner rewrites its host's record; a record
// not rewritten within Stale belongs to a provisioner that is gone, and no
// cluster is placed on its host until one is back.
const (
	Refresh = 10 * time.Second
	Stale   = 45 * time.Second
	// ClaimTTL bounds how long a claim counts: a placed create waits in
	// its host's queue at most this long before it is taken or forgotten.
	ClaimTTL = time.Hour
)

// Record is what the registry knows of one Docker host, as its provisioner
// last measured it.
type Record struct {
	Name string `json:"name"`
	// Endpoint is where the host's Docker answers (DOCKER_HOST as its
	// provisioner has it, e.g. unix:///var/run/docker.sock): the CLI
	// reaches the host's clusters there.
	Endpoint string `json:"endpoint"`
	// MemoryMB is the memory the policy holds the host's clusters to: as
	// Docker measures it, or as declared (Declared).
	MemoryMB int  `json:"memory_mb"`
	Declared bool `json:"declared,omitempty"`
	// Clusters are the clusters on the host: the memory each holds and
	// the run that made it.
	Clusters map[string]Held `json:"clusters,omitempty"`
	// Snapshots are the tags of the snapshots whose images are on the host.
	Snapshots []string `json:"snapshots,omitempty"`
	// Instance says which provisioner process wrote it (host/pid).
	Instance string    `json:"instance,omitempty"`
	Seen     time.Time `json:"seen"`
}

// Held is one cluster on a host.
type Held struct {
	// MB is the memory it holds (cluster.HeldMB: a stopped node holds none).
	MB  int    `json:"mb"`
	Run string `json:"run,omitempty"`
}

// Alive reports whether the record's provisioner rewrote it lately.
func (r Record) Alive(now time.Time) bool { return now.Sub(r.Seen) < Stale }

// HeldMB is the memory the host's clusters hold, but except's.
func (r Record) HeldMB(except string) int {
	total := 0
	for name, h := range r.Clusters {
		if name != except {
			total += h.MB
		}
	}
	return total
}

// HasSnapshot reports whether the snapshot tag is on the host.
func (r Record) HasSnapshot(tag string) bool { return slices.Contains(r.Snapshots, tag) }

// Claim is a cluster placed on a host whose network is not made there yet.
type Claim struct {
	Cluster string    `json:"cluster"`
	Host    string    `json:"host"`
	MB      int       `json:"mb"`
	Run     string    `json:"run"`
	At      time.Time `json:"at"`
}

// Live reports whether the claim still counts.
func (c Claim) Live(now time.Time) bool { return now.Sub(c.At) < ClaimTTL }

// Committed is the memory host r's clusters hold and the live claims on it
// of clusters it does not hold yet, leaving out the cluster except (the
// one being admitted).
func Committed(r Record, claims []Claim, except string, now time.Time) int {
	total := r.HeldMB(except)
	for _, c := range claims {
		if c.Host != r.Name || c.Cluster == except || !c.Live(now) {
			continue
		}
		if _, held := r.Clusters[c.Cluster]; !held {
			total += c.MB
		}
	}
	return total
}

// Where is the host holding a cluster, or claimed for it.
type Where struct {
	Host string
	// Run is the run that made the cluster, or the claim's.
	Run     string
	Claimed bool
}

// Locate finds the hosts that hold the cluster name or are claimed for it,
// sorted by host name.
func Locate(hosts []Record, claims []Claim, name string, now time.Time) []Where {
	var out []Where
	seen := map[string]bool{}
	for _, h := range hosts {
		if held, ok := h.Clusters[name]; ok {
			out = append(out, Where{Host: h.Name, Run: held.Run})
			seen[h.Name] = true
		}
	}
	for _, c := range claims {
		if c.Cluster == name && c.Live(now) && !seen[c.Host] {
			out = append(out, Where{Host: c.Host, Run: c.Run, Claimed: true})
			seen[c.Host] = true
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$`)

// ValidateName checks a host name: it is a route of the provisioner's
// routed commands and a key of the registry.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("docker host name %q: use 1-32 lowercase letters, digits and dashes, starting with a letter (e.g. rack2)", name)
	}
	return nil
}
