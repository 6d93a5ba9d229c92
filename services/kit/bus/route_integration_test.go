//go:build integration

package bus_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// TestRoutedCommandsReachOnlyTheirRoute: build cells are routed by distro
// and architecture. Two workers of one route share its consumer (each cell
// handled once), a worker never sees another route's cells, the service's
// other commands go to its unrouted worker, and a cell of a route nobody
// serves waits in the stream until a worker for it starts.
func TestRoutedCommandsReachOnlyTheirRoute(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	got := map[string][]string{} // worker → cells
	cellHandler := func(worker string) map[string]bus.Handler {
		return map[string]bus.Handler{"cell.build.requested": func(d *bus.Delivery) error {
			c := d.Payload.(*events.CellBuildRequested)
			mu.Lock()
			got[worker] = append(got[worker], c.Name())
			mu.Unlock()
			return nil
		}}
	}
	slots := make(chan struct{}, 2)
	e.start(&bus.Worker{Service: "builder", Route: "debian-12.amd64", Slots: slots, Concurrency: 2, Handlers: cellHandler("a12")})
	e.start(&bus.Worker{Service: "builder", Route: "debian-11.amd64", Slots: slots, Concurrency: 2, Handlers: cellHandler("a11")})
	e.start(&bus.Worker{Service: "builder", Route: "debian-12.amd64", Handlers: cellHandler("b12")})
	fetched := make(chan string, 1)
	e.start(&bus.Worker{Service: "builder", Handlers: map[string]bus.Handler{
		"source.fetch.requested": func(d *bus.Delivery) error {
			fetched <- d.Payload.(*events.SourceFetchRequested).URL
			return nil
		},
		"cell.build.requested": func(d *bus.Delivery) error {
			t.Errorf("the unrouted worker got a cell: %s", d.Envelope.ID)
			return nil
		},
	}})
	send := func(distro string, n int) {
		for i := range n {
			c := &events.CellBuildRequested{Request: "r1", Stack: "s", Component: fmt.Sprintf("c%d", i), Distro: distro, Arch: "amd64"}
			if _, err := e.conn.Publish(e.ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	send("debian-12", 20)
	send("debian-11", 5)
	send("debian-13", 3)
	if _, err := e.conn.Publish(e.ctx, fetchCmd("http://x/a.tgz")); err != nil {
		t.Fatal(err)
	}
	if u := <-fetched; u != "http://x/a.tgz" {
		t.Errorf("fetched %s", u)
	}
	count := func(worker string) int { mu.Lock(); defer mu.Unlock(); return len(got[worker]) }
	eventually(t, "25 cells handled", func() bool { return count("a12")+count("b12") == 20 && count("a11") == 5 })
	mu.Lock()
	seen := map[string]int{}
	for w, cells := range got {
		for _, c := range cells {
			seen[c]++
			if want := map[string]string{"a12": "/debian-12", "b12": "/debian-12", "a11": "/debian-11"}[w]; c[len(c)-len(want):] != want {
				t.Errorf("worker %s got %s", w, c)
			}
		}
	}
	mu.Unlock()
	for c, n := range seen {
		if n != 1 {
			t.Errorf("%s handled %d times", c, n)
		}
	}
	if count("a12") == 0 || count("b12") == 0 {
		t.Logf("one worker of debian-12 took every cell (a12 %d, b12 %d)", count("a12"), count("b12"))
	}
	// debian-13's cells wait: nobody serves them.
	s, err := e.conn.JS.Stream(e.ctx, events.CommandStream("builder"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	info, err := s.Info(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 3 {
		t.Errorf("%d commands left in the stream, want debian-13's 3", info.State.Msgs)
	}
	e.start(&bus.Worker{Service: "builder", Route: "debian-13.amd64", Handlers: cellHandler("c13")})
	eventually(t, "debian-13's cells, once a builder serves it", func() bool { return count("c13") == 3 })
	if _, err := e.conn.JS.Consumer(e.ctx, events.CommandStream("builder"), events.RouteConsumer("builder", "cell.build.requested", "debian-13.amd64")); err != nil {
		t.Errorf("route consumer: %v", err)
	}
}

func TestBadRoutesAreRefused(t *testing.T) {
	e := newEnv(t)
	if _, err := e.conn.Publish(e.ctx, &events.CellBuildRequested{Component: "c", Distro: "debian 12", Arch: "amd64"}); err == nil {
		t.Error("a cell with a space in its distro was published")
	}
	w := &bus.Worker{Conn: e.conn, Service: "tester", Route: "debian-12.amd64"}
	if err := w.Run(e.ctx); err == nil {
		t.Error("a route for a service without routed commands ran")
	}
}

// TestOlderPlainConsumerIsNarrowed: a builder consumer of an older version
// took every subject of the stream; the plain worker narrows it to the
// unrouted commands, after which route consumers can exist beside it.
func TestOlderPlainConsumerIsNarrowed(t *testing.T) {
	e := newEnv(t)
	stream := events.CommandStream("builder")
	if _, err := e.conn.JS.CreateOrUpdateConsumer(e.ctx, stream, jetstream.ConsumerConfig{
		Durable: "builder", AckPolicy: jetstream.AckExplicitPolicy, FilterSubject: events.CommandSubjects("builder")}); err != nil {
		t.Fatal(err)
	}
	plain := &bus.Worker{Conn: e.conn, Service: "builder"}
	if _, err := e.conn.JS.CreateOrUpdateConsumer(e.ctx, stream, plain.ConsumerConfig()); err != nil {
		t.Fatalf("narrow the older consumer: %v", err)
	}
	done := make(chan string, 1)
	e.start(&bus.Worker{Service: "builder", Route: "debian-12.amd64", Handlers: map[string]bus.Handler{"cell.build.requested": func(d *bus.Delivery) error {
		done <- d.Payload.(*events.CellBuildRequested).Name()
		return nil
	}}})
	if _, err := e.conn.Publish(e.ctx, &events.CellBuildRequested{Component: "c", Distro: "debian-12", Arch: "amd64"}); err != nil {
		t.Fatal(err)
	}
	if got := <-done; got != "c/debian-12" {
		t.Errorf("got %s", got)
	}
}
