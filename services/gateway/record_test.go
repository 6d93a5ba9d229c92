package gateway

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"ringmaster.dev/kit/runs"
)

// fakeRunCache is a run cache whose record the test changes.
type fakeRunCache struct {
	mu      sync.Mutex
	rec     runs.Record
	changed chan struct{}
}

func (f *fakeRunCache) Lookup(id string) (runs.Record, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rec, id == f.rec.ID
}

func (f *fakeRunCache) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

func (f *fakeRunCache) set(do func(*runs.Record)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	do(&f.rec)
	close(f.changed)
	f.changed = make(chan struct{})
}

// TestRecordWriter: the record goes out once at the start and again only
// when it changed; settle waits for the record to say the run ended (and
// gives up after recordSettle); without a cache nothing is written.
func TestRecordWriter(t *testing.T) {
	ctx := context.Background()
	cache := &fakeRunCache{rec: runs.Record{ID: "r1", State: runs.Running}, changed: make(chan struct{})}
	var out bytes.Buffer
	rw := recordWriter{cache: cache, id: "r1", w: &out}
	if !rw.write() || strings.Count(out.String(), "event: run\n") != 1 {
		t.Fatalf("first write: %q", out.String())
	}
	if rw.write() {
		t.Fatalf("an unchanged record was written again: %q", out.String())
	}
	changed := rw.changed
	cache.set(func(r *runs.Record) { r.SetStage("build", runs.Success, "", time.Now()) })
	select {
	case <-changed:
	default:
		t.Fatal("the writer's change channel was not closed by a change")
	}
	if !rw.write() || !strings.Contains(out.String(), `"name":"build"`) {
		t.Fatalf("the changed record was not written: %q", out.String())
	}

	go func() {
		time.Sleep(100 * time.Millisecond)
		cache.set(func(r *runs.Record) { r.State = runs.Success })
	}()
	start := time.Now()
	rw.settle(ctx)
	if !rw.done || time.Since(start) >= recordSettle || !strings.Contains(out.String(), `"state":"success"`) {
		t.Fatalf("settle: done %v after %s: %q", rw.done, time.Since(start), out.String())
	}

	stuck := recordWriter{cache: &fakeRunCache{rec: runs.Record{ID: "r2", State: runs.Running}, changed: make(chan struct{})}, id: "r2", w: &out}
	start = time.Now()
	stuck.settle(ctx)
	if took := time.Since(start); took < recordSettle || took > recordSettle+time.Second {
		t.Fatalf("settle on a record that never ends took %s, want %s", took, recordSettle)
	}

	var none bytes.Buffer
	nocache := recordWriter{id: "r3", w: &none}
	nocache.settle(ctx)
	if nocache.write() || none.Len() != 0 {
		t.Fatalf("without a cache: %q", none.String())
	}
}
