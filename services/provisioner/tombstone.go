package provisioner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Tombstones remember which clusters were destroyed, by name and the run
// that made them, so a create command of that run arriving late — handed
// back by a provisioner that died, redelivered after the cluster was
// destroyed — does not bring the cluster back.
type Tombstones interface {
	Bury(ctx context.Context, name, runID string) error
	Buried(ctx context.Context, name, runID string) (bool, error)
}

// TombstoneBucket is the KV bucket of tombstones; they expire after
// TombstoneTTL, longer than any redelivery takes.
const (
	TombstoneBucket = "ring_destroyed"
	TombstoneTTL    = 24 * time.Hour
)

// KVTombstones keeps tombstones in a JetStream KV bucket.
type KVTombstones struct{ KV jetstream.KeyValue }

// OpenTombstones declares the bucket (idempotent) and returns it.
func OpenTombstones(ctx context.Context, js jetstream.JetStream) (KVTombstones, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: TombstoneBucket,
		Description: "destroyed clusters by name and run", TTL: TombstoneTTL, Storage: jetstream.FileStorage})
	if err != nil {
		return KVTombstones{}, fmt.Errorf("bucket %s: %w", TombstoneBucket, err)
	}
	return KVTombstones{kv}, nil
}

func tombKey(name, runID string) string { return name + "." + runID }

// Bury records that the cluster of runID named name was destroyed.
func (t KVTombstones) Bury(ctx context.Context, name, runID string) error {
	_, err := t.KV.Put(ctx, tombKey(name, runID), []byte(time.Now().UTC().Format(time.RFC3339)))
	return err
}

// Buried reports whether it was.
func (t KVTombstones) Buried(ctx context.Context, name, runID string) (bool, error) {
	_, err := t.KV.Get(ctx, tombKey(name, runID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// flights are the creates this process runs, by cluster name, so a destroy
// can bury their runs, stop them and wait for them before it removes the
// cluster.
type flights struct {
	mu sync.Mutex
	m  map[string]map[*flight]bool
}

type flight struct {
	run    string
	cancel context.CancelFunc
	done   chan struct{}
}

// start registers a create of name for run; its context ends when a
// destroy stops it. finish unregisters it.
func (fs *flights) start(ctx context.Context, name, run string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	f := &flight{run: run, cancel: cancel, done: make(chan struct{})}
	fs.mu.Lock()
	if fs.m == nil {
		fs.m = map[string]map[*flight]bool{}
	}
	if fs.m[name] == nil {
		fs.m[name] = map[*flight]bool{}
	}
	fs.m[name][f] = true
	fs.mu.Unlock()
	return ctx, func() {
		fs.mu.Lock()
		delete(fs.m[name], f)
		if len(fs.m[name]) == 0 {
			delete(fs.m, name)
		}
		fs.mu.Unlock()
		cancel()
		close(f.done)
	}
}

// of returns the creates of name running now.
func (fs *flights) of(name string) []*flight {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []*flight
	for f := range fs.m[name] {
		out = append(out, f)
	}
	return out
}
