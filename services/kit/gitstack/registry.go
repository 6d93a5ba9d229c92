package gitstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/nats-io/nats.go/jetstream"
)

// Bucket is the KV bucket of stacks from git, one entry per stack.
const Bucket = "ring_stacks"

// ErrNotFound means no stack of that name is registered.
var ErrNotFound = errors.New("no stack from git of that name")

// Registry is the stacks from git, kept in NATS KV.
type Registry struct{ kv jetstream.KeyValue }

// Open declares the bucket (idempotent) and returns the registry.
func Open(ctx context.Context, js jetstream.JetStream) (*Registry, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket,
		Description: "stacks whose definition lives in git (no secrets)", Storage: jetstream.FileStorage, History: 5})
	if err != nil {
		return nil, fmt.Errorf("stack registry: %w", err)
	}
	return &Registry{kv: kv}, nil
}

// Put stores r after validating it.
func (g *Registry) Put(ctx context.Context, r Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := g.kv.Put(ctx, r.Name, b); err != nil {
		return fmt.Errorf("stack registry: %w", err)
	}
	return nil
}

// Get returns the stack named name, or an error matching ErrNotFound.
func (g *Registry) Get(ctx context.Context, name string) (Record, error) {
	if !nameRE.MatchString(name) {
		return Record{}, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	e, err := g.kv.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Record{}, fmt.Errorf("%w: %s (ring stack list shows them; ring stack add registers one)", ErrNotFound, name)
	}
	if err != nil {
		return Record{}, fmt.Errorf("stack registry: %w", err)
	}
	var r Record
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return Record{}, fmt.Errorf("stack registry: entry %s: %w", name, err)
	}
	return r, nil
}

// List returns every stack from git, by name.
func (g *Registry) List(ctx context.Context) ([]Record, error) {
	keys, err := g.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("stack registry: %w", err)
	}
	var out []Record
	for k := range keys.Keys() {
		r, err := g.Get(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Delete removes the stack named name; ErrNotFound if there is none.
func (g *Registry) Delete(ctx context.Context, name string) error {
	if _, err := g.Get(ctx, name); err != nil {
		return err
	}
	if err := g.kv.Delete(ctx, name); err != nil {
		return fmt.Errorf("stack registry: %w", err)
	}
	return nil
}

// SnapshotKey is where the builder keeps the stack.yaml of a built commit
// in the blob store, so services without git (the provisioner) read the
// stack as that commit has it.
func SnapshotKey(stack, commit string) string {
	return "stacks/" + stack + "/commits/" + commit + "/stack.yaml"
}
