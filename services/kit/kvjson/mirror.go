package kvjson

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Mirror is a bucket's JSON records held in memory and kept current by a
// watch, for readers on a hot path. A key whose latest value is deleted,
// purged or does not decode as a T is not in it.
type Mirror[T any] struct {
	mu      sync.RWMutex
	byKey   map[string]T
	gen     uint64        // counts the changes applied
	changed chan struct{} // closed at the next change (Changed)
}

// Watch starts mirroring kv until ctx ends and returns once the records
// stored now are in. A wait over 0 bounds how long that may take.
func Watch[T any](ctx context.Context, kv jetstream.KeyValue, wait time.Duration) (*Mirror[T], error) {
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, err
	}
	m := &Mirror[T]{byKey: map[string]T{}, changed: make(chan struct{})}
	loaded := make(chan struct{})
	go m.follow(ctx, w, loaded)
	var timeout <-chan time.Time
	if wait > 0 {
		timeout = time.After(wait)
	}
	select {
	case <-loaded:
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timeout:
		return nil, fmt.Errorf("%w: the records of bucket %s did not arrive within %s", errSlow, kv.Bucket(), wait)
	}
}

var errSlow = errors.New("watch too slow")

func (m *Mirror[T]) follow(ctx context.Context, w jetstream.KeyWatcher, loaded chan struct{}) {
	defer func() { _ = w.Stop() }()
	initial := true
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil { // the stored entries are all delivered
				if initial {
					initial = false
					close(loaded)
				}
				continue
			}
			var v T
			put := e.Operation() == jetstream.KeyValuePut && json.Unmarshal(e.Value(), &v) == nil
			m.mu.Lock()
			if put {
				m.byKey[e.Key()] = v
			} else {
				delete(m.byKey, e.Key())
			}
			m.gen++
			close(m.changed)
			m.changed = make(chan struct{})
			m.mu.Unlock()
		}
	}
}

// Get returns the record of key.
func (m *Mirror[T]) Get(key string) (T, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.byKey[key]
	return v, ok
}

// Range calls f for each record, in no order, until f returns false; the
// mirror does not change meanwhile (f must not call the mirror).
func (m *Mirror[T]) Range(f func(key string, v T) bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for k, v := range m.byKey {
		if !f(k, v) {
			return
		}
	}
}

// Values returns every record, in no order, and the generation they are
// of: a later call with the same generation would return the same records.
func (m *Mirror[T]) Values() ([]T, uint64) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]T, 0, len(m.byKey))
	for _, v := range m.byKey {
		out = append(out, v)
	}
	return out, m.gen
}

// Generation counts the changes applied so far.
func (m *Mirror[T]) Generation() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.gen
}

// Changed is closed at the next change the mirror applies: a reader that
// follows records waits on it, then reads again and asks for the next.
func (m *Mirror[T]) Changed() <-chan struct{} {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.changed
}
