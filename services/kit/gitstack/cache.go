package gitstack

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// Cache is the registry held in memory and kept current by a KV watch, for
// readers on a hot path (the gateway's webhook intake): a Get costs no
// round trip. A stack added a moment ago that the watch has not brought
// yet is read from the bucket.
type Cache struct {
	reg    *Registry
	mu     sync.RWMutex
	byName map[string]Record
}

// Cache starts watching the registry until ctx ends; it returns once the
// stacks stored now are loaded.
func (g *Registry) Cache(ctx context.Context) (*Cache, error) {
	w, err := g.kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("stack registry: %w", err)
	}
	c := &Cache{reg: g, byName: map[string]Record{}}
	loaded := make(chan struct{})
	go func() {
		defer w.Stop()
		first := true
		for e := range w.Updates() {
			if e == nil { // the stored entries are all delivered
				if first {
					close(loaded)
					first = false
				}
				continue
			}
			c.mu.Lock()
			var r Record
			if e.Operation() == jetstream.KeyValuePut && json.Unmarshal(e.Value(), &r) == nil {
				c.byName[e.Key()] = r
			} else {
				delete(c.byName, e.Key())
			}
			c.mu.Unlock()
		}
	}()
	select {
	case <-loaded:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Get is Registry.Get from memory.
func (c *Cache) Get(ctx context.Context, name string) (Record, error) {
	c.mu.RLock()
	r, ok := c.byName[name]
	c.mu.RUnlock()
	if ok {
		return r, nil
	}
	return c.reg.Get(ctx, name)
}
