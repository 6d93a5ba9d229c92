// Package benchrig is what the gateway's load generators (cmd/hookbench,
// cmd/chatbench) share: a bus on an embedded NATS with file storage in a
// temporary directory, and the report of an open-loop run's latencies.
package benchrig

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/natsserver"
)

// Rig is an embedded NATS server, a connection to it with the streams
// declared, and a directory for keys; Close removes them.
type Rig struct {
	Conn *bus.Conn
	Dir  string
	stop func()
}

// Start starts the rig; name names the connection and the directory.
func Start(ctx context.Context, name string) (*Rig, error) {
	dir, err := os.MkdirTemp("", name+"-")
	if err != nil {
		return nil, err
	}
	srv, err := natsserver.Start(ctx, natsserver.Config{Dir: filepath.Join(dir, "nats")})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	conn, err := bus.Connect(ctx, srv.ClientURL(), name)
	if err == nil {
		err = conn.EnsureTopology(ctx)
	}
	if err != nil {
		srv.Shutdown()
		os.RemoveAll(dir)
		return nil, err
	}
	return &Rig{Conn: conn, Dir: dir, stop: func() { conn.Close(); srv.Shutdown(); os.RemoveAll(dir) }}, nil
}

// Close stops the server and removes the directory.
func (r *Rig) Close() { r.stop() }

// Result is a run's latency percentiles.
type Result struct{ P50, P99, Max time.Duration }

// Report prints one line of a run's latencies (lat is sorted in place).
func Report(name string, lat []time.Duration, errs int, took time.Duration) Result {
	n := len(lat)
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	r := Result{P50: lat[n/2], P99: lat[n*99/100], Max: lat[n-1]}
	fmt.Printf("  %-42s %5d requests in %5.1fs (%4.0f/s)  p50 %7s  p99 %7s  max %7s  errors %d\n", name, n, took.Seconds(),
		float64(n)/took.Seconds(), r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond), errs)
	return r
}

// Client is an HTTP client for many requests at once to one host.
func Client() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}
}

// Open sends rate requests a second for dur, open loop: each on schedule
// whatever the answers. prepare(i) builds the i-th request when its time
// comes; it is sent in a goroutine of its own, its answer read by ok
// (false: an error). It prints and returns the latencies.
func Open(name string, client *http.Client, rate int, dur time.Duration, prepare func(i int) *http.Request, ok func(*http.Response, []byte) bool) Result {
	n := int(dur.Seconds() * float64(rate))
	lat := make([]time.Duration, n)
	errs := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	tick := time.Second / time.Duration(rate)
	start := time.Now()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * tick)))
		req := prepare(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			resp, err := client.Do(req)
			d := time.Since(t0)
			good := false
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				good = ok(resp, b)
			}
			mu.Lock()
			lat[i] = d
			if !good {
				errs++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return Report(name, lat, errs, time.Since(start))
}
