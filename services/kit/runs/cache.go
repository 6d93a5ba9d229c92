package runs

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"ringmaster.dev/kit/kvjson"
)

// Cache is the run records kept in memory from a watch of the bucket: what
// a reader that lists often (the dashboard's runs page) reads instead of
// the whole bucket each time.
type Cache struct {
	m      *kvjson.Mirror[Record]
	mu     sync.Mutex
	sorted []Record // newest first, as of the mirror's generation gen
	gen    uint64
}

// Watch starts keeping a Cache of the bucket until ctx ends; it returns
// once the records stored so far are in.
func (s *Store) Watch(ctx context.Context) (*Cache, error) {
	m, err := kvjson.Watch[Record](ctx, s.kv, 30*time.Second)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	return &Cache{m: m}, nil
}

// List returns every run, newest first.
func (c *Cache) List(context.Context) ([]Record, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sorted == nil || c.m.Generation() != c.gen {
		c.sorted, c.gen = c.m.Values()
		sort.Slice(c.sorted, func(i, j int) bool { return c.sorted[i].Created.After(c.sorted[j].Created) })
	}
	return append([]Record(nil), c.sorted...), nil
}

// Get returns the run id, or the only run whose id starts with it (at
// least 8 characters), as Store.Get does.
func (c *Cache) Get(_ context.Context, id string) (Record, error) {
	if r, ok := c.m.Get(id); ok {
		return r, nil
	}
	if len(id) < 8 {
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var found []Record
	c.m.Range(func(k string, r Record) bool {
		if strings.HasPrefix(k, id) {
			found = append(found, r)
		}
		return true
	})
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Record{}, fmt.Errorf("%w: %s (ring runs list shows them)", ErrNotFound, id)
	}
	return Record{}, fmt.Errorf("%w: %s is the start of %d runs: give more of the id", ErrNotFound, id, len(found))
}

// Changed is closed at the next change of any record: a reader that
// follows a run (the dashboard's run page) waits on it, then reads again.
func (c *Cache) Changed() <-chan struct{} { return c.m.Changed() }

// Lookup returns the run of exactly id, if the cache has it.
func (c *Cache) Lookup(id string) (Record, bool) { return c.m.Get(id) }
