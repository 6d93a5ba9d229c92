package cluster

import (
	"errors"
	"fmt"
	"regexp"

	"ringmaster.dev/kit/inventory"
)

// Labels on every network, container and snapshot image of a cluster.
const (
	LabelCluster = inventory.LabelCluster
	LabelNode    = "ringmaster.node"
	LabelRun     = "ringmaster.run"
	LabelRole    = inventory.LabelRole
	LabelSpec    = inventory.LabelSpec
	// LabelSnapshot names the snapshot an image belongs to.
	LabelSnapshot = "ringmaster.snapshot"
	// RoleNode is the LabelRole value of cluster nodes and their network.
	RoleNode = inventory.RoleNode
)

// Errors; match them with errors.Is.
var (
	// ErrNotFound: no cluster (or snapshot, or node) of that name.
	ErrNotFound = errors.New("not found")
	// ErrExists: the name belongs to another cluster.
	ErrExists = errors.New("already in use")
	// ErrInvalid: a name or spec that can never work.
	ErrInvalid = errors.New("invalid")
)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$`)

// ValidateName checks a cluster or snapshot name: lowercase letters, digits
// and dashes, starting with a letter, at most 40 characters — it becomes
// part of container, network and image names.
func ValidateName(what, name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w: %s name %q: use 1-40 lowercase letters, digits and dashes, starting with a letter (e.g. zk-test)", ErrInvalid, what, name)
	}
	return nil
}

// NetworkName is the Docker network of a cluster.
func NetworkName(cluster string) string { return "ring-" + cluster }

// ContainerName is the Docker container of a cluster node.
func ContainerName(cluster, node string) string { return "ring-" + cluster + "-" + node }

// Domain is the DNS domain of a cluster's nodes (Kerberos maps it to the
// cluster's realm).
func Domain(cluster string) string { return cluster + ".ring" }

// FQDN is a node's fully qualified name, resolvable on the cluster network.
func FQDN(cluster, node string) string { return node + "." + Domain(cluster) }

// NodeName is the name (and hostname) of the i-th node, counting from 1.
func NodeName(i int) string { return fmt.Sprintf("node%d", i) }

// SnapshotRepo is the image repository of snapshots; a node's image is
// SnapshotRepo:<tag>-<node>.
const SnapshotRepo = "ringmaster/snapshot"

// SnapshotImage is the image of one node in a snapshot.
func SnapshotImage(tag, node string) string { return SnapshotRepo + ":" + tag + "-" + node }
