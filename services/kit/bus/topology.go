package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
)

// Stream and bucket settings. Facts and dead letters are kept by age and size;
// commands stay until a service acknowledges them.
const (
	DedupeWindow    = 10 * time.Minute
	FactMaxAge      = 7 * 24 * time.Hour
	FactMaxBytes    = 1 << 30
	DeadLetterAge   = 30 * 24 * time.Hour
	DeadLetterBytes = 256 << 20
	// DoneBucket holds one marker per handled command, per service.
	DoneBucket = "ring_done"
	DoneMaxAge = 7 * 24 * time.Hour
	// ServiceBucket holds live service heartbeats for `ring status`.
	ServiceBucket = "ring_services"
	ServiceTTL    = 15 * time.Second
)

// StreamConfigs is every stream of the catalog.
func StreamConfigs() []jetstream.StreamConfig {
	var out []jetstream.StreamConfig
	for _, svc := range events.Services {
		out = append(out, jetstream.StreamConfig{
			Name:        events.CommandStream(svc),
			Description: "commands for " + svc,
			Subjects:    []string{events.CommandSubjects(svc)},
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Duplicates:  DedupeWindow,
		})
	}
	out = append(out,
		jetstream.StreamConfig{
			Name: events.FactStream, Description: "facts: what happened",
			Subjects: []string{events.FactSubjects()}, Retention: jetstream.LimitsPolicy,
			Storage: jetstream.FileStorage, MaxAge: FactMaxAge, MaxBytes: FactMaxBytes, Duplicates: DedupeWindow,
		},
		jetstream.StreamConfig{
			Name: events.DeadLetterStream, Description: "messages no service could handle, with the reason",
			Subjects: []string{events.DeadLetterSubjects()}, Retention: jetstream.LimitsPolicy,
			Storage: jetstream.FileStorage, MaxAge: DeadLetterAge, MaxBytes: DeadLetterBytes, Duplicates: DedupeWindow,
		},
	)
	return out
}

// EnsureTopology creates or updates every stream and KV bucket. It is
// idempotent and safe to call from every process at start.
func (c *Conn) EnsureTopology(ctx context.Context) error {
	for _, cfg := range StreamConfigs() {
		if _, err := c.JS.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	for _, kv := range []jetstream.KeyValueConfig{
		{Bucket: DoneBucket, Description: "done markers of handled commands", TTL: DoneMaxAge, Storage: jetstream.FileStorage},
		{Bucket: ServiceBucket, Description: "service heartbeats", TTL: ServiceTTL, Storage: jetstream.MemoryStorage},
	} {
		if _, err := c.JS.CreateOrUpdateKeyValue(ctx, kv); err != nil {
			return fmt.Errorf("bucket %s: %w", kv.Bucket, err)
		}
	}
	return nil
}
