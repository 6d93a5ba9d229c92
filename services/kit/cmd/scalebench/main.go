// Command scalebench measures, with the real engines on this machine, the
// limits docs/scaling.md reasons from: the fan-out of a KV put to N
// watchers (presence heartbeats, run records), the FACTS stream as it grows
// (publish rate, finding one run's facts), a work-queue command stream
// drained by one shared durable consumer vs one filtered consumer per route,
// and S3 objects/s at 1 to 64 requests in flight on the embedded S3 and on
// SeaweedFS. Each part prints a table with the load average next to it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"ringmaster.dev/kit/bench"
)

type options struct {
	parts     []string
	watchers  []int
	kvPuts    int
	kvRate    int
	kvBurst   int
	factSizes []int
	byRun     bool
	queueMsgs int
	queueRuns int
	consumers []int
	s3Conc    []int
	s3Size    int
	s3Dur     time.Duration
	weed      string
	markdown  string
	dir       string
}

var allParts = []string{"kv", "facts", "queue", "s3"}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "scalebench: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "scalebench: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	var parts, watchers, factSizes, consumers, s3Conc string
	fs := flag.NewFlagSet("scalebench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&parts, "parts", strings.Join(allParts, ","), "parts to run (comma-separated): "+strings.Join(allParts, ", "))
	fs.StringVar(&watchers, "watchers", "1,10,100,500", "kv: watcher counts")
	fs.IntVar(&o.kvPuts, "kv-puts", 100, "kv: puts of the latency run, at --kv-rate")
	fs.IntVar(&o.kvRate, "kv-rate", 50, "kv: puts/s of the latency run")
	fs.IntVar(&o.kvBurst, "kv-burst", 50_000, "kv: deliveries (puts × watchers) of the capacity run")
	fs.StringVar(&factSizes, "fact-sizes", "10000,100000,1000000", "facts: stream sizes (messages) to grow the stream to, ascending")
	fs.BoolVar(&o.byRun, "by-run", true, "facts: also store every fact in a stream whose subjects carry the run id and look the run up there")
	fs.IntVar(&o.queueMsgs, "queue-msgs", 5000, "queue: commands per drain")
	fs.IntVar(&o.queueRuns, "queue-runs", 3, "queue: drains per cell of the table (the median is reported)")
	fs.StringVar(&consumers, "consumers", "1,2,4,8", "queue: consumer counts")
	fs.StringVar(&s3Conc, "s3-inflight", "1,4,16,64", "s3: requests in flight")
	fs.IntVar(&o.s3Size, "s3-size", 16<<10, "s3: object size in bytes")
	fs.DurationVar(&o.s3Dur, "s3-duration", 2*time.Second, "s3: length of each PUT or GET run")
	fs.StringVar(&o.weed, "weed", "", "s3: path to SeaweedFS's weed (make weed); empty: the embedded S3 only")
	fs.StringVar(&o.markdown, "markdown", "", "also write every table as markdown into this file")
	fs.StringVar(&o.dir, "dir", "", "work directory (default: a new temporary directory, removed afterwards)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `scalebench — measures what limits Ringmaster's growth (docs/scaling.md), with the
real engines in this process: embedded NATS (JetStream, file storage), the
embedded S3 and, with --weed, a SeaweedFS cluster.

Usage:
  scalebench [flags]

Examples:
  scalebench                                        # every part, the sizes docs/scaling.md quotes
  scalebench --parts kv --watchers 1,10 --kv-burst 20000
  scalebench --parts facts --fact-sizes 10000,100000 --by-run=false
  scalebench --parts s3 --weed bin/weed --s3-inflight 1,16 --markdown /tmp/s3.md

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, p := range strings.Split(parts, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(allParts, p) {
			return o, fmt.Errorf("--parts: unknown part %q (want some of %s)", p, strings.Join(allParts, ", "))
		}
		o.parts = append(o.parts, p)
	}
	var err error
	if o.watchers, err = counts("--watchers", watchers); err != nil {
		return o, err
	}
	if o.factSizes, err = counts("--fact-sizes", factSizes); err != nil {
		return o, err
	}
	if !slices.IsSorted(o.factSizes) {
		return o, fmt.Errorf("--fact-sizes %q: the stream only grows; give the sizes in ascending order", factSizes)
	}
	if o.consumers, err = counts("--consumers", consumers); err != nil {
		return o, err
	}
	if o.s3Conc, err = counts("--s3-inflight", s3Conc); err != nil {
		return o, err
	}
	if o.kvPuts < 1 || o.kvRate < 1 || o.kvBurst < 1 || o.queueMsgs < 1 || o.queueRuns < 1 || o.s3Size < 1 || o.s3Dur <= 0 {
		return o, fmt.Errorf("--kv-puts, --kv-rate, --kv-burst, --queue-msgs, --queue-runs, --s3-size and --s3-duration must be positive")
	}
	return o, nil
}

// counts parses "1,10,100" into positive integers.
func counts(flagName, v string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s %q: want positive integers separated by commas, e.g. 1,10,100", flagName, v)
		}
		out = append(out, n)
	}
	return out, nil
}

func (o options) has(part string) bool { return slices.Contains(o.parts, part) }

func run(ctx context.Context, o options) error {
	dir := o.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "scalebench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	fmt.Printf("scalebench %s UTC, %d CPUs (GOMAXPROCS %d), load average %s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04"), runtime.NumCPU(), runtime.GOMAXPROCS(0), bench.Load())
	var md *os.File
	if o.markdown != "" {
		f, err := os.Create(o.markdown)
		if err != nil {
			return err
		}
		defer f.Close()
		md = f
	}
	emit := func(t *bench.Table) error {
		if err := t.Text(os.Stdout); err != nil {
			return err
		}
		fmt.Println()
		if md != nil {
			return t.Markdown(md)
		}
		return nil
	}
	steps := []struct {
		part string
		fn   func(context.Context, options, string, func(*bench.Table) error) error
	}{
		{"kv", kvPart}, {"facts", factsPart}, {"queue", queuePart}, {"s3", s3Part},
	}
	for _, s := range steps {
		if !o.has(s.part) {
			continue
		}
		start := time.Now()
		logf("== %s (load %s)", s.part, bench.Load())
		if err := s.fn(ctx, o, dir, emit); err != nil {
			return fmt.Errorf("%s: %w", s.part, err)
		}
		logf("== %s done in %s", s.part, time.Since(start).Round(time.Second))
	}
	return nil
}

// logf reports progress on stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
