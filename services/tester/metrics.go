package tester

import (
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/tester/sweep"
)

// testMetrics are the tester's own metrics, counted from the facts it emits
// (service.Definition.Emitted): sweeps by result and their combinations by
// outcome, test runs by result and their cases.
type testMetrics struct {
	sweeps, combinations, runs, cases *metrics.CounterVec
	runSeconds                        *metrics.HistogramVec
}

func newTestMetrics(r *metrics.Registry) *testMetrics {
	m := &testMetrics{
		sweeps:       r.Counter("sweeps_total", "Compatibility sweeps finished, by result: passed (no combination failed), failed (one failed its tests) or error (one could not be measured, none failed).", "result"),
		combinations: r.Counter("sweep_combinations_total", "Version combinations measured by sweeps, by outcome: passed, failed, denied or error.", "outcome"),
		runs:         r.Counter("test_runs_total", "Test runs of a cluster's suites finished, by result: passed or failed.", "result"),
		cases:        r.Counter("test_cases_total", "Test cases run, by outcome: passed, failed or skipped.", "outcome"),
		runSeconds:   r.Histogram("test_run_duration_seconds", "How long a test run of a cluster's suites took.", nil, "result"),
	}
	for _, r := range []string{sweep.Passed, sweep.Failed, sweep.Error} {
		m.sweeps.WithLabelValues(r)
	}
	for _, o := range []string{sweep.Passed, sweep.Failed, sweep.Denied, sweep.Error} {
		m.combinations.WithLabelValues(o)
	}
	return m
}

// emitted counts one fact the tester emitted.
func (m *testMetrics) emitted(_ *bus.Delivery, event any) {
	switch f := event.(type) {
	case *events.SweepFinished:
		result := sweep.Passed
		for _, r := range f.Results {
			m.combinations.WithLabelValues(r.Outcome).Inc()
			switch {
			case r.Outcome == sweep.Failed:
				result = sweep.Failed
			case r.Outcome == sweep.Error && result == sweep.Passed:
				result = sweep.Error
			}
		}
		m.sweeps.WithLabelValues(result).Inc()
	case *events.TestFinished:
		result := "passed"
		if f.Failed > 0 {
			result = "failed"
		}
		m.runs.WithLabelValues(result).Inc()
		m.runSeconds.WithLabelValues(result).Observe(f.Seconds)
		m.cases.WithLabelValues("passed").Add(float64(f.Passed))
		m.cases.WithLabelValues("failed").Add(float64(f.Failed))
		m.cases.WithLabelValues("skipped").Add(float64(f.Skipped))
	}
}
