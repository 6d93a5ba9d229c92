package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/service"
)

// overheadResult is the throughput of one concurrency without and with the
// command metrics, rounds of each, measured alternately: round i's two runs
// are a pair, back to back.
type overheadResult struct {
	concurrency, events int
	off, on             []float64 // events/s per round
	offCPU, onCPU       []float64 // CPU time of the process (publisher, server, worker) per event, µs
	scrapeCPU           float64   // CPU time of one scrape of /metrics, ms
	series              int       // series in a scrape
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// overhead is how much fewer events/s the runs with metrics made than the
// runs without, in percent: 1 − the median of the pairs' on/off ratios, so
// that the load of a shared machine, which drifts between pairs, cancels
// within each pair.
func (r overheadResult) overhead() float64 { return (1 - median(ratios(r.on, r.off))) * 100 }

// cpuOverhead is how much more CPU time an event took with metrics, in
// percent: the median of the pairs' ratios, minus 1.
func (r overheadResult) cpuOverhead() float64 { return (median(ratios(r.onCPU, r.offCPU)) - 1) * 100 }

func ratios(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] / b[i]
	}
	return out
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureOverhead runs throughput without and with the command metrics —
// the middleware and observer every service gets — back to back, alternating
// which goes first, rounds times each, done markers on (as services run).
// While the instrumented runs go, /metrics (with the stream collector) is
// scraped over HTTP every scrapeEvery (0: never). Then it times scrapes.
func measureOverhead(ctx context.Context, url string, n, conc, rounds int, scrapeEvery time.Duration) (overheadResult, error) {
	res := overheadResult{concurrency: conc, events: n}
	reg := metrics.New()
	cmds := metrics.NewCommands(reg)
	probe, err := bus.Connect(ctx, url, "busbench-metrics")
	if err != nil {
		return res, err
	}
	defer probe.Close()
	if err := reg.Register(metrics.NewStreams(probe.JS)); err != nil {
		return res, err
	}
	srv, err := service.ServeTelemetry("127.0.0.1:0", service.Telemetry(reg, &health.Checks{}), zerolog.Nop())
	if err != nil {
		return res, err
	}
	defer srv.Close()
	// A run of each first, not counted: connections, streams and caches warm.
	for _, c := range []*metrics.Commands{nil, cmds} {
		if _, err := throughput(ctx, url, n, conc, true, c); err != nil {
			return res, err
		}
	}
	for i := range rounds {
		for _, on := range []bool{i%2 == 1, i%2 == 0} {
			var c *metrics.Commands
			stop := func() {}
			if on {
				c = cmds
				if scrapeEvery > 0 {
					stop = scrapeLoop(ctx, srv.URL()+"/metrics", scrapeEvery)
				}
			}
			cpu0 := cpuTime()
			r, err := throughput(ctx, url, n, conc, true, c)
			cpu := float64((cpuTime() - cpu0).Microseconds()) / float64(n)
			stop()
			if err != nil {
				return res, err
			}
			if on {
				res.on, res.onCPU = append(res.on, r.rate()), append(res.onCPU, cpu)
			} else {
				res.off, res.offCPU = append(res.off, r.rate()), append(res.offCPU, cpu)
			}
			fmt.Fprintf(os.Stderr, "overhead: concurrency %d, round %d, metrics %s: %.0f events/s, %.1f µs CPU per event\n", conc, i+1, onOff(on), r.rate(), cpu)
		}
	}
	// What one scrape costs: the whole process's CPU over 20 of them.
	const scrapes = 20
	cpu0 := cpuTime()
	for range scrapes {
		body, err := get(ctx, srv.URL()+"/metrics")
		if err != nil {
			return res, err
		}
		res.series = 0
		for _, l := range strings.Split(body, "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				res.series++
			}
		}
	}
	res.scrapeCPU = float64((cpuTime() - cpu0).Microseconds()) / 1000 / scrapes
	return res, nil
}

func get(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// scrapeLoop GETs url every d until the returned stop is called.
func scrapeLoop(ctx context.Context, url string, d time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = get(ctx, url)
			}
		}
	}()
	return func() { cancel(); <-done }
}

func printOverhead(out io.Writer, rs []overheadResult, markdown bool) {
	fmt.Fprintf(out, "\nMetrics overhead: throughput without and with the command metrics, in pairs back to back, done markers on, %d CPUs\n", runtime.NumCPU())
	fmt.Fprintln(out, "(overhead: 1 - median of the pairs' on/off events/s; CPU: median of the pairs' on/off CPU time per event - 1)")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "concurrency\tevents\tpairs\toff events/s\ton events/s\toverhead\toff µs CPU/event\ton µs CPU/event\tCPU overhead\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.0f\t%.0f\t%+.1f %%\t%.1f\t%.1f\t%+.1f %%\t\n", r.concurrency, r.events, len(r.on), median(r.off), median(r.on), r.overhead(),
			median(r.offCPU), median(r.onCPU), r.cpuOverhead())
	}
	tw.Flush()
	if !markdown {
		return
	}
	fmt.Fprintf(out, "\n| concurrency | events per run | pairs | off, events/s (median) | on, events/s (median) | overhead, events/s | off, µs CPU/event | on, µs CPU/event | overhead, CPU |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rs {
		fmt.Fprintf(out, "| %d | %d | %d | %.0f | %.0f | %+.1f %% | %.1f | %.1f | %+.1f %% |\n", r.concurrency, r.events, len(r.on), median(r.off), median(r.on), r.overhead(),
			median(r.offCPU), median(r.onCPU), r.cpuOverhead())
	}
	for _, r := range rs {
		fmt.Fprintf(out, "\nconcurrency %d, events/s of each pair (off/on): %s\n", r.concurrency, pairs(r.off, r.on))
	}
	if len(rs) > 0 {
		fmt.Fprintf(out, "\none scrape of /metrics (%d series, streams read from JetStream): %.1f ms CPU\n", rs[0].series, rs[0].scrapeCPU)
	}
}

func pairs(off, on []float64) string {
	s := ""
	for i := range off {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.0f/%.0f", off[i], on[i])
	}
	return s
}
