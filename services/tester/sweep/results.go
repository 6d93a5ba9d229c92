package sweep

import (
	"path"
	"time"

	"ringmaster.dev/events"
)

// Results is the document a sweep stores: what was measured, when, of which
// channel.
type Results struct {
	Version  int                  `json:"version"`
	Stack    string               `json:"stack"`
	Channel  string               `json:"channel"`
	Run      string               `json:"run"`
	Started  time.Time            `json:"started"`
	Finished time.Time            `json:"finished"`
	Results  []events.SweepResult `json:"results"`
	Notes    []string             `json:"notes,omitempty"`
}

// Outcomes of a combination.
const (
	Passed = "passed"
	Failed = "failed"
	Denied = "denied"
	Error  = "error"
)

// Key is where a run's results document is stored.
func Key(stack, run string) string { return path.Join("compat", "measured", stack, run+".json") }

// LatestKey holds a copy of a stack's latest results document.
func LatestKey(stack string) string { return path.Join("compat", "measured", stack, "latest.json") }
