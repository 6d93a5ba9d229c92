package bus

import "sync/atomic"

// Metrics counts what a worker did. Safe for concurrent use.
type Metrics struct {
	Received, Succeeded, Retried, DeadLettered, Duplicates, Panics, InFlight atomic.Int64
}

// Counters is a point-in-time copy of Metrics.
type Counters struct {
	Received     int64 `json:"received"`
	Succeeded    int64 `json:"succeeded"`
	Retried      int64 `json:"retried"`
	DeadLettered int64 `json:"dead_lettered"`
	Duplicates   int64 `json:"duplicates"`
	Panics       int64 `json:"panics"`
	InFlight     int64 `json:"in_flight"`
}

// Snapshot copies the counters.
func (m *Metrics) Snapshot() Counters {
	return Counters{
		Received: m.Received.Load(), Succeeded: m.Succeeded.Load(), Retried: m.Retried.Load(),
		DeadLettered: m.DeadLettered.Load(), Duplicates: m.Duplicates.Load(), Panics: m.Panics.Load(), InFlight: m.InFlight.Load(),
	}
}
