package builder

import (
	"strconv"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/metrics"
)

// buildMetrics are the builder's own metrics, counted from the facts it
// emits (service.Definition.Emitted): builds and cells by state, cache
// hits, cell build times and source fetches.
type buildMetrics struct {
	builds, cells, cacheHits, fetches *metrics.CounterVec
	cellSeconds                       *metrics.HistogramVec
}

func newBuildMetrics(r *metrics.Registry) *buildMetrics {
	return &buildMetrics{
		builds:      r.Counter("builds_total", "Builds of a stack's matrix that ran to the end, by state: ok when every cell built, failed otherwise.", "stack", "state"),
		cells:       r.Counter("build_cells_total", "Matrix cells (component × distro) by state: ok, failed or skipped.", "component", "distro", "state"),
		cacheHits:   r.Counter("build_cache_hits_total", "Cells whose packages came from the build cache (same inputs built before) instead of a build.", "component", "distro"),
		cellSeconds: r.Histogram("build_cell_duration_seconds", "How long a cell's build took, for cells built (not from the cache).", nil, "distro", "state"),
		fetches:     r.Counter("source_fetches_total", "Source fetches, by whether the source was in the cache already.", "cached"),
	}
}

// emitted counts one fact the builder emitted.
func (m *buildMetrics) emitted(_ *bus.Delivery, event any) {
	switch f := event.(type) {
	case *events.BuildFinished:
		state := "ok"
		for _, c := range f.Cells {
			if c.State != "ok" {
				state = "failed"
			}
			m.cells.WithLabelValues(c.Component, c.Distro, c.State).Inc()
			if c.Cached {
				m.cacheHits.WithLabelValues(c.Component, c.Distro).Inc()
			} else if c.State != "skipped" {
				m.cellSeconds.WithLabelValues(c.Distro, c.State).Observe(c.Seconds)
			}
		}
		m.builds.WithLabelValues(f.Stack, state).Inc()
	case *events.SourceFetched:
		m.fetches.WithLabelValues(strconv.FormatBool(f.Cached)).Inc()
	}
}
