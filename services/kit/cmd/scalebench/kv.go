package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bench"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/presence"
	"ringmaster.dev/kit/runs"
)

// kvBucket is a bucket the fan-out is measured on, with a record of the
// kind its writers put and how a watcher decodes one (as kvjson.Mirror does).
type kvBucket struct {
	bucket string
	name   string // in the tables
	open   func(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error)
	key    func(i int) string
	value  func(i int) []byte
	decode func([]byte) error
}

// builders is how many distinct writers the puts come from (one key each).
const builders = 300

func kvBuckets() []kvBucket {
	return []kvBucket{
		{
			bucket: bus.ServiceBucket, name: bus.ServiceBucket + " (presence, memory)",
			open: func(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
				return js.KeyValue(ctx, bus.ServiceBucket)
			},
			key:    func(i int) string { return fmt.Sprintf("builder.b%03d", i%builders) },
			value:  presenceValue,
			decode: func(b []byte) error { var r presence.Record; return json.Unmarshal(b, &r) },
		},
		{
			bucket: runs.Bucket, name: runs.Bucket + " (run records, file)",
			open: func(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
				if _, err := runs.Open(ctx, js); err != nil {
					return nil, err
				}
				return js.KeyValue(ctx, runs.Bucket)
			},
			key:    func(i int) string { return fmt.Sprintf("run%05d", i%builders) },
			value:  runValue,
			decode: func(b []byte) error { var r runs.Record; return json.Unmarshal(b, &r) },
		},
	}
}

func presenceValue(i int) []byte {
	now := time.Now().UTC()
	b, _ := json.Marshal(presence.Record{Service: "builder", Instance: fmt.Sprintf("b%03d", i%builders), Host: fmt.Sprintf("builder-%03d.example.internal", i%builders),
		PID: 4242, Version: "v0.17.0-12-g7911df6", Started: now.Add(-time.Hour), Seen: now,
		Counters: bus.Counters{Received: int64(i), Succeeded: int64(i), InFlight: 1}})
	return b
}

