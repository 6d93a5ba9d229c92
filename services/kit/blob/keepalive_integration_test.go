//go:build integration

package blob

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"strings"
	"sync"
	"testing"
)

// syncLog collects what net/http logs (it reports stray answers on idle
// connections with the standard logger).
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

// TestKeptAliveConnectionsStayClean: with keep-alive on each S3 engine, empty PUTs (the conditional-PUT probe, empty objects), refused
// conditional PUTs and misses, interleaved with ordinary requests on 8
// connections, never leave a stray answer on a connection, and every
// request gets its own answer.
func TestKeptAliveConnectionsStayClean(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		logs := &syncLog{}
		log.SetOutput(logs)
		t.Cleanup(func() { log.SetOutput(nil) })
		s := e.open(t, "keepalive")
		ctx := t.Context()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() {
				for i := range 25 {
					key := fmt.Sprintf("k/%d-%d", w, i)
					data := []byte(strings.Repeat("x", i))
					if _, err := s.PutIfAbsent(ctx, key, bytes.NewReader(data), int64(len(data)), PutOptions{}); err != nil {
						errs <- fmt.Errorf("put-if-absent %s: %w", key, err)
						return
					}
					if _, err := s.PutIfAbsent(ctx, key, bytes.NewReader(data), int64(len(data)), PutOptions{}); !errors.Is(err, ErrExists) {
						errs <- fmt.Errorf("second put-if-absent %s: %v, want ErrExists", key, err)
						return
					}
					if _, err := s.Put(ctx, key+"-empty", bytes.NewReader(nil), 0, PutOptions{}); err != nil {
						errs <- fmt.Errorf("empty put %s: %w", key, err)
						return
					}
					if _, err := s.Stat(ctx, key+"-missing"); !errors.Is(err, ErrNotFound) {
						errs <- fmt.Errorf("stat of a missing key: %v, want ErrNotFound", err)
						return
					}
					rc, info, err := s.Get(ctx, key)
					if err != nil {
						errs <- fmt.Errorf("get %s: %w", key, err)
						return
					}
					rc.Close()
					if info.Size != int64(i) {
						errs <- fmt.Errorf("get %s: size %d, want %d", key, info.Size, i)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if strings.Contains(logs.String(), "Unsolicited response") {
			t.Fatalf("a stray answer arrived on a kept-alive connection:\n%s", logs.String())
		}
	})
}
