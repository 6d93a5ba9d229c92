package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// KVConfigs are the buckets every service uses.
func KVConfigs() []jetstream.KeyValueConfig {
	return []jetstream.KeyValueConfig{
		{Bucket: DoneBucket, Description: "done markers of handled commands", TTL: DoneMaxAge, Storage: jetstream.FileStorage},
		{Bucket: ServiceBucket, Description: "service heartbeats", TTL: ServiceTTL, Storage: jetstream.MemoryStorage},
	}
}

// EnsureTopology creates every stream and KV bucket that is missing and
// updates the streams whose settings changed. It is idempotent and safe to
// call from every process at start: a stream as declared is only read, so a
// service whose user may create missing streams but change none
// (natsserver.Permissions) starts against a topology `ring up` declared.
// On a cluster each lookup and declaration (c.JS) is tried again for up to
// DeclareWait: a service restarted while a server is down, frozen or
// electing waits for the cluster instead of exiting.
func (c *Conn) EnsureTopology(ctx context.Context) error {
	for _, cfg := range StreamConfigs() {
		cfg.Replicas = c.Replicas
		st, err := c.JS.Stream(ctx, cfg.Name)
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			_, err = c.JS.CreateStream(ctx, cfg)
		case err == nil && !sameStream(st.CachedInfo().Config, cfg):
			_, err = c.JS.UpdateStream(ctx, cfg)
		}
		if err != nil {
			return fmt.Errorf("stream %s: %w", cfg.Name, c.Explain(err))
		}
	}
	for _, kv := range KVConfigs() {
		kv.Replicas = c.Replicas
		st, err := c.JS.Stream(ctx, "KV_"+kv.Bucket)
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			_, err = c.JS.CreateKeyValue(ctx, kv)
			if errors.Is(err, jetstream.ErrBucketExists) { // another process was quicker
				err = nil
			}
		case err == nil && (st.CachedInfo().Config.MaxAge != kv.TTL || st.CachedInfo().Config.Replicas != kv.Replicas):
			_, err = c.JS.UpdateKeyValue(ctx, kv)
		}
		if err != nil {
			return fmt.Errorf("bucket %s: %w", kv.Bucket, c.Explain(err))
		}
	}
	return nil
}

// sameStream: the settings StreamConfigs makes are those of the stream.
func sameStream(have, want jetstream.StreamConfig) bool {
	return slices.Equal(have.Subjects, want.Subjects) && have.Retention == want.Retention && have.Storage == want.Storage &&
		have.MaxAge == want.MaxAge && max(have.MaxBytes, 0) == max(want.MaxBytes, 0) && have.Duplicates == want.Duplicates &&
		have.Replicas == want.Replicas && have.Description == want.Description
}
