package dashboard

import (
	"context"
	"strings"

	"net/http/httptest"
	"ringmaster.dev/kit/bus/bustest"
	"ringmaster.dev/kit/runs"
	"testing"
)

// BenchmarkRunsPage is the runs page's server time with 10,000 runs in
// history (the records already read: BenchmarkRunsPageStore in the
// gateway reads them from NATS KV too). Target: < 50 ms.
func BenchmarkRunsPage(b *testing.B) {
	h := handler(Sources{Runs: testRuns(10000)})
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/runs", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkRunsPageStore is the runs page's server time with 10,000 runs in
// history in the ring_runs KV bucket of an embedded NATS server: listed as
// the gateway lists them, from the bucket's watched cache (target: < 50 ms),
// and, to compare in the same run, by reading the whole bucket per view.
func BenchmarkRunsPageStore(b *testing.B) {
	ctx := context.Background()
	conn := bustest.Embedded(b)
	store, err := runs.Open(ctx, conn.JS)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range testRuns(10000) {
		if err := store.Put(ctx, &r); err != nil {
			b.Fatal(err)
		}
	}
	cache, err := store.Watch(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []struct {
		name string
		runs Runs
	}{{"cache", cache}, {"bucket", store}} {
		b.Run(s.name, func(b *testing.B) {
			h := handler(Sources{Runs: s.runs})
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", "/runs", nil))
				if w.Code != 200 || !strings.Contains(w.Body.String(), "The newest 100 of 10000 runs") {
					b.Fatal(w.Code, w.Body.String()[:min(500, w.Body.Len())])
				}
			}
		})
	}
}
