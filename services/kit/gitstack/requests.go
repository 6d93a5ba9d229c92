package gitstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// RequestBucket keeps the pull (merge) requests that closed, by channel,
// so `ring repo gc` retires their pr-<n> channels.
const RequestBucket = "ring_requests"

// ClosedRequest is a pull or merge request that closed.
type ClosedRequest struct {
	Channel string    `json:"channel"`
	Stack   string    `json:"stack"`
	PR      int       `json:"pr"`
	Merged  bool      `json:"merged"`
	Closed  time.Time `json:"closed"`
}

// Requests are the closed requests, in NATS KV.
type Requests struct{ kv jetstream.KeyValue }

// OpenRequests declares the bucket (idempotent).
func OpenRequests(ctx context.Context, js jetstream.JetStream) (*Requests, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: RequestBucket,
		Description: "closed pull/merge requests whose pr-<n> channel is to be retired", Storage: jetstream.FileStorage})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", RequestBucket, err)
	}
	return &Requests{kv: kv}, nil
}

// Closed records that the request publishing to c.Channel closed.
func (r *Requests) Closed(ctx context.Context, c ClosedRequest) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := r.kv.Put(ctx, c.Channel, b); err != nil {
		return fmt.Errorf("closed requests: %w", err)
	}
	return nil
}

// Opened forgets a closure: the channel is in use again (a request
// reopened, or another one with the number).
func (r *Requests) Opened(ctx context.Context, channel string) error {
	err := r.kv.Delete(ctx, channel)
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("closed requests: %w", err)
	}
	return nil
}

// List returns the closed requests, oldest first.
func (r *Requests) List(ctx context.Context) ([]ClosedRequest, error) {
	keys, err := r.kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("closed requests: %w", err)
	}
	var out []ClosedRequest
	for k := range keys.Keys() {
		e, err := r.kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("closed requests: %w", err)
		}
		var c ClosedRequest
		if json.Unmarshal(e.Value(), &c) == nil {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Closed.Before(out[j].Closed) })
	return out, nil
}
