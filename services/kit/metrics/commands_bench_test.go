package metrics

import (
	"syscall"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
)

// BenchmarkCommandsPerDelivery is what the command metrics add to one
// delivery — the middleware around a handler that does nothing, and the
// worker telling the observer — from GOMAXPROCS goroutines at once: the
// CPU cost to set against the bus's per-event cost (docs/benchmarks.md).
func BenchmarkCommandsPerDelivery(b *testing.B) {
	c := NewCommands(New())
	spec, _ := events.ByName("source.fetch.requested")
	h := c.Middleware()(func(*bus.Delivery) error { return nil })
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		d := &bus.Delivery{Service: "builder", Spec: spec}
		for pb.Next() {
			_ = h(d)
			c.Settled(d.Service, d.Spec.Name, bus.Done)
		}
	})
	// CPU time, not wall time: on a shared machine the two differ.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
