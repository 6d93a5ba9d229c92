package dockerhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/kit/kvjson"
)

// Bucket is the KV bucket of the registry: host.<name> records and
// claim.<cluster> claims.
const Bucket = "ring_docker_hosts"

// Registry is the host records and claims in a JetStream KV bucket.
type Registry struct{ KV jetstream.KeyValue }

// Open declares the bucket (idempotent) and returns the registry.
func Open(ctx context.Context, js jetstream.JetStream) (*Registry, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket,
		Description: "Docker hosts of clusters: records by host, claims by cluster", Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", Bucket, err)
	}
	return &Registry{KV: kv}, nil
}

// Find opens the registry if some provisioner declared it; ok is false when
// there is none (no provisioner with a registry ran on this NATS).
func Find(ctx context.Context, js jetstream.JetStream) (r *Registry, ok bool, err error) {
	kv, err := js.KeyValue(ctx, Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("bucket %s: %w", Bucket, err)
	}
	return &Registry{KV: kv}, true, nil
}

func hostKey(name string) string     { return "host." + name }
func claimKey(cluster string) string { return "claim." + cluster }

// Put writes a host's record.
func (r *Registry) Put(ctx context.Context, rec Record) error {
	if err := ValidateName(rec.Name); err != nil {
		return err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if _, err := r.KV.Put(ctx, hostKey(rec.Name), b); err != nil {
		return fmt.Errorf("record of docker host %s: %w", rec.Name, err)
	}
	return nil
}

// Get returns the record of the host name; ok is false when there is none.
func (r *Registry) Get(ctx context.Context, name string) (rec Record, ok bool, err error) {
	e, err := r.KV.Get(ctx, hostKey(name))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("record of docker host %s: %w", name, err)
	}
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return Record{}, false, fmt.Errorf("record of docker host %s: %w", name, err)
	}
	return rec, true, nil
}

// Hosts returns every host's record, sorted by name.
func (r *Registry) Hosts(ctx context.Context) ([]Record, error) {
	out, err := kvjson.Filtered[Record](ctx, r.KV, "host.>")
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Claim claims c.Host for c.Cluster.
func (r *Registry) Claim(ctx context.Context, c Claim) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := r.KV.Put(ctx, claimKey(c.Cluster), b); err != nil {
		return fmt.Errorf("claim of docker host %s for %s: %w", c.Host, c.Cluster, err)
	}
	return nil
}

// Unclaim removes the claim of cluster made for run, if there is one (a
// claim of another run is left).
func (r *Registry) Unclaim(ctx context.Context, cluster, run string) error {
	e, err := r.KV.Get(ctx, claimKey(cluster))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("claim of %s: %w", cluster, err)
	}
	var c Claim
	if json.Unmarshal(e.Value(), &c) == nil && c.Run != run {
		return nil
	}
	err = r.KV.Delete(ctx, claimKey(cluster), jetstream.LastRevision(e.Revision()))
	var api *jetstream.APIError
	switch {
	case err == nil, errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyExists):
	case errors.As(err, &api) && api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence:
		// claimed again meanwhile: that claim stays
	default:
		return fmt.Errorf("claim of %s: %w", cluster, err)
	}
	return nil
}

// Claims returns every claim.
func (r *Registry) Claims(ctx context.Context) ([]Claim, error) {
	return kvjson.Filtered[Claim](ctx, r.KV, "claim.>")
}
