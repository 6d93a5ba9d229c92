package runs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Cache is the run records kept in memory from a watch of the bucket: what
// a reader that lists often (the dashboard's runs page) reads instead of
// the whole bucket each time.
type Cache struct {
	mu     sync.RWMutex
	byID   map[string]Record
	sorted []Record // newest first; nil when a change came since
	ready  chan struct{}
}

// Watch starts keeping a Cache of the bucket until ctx ends; it returns
// once the records stored so far are in.
func (s *Store) Watch(ctx context.Context) (*Cache, error) {
	w, err := s.kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("runs: %w", err)
	}
	c := &Cache{byID: map[string]Record{}, ready: make(chan struct{})}
	go c.follow(ctx, w)
	select {
	case <-c.ready:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(30 * time.Second):
		return nil, errors.New("runs: the bucket's records did not arrive within 30s")
	}
}

func (c *Cache) follow(ctx context.Context, w jetstream.KeyWatcher) {
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
			if e == nil {
				if initial {
					initial = false
					close(c.ready)
				}
				continue
			}
			c.mu.Lock()
			if e.Operation() != jetstream.KeyValuePut {
				delete(c.byID, e.Key())
			} else {
				var r Record
				if json.Unmarshal(e.Value(), &r) == nil {
					c.byID[e.Key()] = r
				}
			}
			c.sorted = nil
			c.mu.Unlock()
		}
	}
}

// List returns every run, newest first.
func (c *Cache) List(context.Context) ([]Record, error) {
	c.mu.RLock()
	l := c.sorted
	c.mu.RUnlock()
	if l == nil {
		c.mu.Lock()
		if c.sorted == nil {
			c.sorted = make([]Record, 0, len(c.byID))
			for _, r := range c.byID {
				c.sorted = append(c.sorted, r)
			}
			sort.Slice(c.sorted, func(i, j int) bool { return c.sorted[i].Created.After(c.sorted[j].Created) })
		}
		l = c.sorted
		c.mu.Unlock()
	}
	return append([]Record(nil), l...), nil
}

// Get returns the run id, or the only run whose id starts with it (at
// least 8 characters), as Store.Get does.
func (c *Cache) Get(_ context.Context, id string) (Record, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if r, ok := c.byID[id]; ok {
		return r, nil
	}
	if len(id) < 8 {
		return Record{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var found []Record
	for k, r := range c.byID {
		if strings.HasPrefix(k, id) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Record{}, fmt.Errorf("%w: %s (ring runs list shows them)", ErrNotFound, id)
	}
	return Record{}, fmt.Errorf("%w: %s is the start of %d runs: give more of the id", ErrNotFound, id, len(found))
}
