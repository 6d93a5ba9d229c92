package bus

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/nats-io/nats.go/jetstream"
)

// replicated gives every stream and bucket created through it n replicas
// unless its configuration names them, so that code creating its own
// buckets is replicated on a cluster without knowing of one.
type replicated struct {
	jetstream.JetStream
	n int
}

func (r replicated) stream(cfg jetstream.StreamConfig) jetstream.StreamConfig {
	if cfg.Replicas == 0 {
		cfg.Replicas = r.n
	}
	return cfg
}

func (r replicated) kv(cfg jetstream.KeyValueConfig) jetstream.KeyValueConfig {
	if cfg.Replicas == 0 {
		cfg.Replicas = r.n
	}
	return cfg
}

func (r replicated) CreateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return declare(ctx, r.n, func() (jetstream.Stream, error) { return r.JetStream.CreateStream(ctx, r.stream(cfg)) })
}

func (r replicated) UpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return declare(ctx, r.n, func() (jetstream.Stream, error) { return r.JetStream.UpdateStream(ctx, r.stream(cfg)) })
}

func (r replicated) CreateOrUpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return declare(ctx, r.n, func() (jetstream.Stream, error) { return r.JetStream.CreateOrUpdateStream(ctx, r.stream(cfg)) })
}

func (r replicated) CreateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return declare(ctx, r.n, func() (jetstream.KeyValue, error) { return r.JetStream.CreateKeyValue(ctx, r.kv(cfg)) })
}

func (r replicated) UpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return declare(ctx, r.n, func() (jetstream.KeyValue, error) { return r.JetStream.UpdateKeyValue(ctx, r.kv(cfg)) })
}

func (r replicated) CreateOrUpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return declare(ctx, r.n, func() (jetstream.KeyValue, error) { return r.JetStream.CreateOrUpdateKeyValue(ctx, r.kv(cfg)) })
}

// DeclareWait bounds how long declaring a stream or bucket on a cluster
// is tried again after it timed out.
const DeclareWait = time.Minute

// declare tries again, on a cluster (replicas > 1), a declaration whose
// request timed out or found no JetStream leader: a replicated stream is
// created once its peers agree, which during an election or on a loaded
// machine takes longer than the API's timeout; the server goes on with it,
// and the next attempt finds it made (declarations are idempotent).
func declare[T any](ctx context.Context, replicas int, do func() (T, error)) (T, error) {
	deadline := time.Now().Add(DeclareWait)
	for {
		v, err := do()
		if err == nil || replicas < 2 || ctx.Err() != nil || !transient(err) || time.Now().After(deadline) {
			return v, err
		}
		sleep(ctx, time.Second)
	}
}

func transient(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrNoStreamResponse)
}
