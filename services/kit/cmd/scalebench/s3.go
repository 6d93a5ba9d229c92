package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"ringmaster.dev/kit/bench"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/s3server"
	"ringmaster.dev/kit/seaweed"
)

const s3Access, s3Secret = "scalebench", "scalebench-secret-key"

// s3Engine is a running S3 server the blob store talks to.
type s3Engine struct {
	name     string
	endpoint string
	close    func()
}

func s3Engines(ctx context.Context, o options, dir string) ([]s3Engine, error) {
	var out []s3Engine
	emb, err := s3server.Start(ctx, s3server.Config{Dir: filepath.Join(dir, "s3"), AccessKey: s3Access, SecretKey: s3Secret})
	if err != nil {
		return nil, err
	}
	out = append(out, s3Engine{name: "embedded S3 (" + emb.Metadata() + ")", endpoint: emb.Endpoint(), close: func() { _ = emb.Close() }})
	if o.weed == "" {
		return out, nil
	}
	c, err := seaweed.Start(ctx, seaweed.Config{Bin: o.weed, Dir: filepath.Join(dir, "seaweed"), AccessKey: s3Access, SecretKey: s3Secret})
	if err != nil {
		_ = emb.Close()
		return nil, err
	}
	return append(out, s3Engine{name: fmt.Sprintf("SeaweedFS (%d volume servers, replication 001)", c.Volumes()), endpoint: c.Endpoint(), close: c.Close}), nil
}

func s3Part(ctx context.Context, o options, dir string, emit func(*bench.Table) error) error {
	engines, err := s3Engines(ctx, o, dir)
	if err != nil {
		return err
	}
	defer func() {
		for _, e := range engines {
			e.close()
		}
	}()
	t := &bench.Table{Title: fmt.Sprintf("S3 through kit/blob (the services' client): %s KiB objects, %s per run; objects/s and latency p50 / p99 / max", bench.Num(float64(o.s3Size)/1024), o.s3Dur),
		Columns: []string{"engine", "request", "in flight", "objects/s", "MiB/s", "latency"}}
	before := bench.Load()
	for _, e := range engines {
		store, err := blob.Open(ctx, blob.Config{Endpoint: e.endpoint, AccessKey: s3Access, SecretKey: s3Secret, Bucket: "scalebench"})
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		var keys []string
		var mu sync.Mutex
		// Untimed warm-up: a fresh SeaweedFS grows its volumes on the first
		// writes (seconds); the embedded S3 creates its directories.
		warm := o
		warm.s3Dur = 2 * time.Second
		if _, _, _, err := s3Run(ctx, store, "PUT", slices.Max(o.s3Conc), warm, func() []string { return nil }, func(string) {}); err != nil {
			return fmt.Errorf("%s: warm-up: %w", e.name, err)
		}
		for _, op := range []string{"PUT", "PUT if absent", "GET"} {
			for _, c := range o.s3Conc {
				n, lat, d, err := s3Run(ctx, store, op, c, o, func() []string { mu.Lock(); defer mu.Unlock(); return keys }, func(k string) { mu.Lock(); keys = append(keys, k); mu.Unlock() })
				if err != nil {
					return fmt.Errorf("%s, %s, %d in flight: %w", e.name, op, c, err)
				}
				logf("s3: %s %s %d in flight: %s objects/s", e.name, op, c, bench.Rate(n, d))
				t.Add(e.name, op, c, bench.Rate(n, d), bench.Num(float64(n)*float64(o.s3Size)/(1<<20)/d.Seconds()), bench.Summary(lat))
			}
		}
	}
	t.Note("PUT: blob.Store.Put, one request. PUT if absent: blob.Store.PutIfAbsent, what the repo-publisher's upload pool sends (If-None-Match: *; a Stat and a PUT where the server does not enforce it). GET: blob.Store.Get of a random object written before, read to the end.")
	t.Note("Each engine first takes 2 s of PUTs at the highest in-flight count, untimed (a fresh SeaweedFS grows its volumes on the first writes).")
	t.Note("Server and client share this process (SeaweedFS: its own processes) and the machine's CPUs.")
	bench.LoadNote(t, before)
	return emit(t)
}

// s3Run runs op with c requests in flight for o.s3Dur and returns the
// objects done, their latencies and the time taken.
func s3Run(ctx context.Context, store *blob.Store, op string, c int, o options, keys func() []string, wrote func(string)) (int, []time.Duration, time.Duration, error) {
	var done atomic.Int64
	var mu sync.Mutex
	var lats []time.Duration
	var firstErr error
	var once sync.Once
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	deadline := time.Now().Add(o.s3Dur)
	have := keys()
	if op == "GET" && len(have) == 0 {
		return 0, nil, 0, fmt.Errorf("nothing written to read")
	}
	var wg sync.WaitGroup
	start := time.Now()
	for w := range c {
		wg.Go(func() {
			data := make([]byte, o.s3Size)
			var mine []time.Duration
			defer func() { mu.Lock(); lats = append(lats, mine...); mu.Unlock() }()
			for i := 0; time.Now().Before(deadline) && rctx.Err() == nil; i++ {
				t := time.Now()
				var err error
				switch op {
				case "GET":
					var rc io.ReadCloser
					if rc, _, err = store.Get(rctx, have[mrand.IntN(len(have))]); err == nil {
						_, err = io.Copy(io.Discard, rc)
						rc.Close()
					}
				default:
					_, _ = rand.Read(data[:32])
					sum := sha256.Sum256(data)
					key := fmt.Sprintf("bench/%s/%d-%d-%d", hex.EncodeToString(sum[:4]), c, w, i)
					opts := blob.PutOptions{ContentType: "application/octet-stream", SHA256: hex.EncodeToString(sum[:])}
					if op == "PUT" {
						_, err = store.Put(rctx, key, bytes.NewReader(data), int64(len(data)), opts)
					} else {
						_, err = store.PutIfAbsent(rctx, key, bytes.NewReader(data), int64(len(data)), opts)
					}
					if err == nil {
						wrote(key)
					}
				}
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				mine = append(mine, time.Since(t))
				done.Add(1)
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	if firstErr != nil {
		return 0, nil, 0, firstErr
	}
	return int(done.Load()), lats, d, nil
}
