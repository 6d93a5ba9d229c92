package tester

import (
	"testing"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/metrics/metricstest"
	"ringmaster.dev/tester/sweep"
)

func TestTestMetricsFromFacts(t *testing.T) {
	reg := metrics.New()
	m := newTestMetrics(reg)
	m.emitted(nil, &events.SweepFinished{Results: []events.SweepResult{{Outcome: sweep.Passed}, {Outcome: sweep.Denied}}})
	m.emitted(nil, &events.SweepFinished{Results: []events.SweepResult{{Outcome: sweep.Error}, {Outcome: sweep.Failed}, {Outcome: sweep.Passed}}})
	m.emitted(nil, &events.SweepFinished{Results: []events.SweepResult{{Outcome: sweep.Error}}})
	m.emitted(nil, &events.TestFinished{Passed: 6, Skipped: 1, Seconds: 20})
	m.emitted(nil, &events.TestFinished{Passed: 2, Failed: 1, Seconds: 30})
	f := metricstest.Gather(t, reg)
	for _, c := range []struct {
		name, label, value string
		want               float64
	}{
		{"ringmaster_sweeps_total", "result", "passed", 1},
		{"ringmaster_sweeps_total", "result", "failed", 1},
		{"ringmaster_sweeps_total", "result", "error", 1},
		{"ringmaster_sweep_combinations_total", "outcome", "passed", 2},
		{"ringmaster_sweep_combinations_total", "outcome", "denied", 1},
		{"ringmaster_sweep_combinations_total", "outcome", "error", 2},
		{"ringmaster_test_runs_total", "result", "passed", 1},
		{"ringmaster_test_runs_total", "result", "failed", 1},
		{"ringmaster_test_cases_total", "outcome", "passed", 8},
		{"ringmaster_test_cases_total", "outcome", "skipped", 1},
		{"ringmaster_test_run_duration_seconds", "result", "failed", 1},
	} {
		if got, ok := f.Value(c.name, map[string]string{c.label: c.value}); got != c.want || !ok {
			t.Errorf("%s{%s=%q} = %v (present %v), want %v", c.name, c.label, c.value, got, ok, c.want)
		}
	}
}
