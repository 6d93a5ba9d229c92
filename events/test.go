package events

// TestRunRequested asks the tester to run suites against a cluster.
type TestRunRequested struct {
	Cluster string   `json:"cluster"`
	Suites  []string `json:"suites,omitempty" doc:"empty means every suite of the cluster's components"`
}

// TestFinished reports a finished test run and where its JUnit XML is.
type TestFinished struct {
	Cluster  string `json:"cluster"`
	Passed   int    `json:"passed"`
	Failed   int    `json:"failed"`
	Skipped  int    `json:"skipped"`
	JUnitKey string `json:"junit_key"`
}

// SweepRunRequested asks for a compatibility sweep over version combinations.
type SweepRunRequested struct {
	Stack string `json:"stack"`
}

// SweepFinished reports the measured compatibility results of a sweep.
type SweepFinished struct {
	Stack   string `json:"stack"`
	Results int    `json:"results"`
}
