package main

import (
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
	"time"
)

// report holds every run's results.
type report struct {
	throughput []throughputResult
	latency    []latencyResult
}

func (r report) print(out io.Writer) {
	if len(r.throughput) > 0 {
		fmt.Fprintf(out, "Throughput: publish async → Worker handler → ack, embedded JetStream, file storage, %d CPUs\n", runtime.NumCPU())
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "done markers\tconcurrency\tevents\tevents/s\tstored/s\telapsed\t")
		for _, t := range r.throughput {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.0f\t%s\t\n", onOff(t.marks), t.concurrency, t.events, t.rate(), float64(t.events)/t.stored.Seconds(), t.handled.Round(time.Millisecond))
		}
		tw.Flush()
	}
	for _, l := range r.latency {
		fmt.Fprintf(out, "\nLatency at a steady %d events/s for %s (%d events, done markers %s, concurrency %d)\n", l.rate, l.duration, l.sent, onOff(l.marks), l.concurrency)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "stage\tp50\tp90\tp99\tmax\t")
		for _, s := range l.stages {
			v := s.sorted()
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", s.name, ms(percentile(v, 50)), ms(percentile(v, 90)), ms(percentile(v, 99)), ms(v[len(v)-1]))
		}
		tw.Flush()
	}
}

func (r report) printMarkdown(out io.Writer) {
	if len(r.throughput) > 0 {
		fmt.Fprintf(out, "#### Bus throughput (embedded JetStream, file storage, %d CPUs)\n\n", runtime.NumCPU())
		fmt.Fprintln(out, "| done markers | concurrency | events | events/s | stored/s |")
		fmt.Fprintln(out, "|---|--:|--:|--:|--:|")
		for _, t := range r.throughput {
			fmt.Fprintf(out, "| %s | %d | %d | %.0f | %.0f |\n", onOff(t.marks), t.concurrency, t.events, t.rate(), float64(t.events)/t.stored.Seconds())
		}
	}
	for _, l := range r.latency {
		fmt.Fprintf(out, "\n#### Bus latency at %d events/s for %s (done markers %s, concurrency %d)\n\n", l.rate, l.duration, onOff(l.marks), l.concurrency)
		fmt.Fprintln(out, "| stage | p50 | p90 | p99 | max |")
		fmt.Fprintln(out, "|---|--:|--:|--:|--:|")
		for _, s := range l.stages {
			v := s.sorted()
			fmt.Fprintf(out, "| %s | %s | %s | %s | %s |\n", s.name, ms(percentile(v, 50)), ms(percentile(v, 90)), ms(percentile(v, 99)), ms(v[len(v)-1]))
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
