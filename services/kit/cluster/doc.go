// Package cluster is the Docker side of a Ringmaster cluster: a
// user-defined network and unprivileged node containers, every object
// labelled so that a cluster in any state — running, stopped, half created,
// crashed — is found, listed and destroyed by its labels alone (the way
// kind finds its nodes). It also executes commands in nodes, copies files
// in and out, and commits nodes into snapshot images.
package cluster
