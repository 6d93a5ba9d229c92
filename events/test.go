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

// SweepRunRequested asks for a compatibility sweep: for every combination
// of the component versions the channel publishes, on every distro, a
// cluster with exactly those versions, the smoke suites, and the outcome
// recorded.
type SweepRunRequested struct {
	Stack   string   `json:"stack"`
	Channel string   `json:"channel,omitempty" doc:"default: the stack's"`
	Distros []string `json:"distros,omitempty" doc:"default: every distro the stack builds for"`
	Nodes   int      `json:"nodes,omitempty" doc:"nodes per cluster (default 3)"`
	Suites  []string `json:"suites,omitempty" doc:"empty means every suite of the cluster's components"`
	Max     int      `json:"max,omitempty" doc:"at most this many combinations, newest versions first (default 16)"`
	// KeepFailed leaves the cluster of a failed combination for inspection.
	KeepFailed bool `json:"keep_failed,omitempty" doc:"keep the clusters of failed combinations"`
	// Prefix names the clusters: <prefix>-1, <prefix>-2, …
	Prefix string `json:"prefix,omitempty" doc:"cluster names are <prefix>-<n> (default sweep-<run>)"`
	// Parallel measures that many combinations at once (each its own cluster).
	Parallel int `json:"parallel,omitempty" doc:"combinations measured at once (default 1, at most 8)"`
}

// SweepResult is the measured outcome of one combination.
type SweepResult struct {
	Distro   string            `json:"distro"`
	Versions map[string]string `json:"versions" doc:"component → upstream version"`
	Outcome  string            `json:"outcome" doc:"passed, failed (a test case failed), denied (by the compatibility policy) or error (no cluster came up, or only the infrastructure failed)"`
	// Detail names the failed cases, the policy's reasons or the error.
	Detail   string  `json:"detail,omitempty"`
	Cluster  string  `json:"cluster"`
	JUnitKey string  `json:"junit_key,omitempty"`
	Seconds  float64 `json:"seconds"`
}

// SweepFinished reports a finished sweep; its results are also stored as a
// document in the blob store.
type SweepFinished struct {
	Stack   string        `json:"stack"`
	Channel string        `json:"channel"`
	Results []SweepResult `json:"results"`
	Key     string        `json:"key" doc:"the results document in the blob store"`
	// Notes say what the sweep left out and why.
	Notes []string `json:"notes,omitempty"`
}
