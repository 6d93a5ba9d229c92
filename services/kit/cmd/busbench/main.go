// Command busbench measures the Ringmaster bus end to end — publish →
// JetStream (file storage) → Worker handler → ack — on an embedded NATS
// server: throughput with done markers on and off, and per-event latency at a
// steady rate.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"ringmaster.dev/kit/natsserver"
)

type options struct {
	events      int
	concurrency []int
	rate        int
	duration    time.Duration
	latencyConc int
	url         string
	dir         string
	markdown    bool
	serve       bool
	skip        string
	overhead    int
	scrapeEvery time.Duration
}

func main() {
	o := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "busbench: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags() options {
	var o options
	var conc string
	fs := flag.NewFlagSet("busbench", flag.ExitOnError)
	fs.IntVar(&o.events, "events", 100_000, "commands per throughput run")
	fs.StringVar(&conc, "concurrency", "16,64", "worker concurrency values for the throughput runs (comma-separated)")
	fs.IntVar(&o.rate, "rate", 1000, "events/s of the steady-rate latency run")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of the steady-rate latency run")
	fs.IntVar(&o.latencyConc, "latency-concurrency", 16, "worker concurrency of the latency run")
	fs.StringVar(&o.url, "url", "", "use this NATS server instead of starting an embedded one (it must have JetStream)")
	fs.StringVar(&o.dir, "dir", "", "JetStream storage directory of the embedded server (default: a new temporary directory, removed afterwards)")
	fs.BoolVar(&o.markdown, "markdown", false, "also print the results as a markdown fragment")
	fs.BoolVar(&o.serve, "serve", false, "only start the embedded server, print its URL and wait for Ctrl-C (for peer tools such as `nats bench`)")
	fs.StringVar(&o.skip, "skip", "", "runs to leave out: throughput, latency (comma-separated)")
	fs.IntVar(&o.overhead, "metrics-overhead", 0, "only measure the command metrics' overhead: this many rounds without and with them, alternating, per --concurrency")
	fs.DurationVar(&o.scrapeEvery, "scrape-every", 15*time.Second, "with --metrics-overhead: scrape /metrics this often while the metrics are on (0: never; Prometheus' default is 15s)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `busbench — end-to-end benchmark of the Ringmaster bus (publish → handler → ack)
on an embedded NATS server with JetStream file storage.

Usage:
  busbench [flags]

Examples:
  busbench                                   # 100k-event throughput runs, then 10 s at 1,000 events/s
  busbench --events 20000 --concurrency 1,16,64 --markdown
  busbench --skip throughput --rate 2000 --duration 30s
  busbench --metrics-overhead 5 --events 20000 --concurrency 16  # events/s without and with metrics
  busbench --serve                           # print a URL, keep the server up for 'nats bench'

Flags:
`)
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	for _, s := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "busbench: --concurrency %q: want positive integers separated by commas\n", conc)
			os.Exit(2)
		}
		o.concurrency = append(o.concurrency, n)
	}
	return o
}

func run(ctx context.Context, o options) error {
	url := o.url
	if url == "" {
		dir := o.dir
		if dir == "" {
			tmp, err := os.MkdirTemp("", "busbench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			dir = tmp
		}
		srv, err := natsserver.Start(ctx, natsserver.Config{Dir: dir})
		if err != nil {
			return err
		}
		defer srv.Shutdown()
		url = srv.ClientURL()
	}
	if o.serve {
		fmt.Println(url)
		<-ctx.Done()
		return nil
	}
	if o.overhead > 0 {
		var rs []overheadResult
		for _, c := range o.concurrency {
			r, err := measureOverhead(ctx, url, o.events, c, o.overhead, o.scrapeEvery)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		printOverhead(os.Stdout, rs, o.markdown)
		return nil
	}
	var rep report
	if !strings.Contains(o.skip, "throughput") {
		for _, marks := range []bool{false, true} {
			for _, c := range o.concurrency {
				r, err := throughput(ctx, url, o.events, c, marks, nil)
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "throughput: done markers %s, concurrency %d: %.0f events/s\n", onOff(marks), c, r.rate())
				rep.throughput = append(rep.throughput, r)
			}
		}
	}
	if !strings.Contains(o.skip, "latency") {
		for _, marks := range []bool{false, true} {
			r, err := steady(ctx, url, o.rate, o.duration, o.latencyConc, marks)
			if err != nil {
				return err
			}
			rep.latency = append(rep.latency, r)
		}
	}
	rep.print(os.Stdout)
	if o.markdown {
		fmt.Println()
		rep.printMarkdown(os.Stdout)
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
