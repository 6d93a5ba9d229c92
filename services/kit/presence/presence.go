// Package presence keeps service heartbeats in a JetStream KV bucket whose
// entries expire, so `ring status` lists exactly the services alive now.
package presence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/kit/bus"
)

// Record is one live service instance.
type Record struct {
	Service  string       `json:"service"`
	Instance string       `json:"instance"`
	Host     string       `json:"host"`
	PID      int          `json:"pid"`
	Version  string       `json:"version"`
	Started  time.Time    `json:"started"`
	Seen     time.Time    `json:"seen"`
	Counters bus.Counters `json:"counters"`
	// Routes are the routes of routed commands the instance serves (a
	// builder's "<distro>.<arch>").
	Routes []string `json:"routes,omitempty"`
}

// Interval is how often a service beats; entries expire after bus.ServiceTTL.
const Interval = 3 * time.Second

func key(r Record) string { return r.Service + "." + r.Instance }

// Beat writes the record returned by current every Interval until ctx ends,
// then removes it, so a cleanly stopped service disappears at once and a
// killed one after bus.ServiceTTL.
func Beat(ctx context.Context, js jetstream.JetStream, current func() Record) error {
	kv, err := js.KeyValue(ctx, bus.ServiceBucket)
	if err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	put := func(c context.Context) Record {
		r := current()
		r.Seen = time.Now().UTC()
		b, _ := json.Marshal(r)
		// A missed beat is not fatal: the next one tries again.
		_, _ = kv.Put(c, key(r), b)
		return r
	}
	last := put(ctx)
	t := time.NewTicker(Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			_ = kv.Delete(dctx, key(last))
			return nil
		case <-t.C:
			last = put(ctx)
		}
	}
}

// List returns the live service instances, sorted by service and instance.
func List(ctx context.Context, js jetstream.JetStream) ([]Record, error) {
	kv, err := js.KeyValue(ctx, bus.ServiceBucket)
	if err != nil {
		return nil, fmt.Errorf("presence: %w", err)
	}
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("presence: %w", err)
	}
	var out []Record
	for k := range lister.Keys() {
		e, err := kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("presence %s: %w", k, err)
		}
		var r Record
		if json.Unmarshal(e.Value(), &r) == nil {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out, nil
}
