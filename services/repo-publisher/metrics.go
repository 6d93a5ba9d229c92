package publisher

import (
	"time"

	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/yum"
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
	set := func(distro string, packages int, bytes float64) {
		m.bytes.WithLabelValues(man.Channel, distro).Set(bytes)
		m.packages.WithLabelValues(man.Channel, distro).Set(float64(packages))
	}
	for d, pkgs := range man.Debs {
		set(d, len(pkgs), total(pkgs, func(p apt.Package) float64 { return float64(p.Size) }))
	}
	for d, pkgs := range man.RPMs {
		set(d, len(pkgs), total(pkgs, func(p yum.Package) float64 { return float64(p.PackageSize) }))
	}
}

func total[P any](pkgs []P, size func(P) float64) float64 {
	var n float64
	for _, p := range pkgs {
		n += size(p)
	}
	return n
}
