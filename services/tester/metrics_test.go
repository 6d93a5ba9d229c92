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
	want := func(name, label, value string, n float64) metricstest.Want {
		return metricstest.Want{Name: name, Labels: map[string]string{label: value}, Value: n}
	}
	metricstest.Gather(t, reg).Expect(t,
		want("ringmaster_sweeps_total", "result", "passed", 1),
		want("ringmaster_sweeps_total", "result", "failed", 1),
		want("ringmaster_sweeps_total", "result", "error", 1),
		want("ringmaster_sweep_combinations_total", "outcome", "passed", 2),
		want("ringmaster_sweep_combinations_total", "outcome", "denied", 1),
		want("ringmaster_sweep_combinations_total", "outcome", "error", 2),
		want("ringmaster_test_runs_total", "result", "passed", 1),
		want("ringmaster_test_runs_total", "result", "failed", 1),
		want("ringmaster_test_cases_total", "outcome", "passed", 8),
		want("ringmaster_test_cases_total", "outcome", "skipped", 1),
		want("ringmaster_test_run_duration_seconds", "result", "failed", 1),
	)
}
