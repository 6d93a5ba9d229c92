package apt

import (
	"container/list"
	"crypto/sha256"
	"hash/fnv"
	"sync"
)

// Packages.xz and Packages.gz are written as concatenated independent
// streams (xz streams, gzip members), one per block of the Packages text:
// every xz and gzip decoder reads them as one file (xz-utils, liblzma as apt
// uses it, zlib, Go's readers). Blocks end at content-defined stanza
// boundaries — before a stanza whose package name hashes to 0 mod
// blockCut and differs from the previous stanza's — so adding, replacing or
// removing a package changes only its own block, and with a BlockCache only
// that block is compressed again. The output does not depend on the cache.

// blockCut makes blocks of ~256 stanzas (~200 KB of text).
const blockCut = 256

// BlockCache keeps compressed blocks between builds, keyed by a digest of
// the compression and the block's text. It must be safe for concurrent use.
type BlockCache interface {
	Get(key [32]byte) ([]byte, bool)
	Add(key [32]byte, data []byte)
}

// Option tunes Build.
type Option func(*buildOptions)

type buildOptions struct {
	cache BlockCache
}

// WithBlockCache makes Build reuse compressed blocks from c (and add new ones).
func WithBlockCache(c BlockCache) Option {
	return func(o *buildOptions) { o.cache = c }
}

// NewBlockCache returns a BlockCache keeping up to maxBytes of compressed
// blocks, dropping the least recently used.
func NewBlockCache(maxBytes int) BlockCache {
	return &lru{max: maxBytes, items: map[[32]byte]*list.Element{}, order: list.New()}
}

type lru struct {
	mu    sync.Mutex
	max   int
	size  int
	items map[[32]byte]*list.Element
	order *list.List // front: most recent
}

type lruEntry struct {
	key  [32]byte
	data []byte
}

func (c *lru) Get(key [32]byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruEntry).data, true
}

func (c *lru) Add(key [32]byte, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		return
	}
	if len(data) > c.max {
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry{key, data})
	c.size += len(data)
	for c.size > c.max {
		e := c.order.Back()
		ent := e.Value.(*lruEntry)
		c.order.Remove(e)
		delete(c.items, ent.key)
		c.size -= len(ent.data)
	}
}

// blockKey identifies a block compressed by the named compression.
func blockKey(compression string, plain []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(compression))
	h.Write([]byte{0})
	h.Write(plain)
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// cutBefore tells whether a block starts at a stanza of package name, the
// previous stanza being of package prev.
func cutBefore(name, prev string) bool {
	if name == prev {
		return false
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32()%blockCut == 0
}
