package publisher

import (
	"time"

	"ringmaster.dev/kit/metrics"
)

// repoMetrics are the publisher's own metrics: how long publishes and
// promotes take, and each channel's size as of its last commit by this
// process. A nil *repoMetrics records nothing.
type repoMetrics struct {
	seconds         *metrics.HistogramVec
	bytes, packages *metrics.GaugeVec
}

func newRepoMetrics(r *metrics.Registry) *repoMetrics {
	return &repoMetrics{
		seconds:  r.Histogram("repo_publish_duration_seconds", "How long publishing (or promoting) into a channel took, packages in to indexes signed and live, under the channel's lease; by operation and result (ok or error).", nil, "operation", "channel", "result"),
		bytes:    r.Gauge("repo_size_bytes", "Bytes of the packages a channel's repository of a distro lists, as of its last publish or promote here.", "channel", "distro"),
		packages: r.Gauge("repo_packages", "Packages a channel's repository of a distro lists, as of its last publish or promote here.", "channel", "distro"),
	}
}

// timed records how long an operation on channel took since start.
func (m *repoMetrics) timed(operation, channel string, start time.Time, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.seconds.WithLabelValues(operation, channel, result).Observe(time.Since(start).Seconds())
}

// sized records the size of a committed manifest's repositories.
func (m *repoMetrics) sized(man *Manifest) {
	if m == nil {
		return
	}
	for d, pkgs := range man.Debs {
		var n int64
		for _, p := range pkgs {
			n += p.Size
		}
		m.bytes.WithLabelValues(man.Channel, d).Set(float64(n))
		m.packages.WithLabelValues(man.Channel, d).Set(float64(len(pkgs)))
	}
	for d, pkgs := range man.RPMs {
		var n uint64
		for _, p := range pkgs {
			n += p.PackageSize
		}
		m.bytes.WithLabelValues(man.Channel, d).Set(float64(n))
		m.packages.WithLabelValues(man.Channel, d).Set(float64(len(pkgs)))
	}
}
