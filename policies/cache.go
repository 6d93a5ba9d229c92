package policies

import (
	"container/list"
	"context"
	"encoding/json"
	"slices"
	"sync"
)

// Cache remembers a Checker's decisions for the most recently checked
// inputs, at most size of them; it is safe for concurrent use. The facts of
// a Checker do not change, so a decision only depends on its input. Errors
// are not remembered.
type Cache struct {
	c    *Checker
	size int

	mu    sync.Mutex
	order *list.List // of *cached, most recently used first
	byKey map[string]*list.Element
}

type cached struct {
	key string
	d   Decision
}

// NewCache returns a Cache of c's decisions for up to size inputs.
func NewCache(c *Checker, size int) *Cache {
	return &Cache{c: c, size: max(size, 1), order: list.New(), byKey: map[string]*list.Element{}}
}

// Check returns the decision for in, from the cache or from the Checker.
func (k *Cache) Check(ctx context.Context, in Input) (Decision, error) {
	b, err := json.Marshal(in) // map keys sorted: one key per input
	if err != nil {
		return Decision{}, err
	}
	key := string(b)
	k.mu.Lock()
	if e, ok := k.byKey[key]; ok {
		k.order.MoveToFront(e)
		d := e.Value.(*cached).d
		k.mu.Unlock()
		return Decision{Allow: d.Allow, Deny: slices.Clone(d.Deny)}, nil
	}
	k.mu.Unlock()
	d, err := k.c.Check(ctx, in)
	if err != nil {
		return Decision{}, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.byKey[key]; !ok {
		k.byKey[key] = k.order.PushFront(&cached{key, Decision{Allow: d.Allow, Deny: slices.Clone(d.Deny)}})
		if k.order.Len() > k.size {
			delete(k.byKey, k.order.Remove(k.order.Back()).(*cached).key)
		}
	}
	return d, nil
}

// Len is the number of decisions held.
func (k *Cache) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.order.Len()
}
