// Package kvjson reads the JSON records of a NATS KV bucket.
package kvjson

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// All returns every record of the bucket that decodes as a T; a key
// deleted while it is read, or a value that does not decode, is left out.
func All[T any](ctx context.Context, kv jetstream.KeyValue) ([]T, error) {
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	return decodeAll[T](ctx, kv, keys)
}

// Filtered is All of the keys matching filter (e.g. "host.*"); none
// matching is no records, not an error.
func Filtered[T any](ctx context.Context, kv jetstream.KeyValue, filter string) ([]T, error) {
	keys, err := kv.ListKeysFiltered(ctx, filter)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeAll[T](ctx, kv, keys)
}

func decodeAll[T any](ctx context.Context, kv jetstream.KeyValue, keys jetstream.KeyLister) ([]T, error) {
	var out []T
	for k := range keys.Keys() {
		e, err := kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var r T
		if json.Unmarshal(e.Value(), &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}
