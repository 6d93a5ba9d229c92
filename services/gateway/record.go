package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"ringmaster.dev/kit/runs"
)

// recordSettle bounds how long a stream whose run just ended waits for
// the run's record to say so (the gateway writes it on the same fact),
// so the stages a page shows last are the final ones.
const recordSettle = time.Second

// runCache is the run records held in memory (runs.Cache), followed.
type runCache interface {
	Lookup(id string) (runs.Record, bool)
	Changed() <-chan struct{}
}

// recordWriter writes a run's record as "event: run" on an event stream
// each time it changes: the run page's stages move with it.
type recordWriter struct {
	cache runCache // nil: no records (a gateway without the cache)
	id    string
	w     io.Writer
	// changed is closed at the next change of a record after the last
	// write (nil: never).
	changed <-chan struct{}
	last    []byte
	done    bool
}

// write sends the record if it changed since the last write; it reports
// whether it wrote.
func (rw *recordWriter) write() bool {
	if rw.cache == nil {
		return false
	}
	rw.changed = rw.cache.Changed() // before the read: no change is missed
	rec, ok := rw.cache.Lookup(rw.id)
	if !ok {
		return false
	}
	b, err := json.Marshal(rec)
	if err != nil || bytes.Equal(b, rw.last) {
		return false
	}
	rw.last, rw.done = b, rec.Done()
	fmt.Fprintf(rw.w, "event: run\ndata: %s\n\n", b)
	return true
}

// settle writes the record until it says the run is done, waiting at most
// recordSettle for that.
func (rw *recordWriter) settle(ctx context.Context) {
	if rw.cache == nil {
		return
	}
	timeout := time.NewTimer(recordSettle)
	defer timeout.Stop()
	for {
		rw.write()
		if rw.done {
			return
		}
		select {
		case <-rw.changed:
		case <-timeout.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
