package provisioner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/kit/lease"
)

// AdmissionKey is the lease provisioners take to admit a cluster.
const AdmissionKey = "provisioner.admission"

// admissionPoll is how often a waiting provisioner tries the lease again;
// an admission holds it for a Docker listing, a policy decision and a
// network create.
const admissionPoll = 20 * time.Millisecond

// LeaseLock is an AdmissionLock in the platform's lease bucket (kit/lease):
// the provisioners sharing a NATS take turns. A holder that dies frees it
// after lease.TTL.
type LeaseLock struct {
	KV    jetstream.KeyValue
	Owner string // who holds it, for the message of a waiter that gives up
}

// OpenLeaseLock declares the lease bucket (idempotent) and returns the lock.
func OpenLeaseLock(ctx context.Context, js jetstream.JetStream) (*LeaseLock, error) {
	kv, err := lease.Open(ctx, js)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return &LeaseLock{KV: kv, Owner: fmt.Sprintf("%s@%s/%d", Name, host, os.Getpid())}, nil
}

// Lock waits for the lease, at most lease.TTL and a little (by then a dead
// holder's lease has expired), or until ctx ends.
func (l *LeaseLock) Lock(ctx context.Context) (func(), error) {
	ctx, cancel := context.WithTimeout(ctx, lease.TTL+5*time.Second)
	defer cancel()
	t := time.NewTicker(admissionPoll)
	defer t.Stop()
	for {
		held, err := lease.Acquire(ctx, l.KV, AdmissionKey, l.Owner)
		if err == nil {
			return func() { _ = held.Release(context.WithoutCancel(ctx)) }, nil
		}
		if !errors.Is(err, lease.ErrHeld) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for another provisioner's admission: %w (%w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}
