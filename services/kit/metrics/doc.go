// Package metrics is Ringmaster's Prometheus instrumentation: a Registry
// per process whose metric names all start with ringmaster_, the command
// metrics every service gets from kit/service (Commands: a bus middleware
// and observer), a collector of stream depths and consumer lag read from
// JetStream at scrape time (Streams), and the /metrics handler. Services
// make their own metrics through the Registry they are given
// (service.Deps.Metrics); docs/metrics.md lists every metric.
package metrics
