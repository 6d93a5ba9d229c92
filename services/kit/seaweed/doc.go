// Package seaweed runs a SeaweedFS cluster as separate processes — one
// master, several volume servers (replication across them), a filer with its
// S3 gateway — for the distributed form of Ringmaster's blob store and for
// the blob store's conformance tests. It starts the real `weed` binary (built
// from the pinned module by `make weed`); nothing is simulated. Processes are
// tracked by PID and stopped (their process groups killed) by Close, even
// after a test failed.
package seaweed
