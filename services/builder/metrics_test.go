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
	metricstest.Gather(t, reg).Expect(t,
		metricstest.Want{Name: "ringmaster_builds_total", Labels: map[string]string{"stack": "demo", "state": "ok"}, Value: 1},
		metricstest.Want{Name: "ringmaster_builds_total", Labels: map[string]string{"stack": "demo", "state": "failed"}, Value: 1},
		metricstest.Want{Name: "ringmaster_build_cells_total", Labels: map[string]string{"state": "ok"}, Value: 2},
		metricstest.Want{Name: "ringmaster_build_cells_total", Labels: map[string]string{"component": "redis", "distro": "debian-11", "state": "failed"}, Value: 1},
		metricstest.Want{Name: "ringmaster_build_cells_total", Labels: map[string]string{"state": "skipped"}, Value: 1},
		metricstest.Want{Name: "ringmaster_build_cache_hits_total", Labels: map[string]string{"component": "zookeeper"}, Value: 1},
		// the two cells built, not the cached or the skipped one
		metricstest.Want{Name: "ringmaster_build_cell_duration_seconds", Value: 2},
		metricstest.Want{Name: "ringmaster_source_fetches_total", Labels: map[string]string{"cached": "true"}, Value: 1},
	)
}
