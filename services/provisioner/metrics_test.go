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
	// The outcomes are there at 0 before the first create.
	metricstest.Gather(t, reg).Expect(t, metricstest.Want{Name: "ringmaster_cluster_creates_total", Labels: map[string]string{"outcome": "failed"}})
	d := &bus.Delivery{}
	d.Envelope.Time = time.Now().Add(-3 * time.Second)
	m.emitted(d, &events.ClusterReady{Name: "a", Seconds: 40})
	m.emitted(d, &events.ClusterRejected{Name: "b"})
	m.emitted(d, &events.ClusterFailed{Name: "c"})
	m.emitted(d, &events.ClusterFailed{Name: "d"})
	m.emitted(d, &events.ClusterProgress{Name: "a"})
	m.emitted(d, &events.ClusterDestroyed{Name: "a"})
	f := metricstest.Gather(t, reg)
	var wants []metricstest.Want
	for outcome, n := range map[string]float64{"ready": 1, "rejected": 1, "failed": 2} {
		for _, name := range []string{"ringmaster_cluster_creates_total", "ringmaster_cluster_create_duration_seconds"} {
			wants = append(wants, metricstest.Want{Name: name, Labels: map[string]string{"outcome": outcome}, Value: n})
		}
	}
	f.Expect(t, append(wants, metricstest.Want{Name: "ringmaster_cluster_destroys_total", Value: 1})...)
	// A ready cluster's duration is the one it reports (40 s), the others' since their command (~3 s).
	for _, mf := range f["ringmaster_cluster_create_duration_seconds"].GetMetric() {
		sum := mf.GetHistogram().GetSampleSum()
		if outcome := mf.GetLabel()[0].GetValue(); (outcome == "ready" && sum != 40) || (outcome == "rejected" && (sum < 3 || sum > 60)) {
			t.Errorf("%s took %v s", outcome, sum)
		}
	}
}
