package bus

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go"

	"github.com/nats-io/nats.go/jetstream"
)

// replicated gives every stream and bucket created through it n replicas
// unless its configuration names them, so that code creating its own
// buckets is replicated on a cluster without knowing of one.
type replicated struct {
	jetstream.JetStream
	asker
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
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.Stream, error) {
		return r.JetStream.CreateStream(ctx, r.stream(cfg))
	})
}

func (r replicated) UpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.Stream, error) {
		return r.JetStream.UpdateStream(ctx, r.stream(cfg))
	})
}

func (r replicated) CreateOrUpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.Stream, error) {
		return r.JetStream.CreateOrUpdateStream(ctx, r.stream(cfg))
	})
}

func (r replicated) CreateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.KeyValue, error) {
		return r.JetStream.CreateKeyValue(ctx, r.kv(cfg))
	})
}

func (r replicated) UpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.KeyValue, error) {
		return r.JetStream.UpdateKeyValue(ctx, r.kv(cfg))
	})
}

func (r replicated) CreateOrUpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.KeyValue, error) {
		return r.JetStream.CreateOrUpdateKeyValue(ctx, r.kv(cfg))
	})
}

// Looking up a stream or bucket and making a consumer are asked again in
// the same way: a service (re)starting while a server of its cluster is
// down, frozen or electing waits for the cluster instead of exiting.

func (r replicated) Stream(ctx context.Context, name string) (jetstream.Stream, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.Stream, error) { return r.JetStream.Stream(ctx, name) })
}

func (r replicated) KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.KeyValue, error) { return r.JetStream.KeyValue(ctx, bucket) })
}

func (r replicated) Consumer(ctx context.Context, stream, name string) (jetstream.Consumer, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.Consumer, error) { return r.JetStream.Consumer(ctx, stream, name) })
}

func (r replicated) CreateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.Consumer, error) {
		return r.JetStream.CreateConsumer(ctx, stream, cfg)
	})
}

func (r replicated) UpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.Consumer, error) {
		return r.JetStream.UpdateConsumer(ctx, stream, cfg)
	})
}

func (r replicated) CreateOrUpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return declare(ctx, r.asker, func(ctx context.Context) (jetstream.Consumer, error) {
		return r.JetStream.CreateOrUpdateConsumer(ctx, stream, cfg)
	})
}

// transient: a request a cluster may answer when asked again — it timed out
// or went unanswered, nobody listened yet, or JetStream said it is
// temporarily unavailable (503: no meta leader or stream leader during an
// election), except JetStream not enabled for the account, which no retry
// changes.
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) {
		return true
	}
	var api *jetstream.APIError
	return errors.As(err, &api) && api.Code == 503 && api.ErrorCode != jetstream.JSErrCodeJetStreamNotEnabledForAccount
}