// runValue is a pipeline run record as the gateway writes one: six stages,
// four cells with two packages each.
func runValue(i int) []byte {
	now := time.Now().UTC()
	r := runs.Record{ID: fmt.Sprintf("0193a6f2-7c1e-7d3a-9f00-%012d", i), Kind: "pipeline", Trigger: "push", State: runs.Running,
		Stack: "bigdata", Repo: "https://git.example.internal/data/bigdata.git", Ref: "refs/heads/main",
		Commit: "7911df6c2f1e3a4b5c6d7e8f9a0b1c2d3e4f5a6b", Channel: "nightly", Created: now.Add(-time.Minute), Updated: now}
	for _, s := range []string{"build", "publish", "promote", "cluster", "test", "destroy"} {
		r.Stages = append(r.Stages, runs.Stage{Name: s, State: "success", Detail: "4 cells, 8 packages", Started: now, Finished: now})
	}
	for _, c := range []string{"hadoop", "zookeeper", "hbase", "spark"} {
		cell := events.CellResult{Component: c, Distro: "debian-12", State: "ok", Seconds: 312.5, LogKey: "logs/" + c + "/debian-12/build.log",
			BuildKey: "5d41402abc4b2a76b9719d911017c592ae2b2c6f5d41402abc4b2a76b9719d91"}
		for _, a := range []string{"amd64", "arm64"} {
			cell.Packages = append(cell.Packages, events.PackageRef{Key: "repos/apt/pool/main/" + c[:1] + "/" + c + "/" + c + "_3.4.1-1_" + a + ".deb",
				SHA256: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", Size: 48_000_000})
		}
		r.Cells = append(r.Cells, cell)
	}
	b, _ := json.Marshal(r)
	return b
}

// kvWatcher is one watcher on its own connection, as each gateway,
// dashboard or CLI that mirrors a bucket has.
type kvWatcher struct {
	nc     *nats.Conn
	w      jetstream.KeyWatcher
	last   atomic.Uint64 // the last revision received
	record atomic.Bool
	mu     sync.Mutex
	recv   map[uint64]time.Time
	loaded chan struct{}
	done   chan struct{}
}

func startWatcher(ctx context.Context, url string, b kvBucket) (*kvWatcher, error) {
	nc, err := nats.Connect(url, nats.Name("scalebench-watcher"))
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	kv, err := js.KeyValue(ctx, b.bucket)
	if err != nil {
		nc.Close()
		return nil, err
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		nc.Close()
		return nil, err
	}
	kw := &kvWatcher{nc: nc, w: w, recv: map[uint64]time.Time{}, loaded: make(chan struct{}), done: make(chan struct{})}
	go kw.follow(b)
	return kw, nil
}

// follow reads updates as kvjson.Mirror does (decode every value) and
// notes when each arrived.
func (k *kvWatcher) follow(b kvBucket) {
	defer close(k.done)
	initial := true
	for e := range k.w.Updates() {
		now := time.Now()
		if e == nil {
			if initial {
				initial = false
				close(k.loaded)
			}
			continue
		}
		_ = b.decode(e.Value())
		if k.record.Load() {
			k.mu.Lock()
			k.recv[e.Revision()] = now
			k.mu.Unlock()
		}
		k.last.Store(e.Revision())
	}
}

func (k *kvWatcher) stop() {
	_ = k.w.Stop()
	k.nc.Close()
	<-k.done
}

type kvResult struct {
	bucket     string
	watchers   int
	setup      time.Duration
	perWatcher float64 // bytes of heap and stacks per watcher (client and server)
	valueBytes int
	one, all   []time.Duration
	burst      int
	stored     time.Duration // the burst's puts all acknowledged
	delivered  time.Duration // ... and received by every watcher
}

func kvPart(ctx context.Context, o options, dir string, emit func(*bench.Table) error) error {
	srv, err := startServer(ctx, dir, "kv")
	if err != nil {
		return err
	}
	defer srv.close()
	lat := &bench.Table{Title: fmt.Sprintf("KV watch fan-out: latency of a put at a steady %d puts/s (%d puts) until one / every watcher has it, p50 / p99 / max", o.kvRate, o.kvPuts),
		Columns: []string{"bucket", "watchers", "value B", "set-up s", "memory per watcher KiB", "put → one watcher", "put → all watchers"}}
	capa := &bench.Table{Title: "KV watch fan-out: capacity — puts from 8 writers as fast as they go, until every watcher has the last",
		Columns: []string{"bucket", "watchers", "puts", "puts/s stored", "puts/s delivered to all", "deliveries/s"}}
	before := bench.Load()
	var list *bench.Table
	for _, b := range kvBuckets() {
		kv, err := b.open(ctx, srv.conn.JS)
		if err != nil {
			return err
		}
		for _, n := range o.watchers {
			r, err := kvFanout(ctx, srv.url, kv, b, n, o)
			if err != nil {
				return fmt.Errorf("%s, %d watchers: %w", b.name, n, err)
			}
			logf("kv %s, %d watchers: put→all p50 %s ms, %s deliveries/s", b.name, n, bench.Millis(bench.Percentile(slices.Sorted(slices.Values(r.all)), 50)), bench.Rate(r.burst*n, r.delivered))
			mem := "–" // below 100 watchers the difference is within the heap's noise
			if n >= 100 {
				mem = bench.KiB(r.perWatcher)
			}
			lat.Add(b.name, n, r.valueBytes, r.setup.Seconds(), mem, bench.Summary(r.one), bench.Summary(r.all))
			capa.Add(b.name, n, r.burst, bench.Rate(r.burst, r.stored), bench.Rate(r.burst, r.delivered), bench.Rate(r.burst*n, r.delivered))
		}
		if b.bucket == bus.ServiceBucket {
			if list, err = statusList(ctx, srv, kv, b); err != nil {
				return err
			}
		}
	}
	lat.Note("Each watcher is kv.WatchAll on its own NATS connection and decodes every value, as kvjson.Mirror does; server and watchers share this process and its CPUs.")
	lat.Note("Memory per watcher: heap and stacks in use after a collection, with the watchers minus without, divided by their number (server and client side; from 100 watchers, below that it is within the noise). The watchers decode and drop the values: a kvjson.Mirror also keeps every record.")
	bench.LoadNote(lat, before)
	capa.Note("Puts: 8 goroutines of kv.Put (each waits for its acknowledgement) over %d keys, %d deliveries in all (at least 80 puts); delivered = the time until every watcher received the last revision.", builders, o.kvBurst)
	bench.LoadNote(capa, before)
	for _, t := range []*bench.Table{lat, capa, list} {
		if err := emit(t); err != nil {
			return err
		}
	}
	return nil
}

// statusList times presence.List, what `ring status` runs, with a live
// record for each of the builders.
func statusList(ctx context.Context, srv *server, kv jetstream.KeyValue, b kvBucket) (*bench.Table, error) {
	t := &bench.Table{Title: fmt.Sprintf("ring status: presence.List of %s with %d live instances (one Get per key)", bus.ServiceBucket, builders),
		Columns: []string{"instances", "runs", "p50 ms", "max ms"}}
	before := bench.Load()
	for i := range builders {
		if _, err := kv.Put(ctx, b.key(i), b.value(i)); err != nil {
			return nil, err
		}
	}
	var ds []time.Duration
	n := 0
	for range 5 {
		start := time.Now()
		recs, err := presence.List(ctx, srv.conn.JS)
		if err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(start))
		n = len(recs)
	}
	if n < builders {
		return nil, fmt.Errorf("presence.List found %d of %d instances", n, builders)
	}
	slices.Sort(ds)
	t.Add(n, len(ds), bench.Millis(bench.Percentile(ds, 50)), bench.Millis(ds[len(ds)-1]))
	bench.LoadNote(t, before)
	return t, nil
}

func kvFanout(ctx context.Context, url string, kv jetstream.KeyValue, b kvBucket, n int, o options) (kvResult, error) {
	r := kvResult{bucket: b.name, watchers: n, valueBytes: len(b.value(0))}
	base := bench.HeapInUse()
	start := time.Now()
	ws := make([]*kvWatcher, 0, n)
	defer func() {
		for _, w := range ws {
			w.stop()
		}
	}()
	for range n {
		w, err := startWatcher(ctx, url, b)
		if err != nil {
			return r, err
		}
		ws = append(ws, w)
	}
	for _, w := range ws {
		select {
		case <-w.loaded:
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(time.Minute):
			return r, fmt.Errorf("a watcher did not load the bucket within a minute")
		}
	}
	r.setup = time.Since(start)
	r.perWatcher = float64(bench.HeapInUse()-base) / float64(n)

	// Latency at a steady rate.
	for _, w := range ws {
		w.record.Store(true)
	}
	sent := map[uint64]time.Time{}
	tick := time.NewTicker(time.Second / time.Duration(o.kvRate))
	var last uint64
	for i := range o.kvPuts {
		<-tick.C
		t := time.Now()
		rev, err := kv.Put(ctx, b.key(i), b.value(i))
		if err != nil {
			tick.Stop()
			return r, err
		}
		sent[rev], last = t, rev
	}
	tick.Stop()
	if err := caughtUp(ctx, ws, last); err != nil {
		return r, err
	}
	for _, w := range ws {
		w.record.Store(false)
	}
	for rev, t := range sent {
		var worst time.Duration
		for _, w := range ws {
			w.mu.Lock()
			got, ok := w.recv[rev]
			w.mu.Unlock()
			if !ok {
				return r, fmt.Errorf("a watcher missed revision %d", rev)
			}
			d := got.Sub(t)
			r.one = append(r.one, d)
			worst = max(worst, d)
		}
		r.all = append(r.all, worst)
	}

	// Capacity: as many deliveries as --kv-burst, from 8 writers.
	r.burst = max(80, o.kvBurst/n)
	const writers = 8
	var maxRev atomic.Uint64
	errs := make(chan error, writers)
	start = time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < r.burst; i += writers {
				rev, err := kv.Put(ctx, b.key(i), b.value(i))
				if err != nil {
					errs <- err
					return
				}
				for {
					m := maxRev.Load()
					if rev <= m || maxRev.CompareAndSwap(m, rev) {
						break
					}
				}
			}
		})
	}
	wg.Wait()
	r.stored = time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return r, err
	}
	if err := caughtUp(ctx, ws, maxRev.Load()); err != nil {
		return r, err
	}
	r.delivered = time.Since(start)
	return r, nil
}

// caughtUp waits until every watcher has received revision rev.
func caughtUp(ctx context.Context, ws []*kvWatcher, rev uint64) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		behind := 0
		for _, w := range ws {
			if w.last.Load() < rev {
				behind++
			}
		}
		if behind == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d watchers still lack revision %d after 2 minutes", behind, len(ws), rev)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}
