package gateway

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/bus/bustest"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/kit/service"
)

// Shape of the stand-in build of BenchmarkBuildWatched: the demo stack's
// matrix (3 components × 2 distros), each cell compiling (hashing) in
// log batches as the builder sends them.
const (
	benchCells   = 6
	benchBatches = 40 // build.log facts per cell
	benchLines   = 20 // lines per batch
	benchWork    = 8  // MiB hashed per batch: the compile between batches
)

// BenchmarkBuildWatched is the wall time of a CPU-bound stand-in for a
// build (the builder's facts: build.log batches and a build.succeeded per
// cell, with real work between them) on this machine, with 0 and with 50
// browsers' worth of Server-Sent Event streams of its run open on the
// gateway's /runs/{id}/events. The ratio of the two is the overhead the
// watchers add (goal: < 5 %). Not the demo stack's real build: that needs
// the toolchain images; bench-dashboard.sh says so.
func BenchmarkBuildWatched(b *testing.B) {
	conn := bustest.Embedded(b)
	ctx := context.Background()
	if err := conn.EnsureTopology(ctx); err != nil {
		b.Fatal(err)
	}
	g, err := Open(ctx, service.Deps{Bus: conn, KeyDir: b.TempDir(), Log: zerolog.Nop()},
		Options{HTTP: "127.0.0.1:0", RolesFile: "../../infra/authz/roles.yaml", Clusters: fakeClusters{}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	b.Cleanup(srv.Close)
	rs, err := runs.Open(ctx, conn.JS)
	if err != nil {
		b.Fatal(err)
	}
	// The builder has a connection of its own, as in ring up.
	builder, err := bus.Connect(ctx, conn.NC.ConnectedUrl(), "builder")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(builder.Close)
	buf := make([]byte, 1<<20)
	for _, clients := range []int{0, 50} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			var facts int
			for b.Loop() {
				b.StopTimer()
				rec := runs.Record{ID: uuid.NewString(), Kind: "pipeline", Trigger: events.TriggerPush, State: runs.Running, Stack: "demo", Created: time.Now().UTC()}
				if err := rs.Put(ctx, &rec); err != nil {
					b.Fatal(err)
				}
				var wg sync.WaitGroup
				ready := make(chan struct{}, clients)
				got := make([]int, clients)
				for i := range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						got[i] = watch(srv.URL+"/runs/"+rec.ID+"/events", ready)
					}()
				}
				for range clients {
					<-ready
				}
				b.StartTimer()
				facts = build(b, builder, rec.ID, buf)
				b.StopTimer()
				if _, err := conn.Publish(ctx, &events.PipelineFinished{Stack: "demo", State: runs.Success}, bus.WithRunID(rec.ID)); err != nil {
					b.Fatal(err)
				}
				wg.Wait()
				for i, n := range got {
					if n < facts {
						b.Fatalf("client %d saw %d of the build's %d facts", i, n, facts)
					}
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(facts), "facts/build")
			b.ReportMetric(publishTime.Seconds()*1000/float64(b.N), "publish-ms/build")
			publishTime = 0
		})
	}
}

// build publishes a stand-in build's facts for run, hashing benchWork MiB
// before each log batch; it returns how many facts it published.
var publishTime time.Duration

func build(b *testing.B, conn *bus.Conn, run string, buf []byte) int {
	ctx := context.Background()
	lines := make([]string, benchLines)
	for i := range lines {
		lines[i] = fmt.Sprintf("cc -O2 -c src/file%02d.c -o obj/file%02d.o", i, i)
	}
	n := 0
	for c := range benchCells {
		comp, distro := []string{"zookeeper", "redis", "ringhello"}[c%3], []string{"debian-12", "debian-11"}[c/3]
		for seq := range benchBatches {
			for range benchWork {
				sha256.Sum256(buf)
			}
			t0 := time.Now()
			if _, err := conn.Publish(ctx, &events.BuildLog{Stack: "demo", Component: comp, Distro: distro, Seq: seq, Lines: lines}, bus.WithRunID(run)); err != nil {
				b.Fatal(err)
			}
			publishTime += time.Since(t0)
			n++
		}
		if _, err := conn.Publish(ctx, &events.BuildSucceeded{Stack: "demo", Component: comp, Distro: distro, BuildKey: "k"}, bus.WithRunID(run)); err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

// watch reads a run's event stream as a browser's EventSource does, to its
// end; it says when the stream is open and returns the facts it read.
func watch(url string, ready chan<- struct{}) int {
	resp, err := http.Get(url)
	if err != nil {
		ready <- struct{}{}
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n, opened := 0, false
	for sc.Scan() {
		l := sc.Text()
		if !opened && strings.HasPrefix(l, ": run ") {
			opened = true
			ready <- struct{}{}
		}
		if strings.HasPrefix(l, "event: build.") {
			n++
		}
		if l == "event: end" {
			break
		}
	}
	if !opened {
		ready <- struct{}{}
	}
	return n
}
