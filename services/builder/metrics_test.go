package builder

import (
	"testing"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/metrics/metricstest"
)

func TestBuildMetricsFromFacts(t *testing.T) {
	reg := metrics.New()
	m := newBuildMetrics(reg)
	m.emitted(nil, &events.BuildFinished{Stack: "demo", Cells: []events.CellResult{
		{Component: "redis", Distro: "debian-12", State: "ok", Seconds: 300},
		{Component: "zookeeper", Distro: "debian-12", State: "ok", Cached: true},
	}})
	m.emitted(nil, &events.BuildFinished{Stack: "demo", Cells: []events.CellResult{
		{Component: "redis", Distro: "debian-11", State: "failed", Seconds: 20},
		{Component: "zookeeper", Distro: "debian-11", State: "skipped"},
	}})
	m.emitted(nil, &events.SourceFetched{Cached: true})
	m.emitted(nil, &events.BuildFailed{Stack: "demo"}) // per cell; counted from build.finished only
	f := metricstest.Gather(t, reg)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ringmaster_builds_total", map[string]string{"stack": "demo", "state": "ok"}, 1},
		{"ringmaster_builds_total", map[string]string{"stack": "demo", "state": "failed"}, 1},
		{"ringmaster_build_cells_total", map[string]string{"state": "ok"}, 2},
		{"ringmaster_build_cells_total", map[string]string{"component": "redis", "distro": "debian-11", "state": "failed"}, 1},
		{"ringmaster_build_cells_total", map[string]string{"state": "skipped"}, 1},
		{"ringmaster_build_cache_hits_total", map[string]string{"component": "zookeeper"}, 1},
		{"ringmaster_build_cell_duration_seconds", nil, 2}, // the two built cells, not the cached or skipped
		{"ringmaster_source_fetches_total", map[string]string{"cached": "true"}, 1},
	} {
		if got, ok := f.Value(c.name, c.labels); got != c.want || !ok {
			t.Errorf("%s%v = %v (present %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
}
