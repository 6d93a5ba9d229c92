// Package repository is the public side of a Ringmaster repository: where the
// repo-publisher puts things in the blob store (its layout), what a channel
// publishes as stock APT reads it (the signed indexes), and how a cluster's
// nodes reach it (a relay on the cluster's network and a deb822 sources file).
// Services that consume repositories — the provisioner, the tester — read
// them through this package, never through the publisher's own state.
package repository
