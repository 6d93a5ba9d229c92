package provisioner

import (
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/metrics"
)

// Outcomes of a cluster create, as the metrics label them.
const (
	outcomeReady    = "ready"
	outcomeRejected = "rejected"
	outcomeFailed   = "failed"
)

// clusterMetrics are the provisioner's own metrics, counted from the facts
// it emits (service.Definition.Emitted): creates by outcome and how long
// they took, destroys.
type clusterMetrics struct {
	creates, destroys *metrics.CounterVec
	createSeconds     *metrics.HistogramVec
}

func newClusterMetrics(r *metrics.Registry) *clusterMetrics {
	m := &clusterMetrics{
		creates:       r.Counter("cluster_creates_total", "Cluster creates by outcome: ready, rejected (by the compatibility policy) or failed.", "outcome"),
		createSeconds: r.Histogram("cluster_create_duration_seconds", "How long a cluster create took, from its command to its outcome.", nil, "outcome"),
		destroys:      r.Counter("cluster_destroys_total", "Clusters destroyed."),
	}
	for _, o := range []string{outcomeReady, outcomeRejected, outcomeFailed} {
		m.creates.WithLabelValues(o)
	}
	m.destroys.WithLabelValues()
	return m
}

// emitted counts one fact the provisioner emitted.
func (m *clusterMetrics) emitted(d *bus.Delivery, event any) {
	var outcome string
	seconds := time.Since(d.Envelope.Time).Seconds()
	switch f := event.(type) {
	case *events.ClusterReady:
		outcome, seconds = outcomeReady, f.Seconds
	case *events.ClusterRejected:
		outcome = outcomeRejected
	case *events.ClusterFailed:
		outcome = outcomeFailed
	case *events.ClusterDestroyed:
		m.destroys.WithLabelValues().Inc()
		return
	default:
		return
	}
	m.creates.WithLabelValues(outcome).Inc()
	if !d.Envelope.Time.IsZero() {
		m.createSeconds.WithLabelValues(outcome).Observe(seconds)
	}
}
