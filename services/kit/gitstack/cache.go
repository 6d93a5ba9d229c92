package gitstack

import (
	"context"
	"fmt"

	"ringmaster.dev/kit/kvjson"
)

// Cache is the registry held in memory and kept current by a KV watch, for
// readers on a hot path (the gateway's webhook intake): a Get costs no
// round trip. A stack added a moment ago that the watch has not brought
// yet is read from the bucket.
type Cache struct {
	reg *Registry
	m   *kvjson.Mirror[Record]
}

// Cache starts watching the registry until ctx ends; it returns once the
// stacks stored now are loaded.
func (g *Registry) Cache(ctx context.Context) (*Cache, error) {
	m, err := kvjson.Watch[Record](ctx, g.kv, 0)
	if err != nil {
		return nil, fmt.Errorf("stack registry: %w", err)
	}
	return &Cache{reg: g, m: m}, nil
}

// Get is Registry.Get from memory.
func (c *Cache) Get(ctx context.Context, name string) (Record, error) {
	if r, ok := c.m.Get(name); ok {
		return r, nil
	}
	return c.reg.Get(ctx, name)
}
