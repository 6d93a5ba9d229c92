package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/service"
)

// overheadResult is the throughput of one concurrency without and with the
// command metrics, rounds of each, measured alternately.
type overheadResult struct {
	concurrency, events int
	off, on             []float64 // events/s per round
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// overhead is 1 − on/off of the medians, in percent.
func (r overheadResult) overhead() float64 { return (1 - median(r.on)/median(r.off)) * 100 }

// measureOverhead runs throughput without and with the command metrics —
// the middleware and observer every service gets — back to back, alternating
// which goes first, rounds times each, done markers on (as services run).
// While the instrumented runs go, /metrics (with the stream collector) is
// scraped every second over HTTP, as a far keener Prometheus would.
func measureOverhead(ctx context.Context, url string, n, conc, rounds int) (overheadResult, error) {
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
	for i := range rounds {
		for _, on := range []bool{i%2 == 1, i%2 == 0} {
			var c *metrics.Commands
			stop := func() {}
			if on {
				c = cmds
				stop = scrapeEvery(ctx, srv.URL()+"/metrics", time.Second)
			}
			r, err := throughput(ctx, url, n, conc, true, c)
			stop()
			if err != nil {
				return res, err
			}
			if on {
				res.on = append(res.on, r.rate())
			} else {
				res.off = append(res.off, r.rate())
			}
			fmt.Fprintf(os.Stderr, "overhead: concurrency %d, round %d, metrics %s: %.0f events/s\n", conc, i+1, onOff(on), r.rate())
		}
	}
	return res, nil
}

// scrapeEvery GETs url every d until the returned stop is called.
func scrapeEvery(ctx context.Context, url string, d time.Duration) (stop func()) {
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
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func printOverhead(out io.Writer, rs []overheadResult, markdown bool) {
	fmt.Fprintf(out, "\nMetrics overhead: throughput without and with the command metrics, alternating, done markers on, %d CPUs\n", runtime.NumCPU())
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "concurrency\tevents\trounds\toff events/s (median)\ton events/s (median)\toverhead\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.0f\t%.0f\t%+.1f %%\t\n", r.concurrency, r.events, len(r.on), median(r.off), median(r.on), r.overhead())
	}
	tw.Flush()
	if !markdown {
		return
	}
	fmt.Fprintf(out, "\n| concurrency | events | rounds | off, events/s (median) | on, events/s (median) | overhead | off, each round | on, each round |\n|--:|--:|--:|--:|--:|--:|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(out, "| %d | %d | %d | %.0f | %.0f | %+.1f %% | %s | %s |\n", r.concurrency, r.events, len(r.on), median(r.off), median(r.on), r.overhead(), rounds(r.off), rounds(r.on))
	}
}

func rounds(v []float64) string {
	s := ""
	for i, x := range v {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.0f", x)
	}
	return s
}
