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
	// Cases lists every test case with its outcome.
	Cases   []TestCase `json:"cases"`
	Seconds float64    `json:"seconds"`
}

// TestCase is one test case's outcome.
type TestCase struct {
	Suite   string  `json:"suite"`
	Name    string  `json:"name"`
	Outcome string  `json:"outcome" doc:"passed, failed, skipped or error (an infrastructure fault)"`
	Message string  `json:"message,omitempty"`
	Seconds float64 `json:"seconds"`
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
