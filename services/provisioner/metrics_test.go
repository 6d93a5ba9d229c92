package provisioner

import (
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/metrics/metricstest"
)

func TestClusterMetricsFromFacts(t *testing.T) {
	reg := metrics.New()
	m := newClusterMetrics(reg)
	if f := metricstest.Gather(t, reg); !has(f, "ringmaster_cluster_creates_total", "failed", 0) {
		t.Fatal("the create outcomes are not there at 0 before the first create")
	}
	d := &bus.Delivery{}
	d.Envelope.Time = time.Now().Add(-3 * time.Second)
	m.emitted(d, &events.ClusterReady{Name: "a", Seconds: 40})
	m.emitted(d, &events.ClusterRejected{Name: "b"})
	m.emitted(d, &events.ClusterFailed{Name: "c"})
	m.emitted(d, &events.ClusterFailed{Name: "d"})
	m.emitted(d, &events.ClusterProgress{Name: "a"})
	m.emitted(d, &events.ClusterDestroyed{Name: "a"})
	f := metricstest.Gather(t, reg)
	for _, c := range []struct {
		outcome string
		want    float64
	}{{"ready", 1}, {"rejected", 1}, {"failed", 2}} {
		if !has(f, "ringmaster_cluster_creates_total", c.outcome, c.want) || !has(f, "ringmaster_cluster_create_duration_seconds", c.outcome, c.want) {
			t.Errorf("creates or durations with outcome %s: want %v", c.outcome, c.want)
		}
	}
	if v, _ := f.Value("ringmaster_cluster_destroys_total", nil); v != 1 {
		t.Errorf("destroys = %v, want 1", v)
	}
	// A ready cluster's duration is the one it reports (40 s), the others' since their command (~3 s).
	for _, mf := range f["ringmaster_cluster_create_duration_seconds"].GetMetric() {
		sum := mf.GetHistogram().GetSampleSum()
		if outcome := mf.GetLabel()[0].GetValue(); (outcome == "ready" && sum != 40) || (outcome == "rejected" && (sum < 3 || sum > 60)) {
			t.Errorf("%s took %v s", outcome, sum)
		}
	}
}

func has(f metricstest.Families, name, outcome string, want float64) bool {
	v, ok := f.Value(name, map[string]string{"outcome": outcome})
	return ok && v == want
}
