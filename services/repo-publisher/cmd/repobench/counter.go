package main

import (
	"context"
	"crypto/md5"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ringmaster.dev/kit/blob"
	publisher "ringmaster.dev/repo-publisher"
)

func md5Of(b []byte) [16]byte { return md5.Sum(b) }

// countingStore wraps the publisher's Store and counts the requests it makes
// (one per call: the blob store sends one HTTP request per Get, Put,
// PutIfAbsent and Stat; the once-per-Store conditional-PUT probe inside
// blob.Store is not seen here), the objects actually written, and how many
// requests were in flight at once — overall and for pool writes.
type countingStore struct {
	publisher.Store

	gets, puts, putIfAbsent, stats atomic.Int64
	lists                          atomic.Int64 // LIST pages (1,000 keys each)
	written, exists                atomic.Int64
	inFlight, poolInFlight         atomic.Int64
	peak, poolPeak                 atomic.Int64

	mu                 sync.Mutex
	poolFirst, poolEnd time.Time // window of pool writes
	idxFirst, idxEnd   time.Time // window of index writes (everything else but the manifest)
}

type counts struct {
	Gets, Puts, PutIfAbsent, Stats int64
	Lists                          int64
	Written, Exists                int64
	Peak, PoolPeak                 int64
	PoolWindow, IndexWindow        time.Duration
}

func (c counts) requests() int64 { return c.Gets + c.Puts + c.PutIfAbsent + c.Stats + c.Lists }
func (c counts) writeRequests() int64 {
	return c.Puts + c.PutIfAbsent
}

func (s *countingStore) reset() {
	for _, a := range []*atomic.Int64{&s.gets, &s.puts, &s.putIfAbsent, &s.stats, &s.lists, &s.written, &s.exists, &s.peak, &s.poolPeak} {
		a.Store(0)
	}
	s.mu.Lock()
	s.poolFirst, s.poolEnd, s.idxFirst, s.idxEnd = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	s.mu.Unlock()
}

func (s *countingStore) snapshot() counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return counts{
		Gets: s.gets.Load(), Puts: s.puts.Load(), PutIfAbsent: s.putIfAbsent.Load(), Stats: s.stats.Load(), Lists: s.lists.Load(),
		Written: s.written.Load(), Exists: s.exists.Load(), Peak: s.peak.Load(), PoolPeak: s.poolPeak.Load(),
		PoolWindow: s.poolEnd.Sub(s.poolFirst), IndexWindow: s.idxEnd.Sub(s.idxFirst),
	}
}

func raise(peak *atomic.Int64, v int64) {
	for {
		p := peak.Load()
		if v <= p || peak.CompareAndSwap(p, v) {
			return
		}
	}
}

// track counts one request in flight and returns the function that ends it.
func (s *countingStore) track(key string, write bool) func(err error) {
	raise(&s.peak, s.inFlight.Add(1))
	pool := write && strings.Contains(key, "/pool/")
	if pool {
		raise(&s.poolPeak, s.poolInFlight.Add(1))
	}
	start := time.Now()
	return func(err error) {
		s.inFlight.Add(-1)
		if pool {
			s.poolInFlight.Add(-1)
		}
		if !write {
			return
		}
		switch {
		case err == nil:
			s.written.Add(1)
		case errors.Is(err, blob.ErrExists):
			s.exists.Add(1)
		}
		end := time.Now()
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case pool:
			if s.poolFirst.IsZero() || start.Before(s.poolFirst) {
				s.poolFirst = start
			}
			s.poolEnd = later(s.poolEnd, end)
		case !strings.HasPrefix(key, publisher.StateRoot):
			if s.idxFirst.IsZero() || start.Before(s.idxFirst) {
				s.idxFirst = start
			}
			s.idxEnd = later(s.idxEnd, end)
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (s *countingStore) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	s.gets.Add(1)
	done := s.track(key, false)
	rc, info, err := s.Store.Get(ctx, key)
	done(err)
	return rc, info, err
}

func (s *countingStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error) {
	s.puts.Add(1)
	done := s.track(key, true)
	info, err := s.Store.Put(ctx, key, r, size, opts)
	done(err)
	return info, err
}

func (s *countingStore) PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error) {
	s.putIfAbsent.Add(1)
	done := s.track(key, true)
	info, err := s.Store.PutIfAbsent(ctx, key, r, size, opts)
	done(err)
	return info, err
}

func (s *countingStore) Stat(ctx context.Context, key string) (blob.Info, error) {
	s.stats.Add(1)
	done := s.track(key, false)
	info, err := s.Store.Stat(ctx, key)
	done(err)
	return info, err
}

// ListPage counts one request (ListObjectsV2).
func (s *countingStore) ListPage(ctx context.Context, prefix, startAfter string, max int) ([]blob.Info, bool, error) {
	done := s.track(prefix, false)
	s.lists.Add(1)
	page, more, err := s.Store.ListPage(ctx, prefix, startAfter, max)
	done(err)
	return page, more, err
}
