package dashboard

import (
	"context"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/events"
)

const testFacts = `{
  "version": 1,
  "known_good": [
    {"pair": [{"component": "redis", "version": "7.0.15"}, {"component": "zookeeper", "version": "3.8.0"}],
     "run": "1a65e5f7-c958-422c-8040-141e2b167c8b", "date": "2026-12-06", "distros": ["debian-12"]}
  ],
  "known_bad": [
    {"pair": [{"component": "redis", "version": "6.0.98"}, {"component": "zookeeper", "version": "3.8.0"}],
     "reason": "debian-12: redis replica-catches-up-after-restart failed",
     "run": "0b5e2c7a-0000-4000-8000-000000000001", "date": "2026-12-05", "distros": ["debian-12"]}
  ],
  "versions": {"zookeeper": {"min": "3.5.0", "max": "3.9.99"}, "redis": {"min": "6.0.0", "max": "7.2.99"}},
  "roles": {"zookeeper": {"odd": true, "min": 3}},
  "memory": {"machine_mb": 24576, "per_node_min_mb": {"zookeeper": 256, "redis": 128}},
  "distros": {"zookeeper": ["debian-12", "debian-11"], "redis": ["debian-12", "debian-11"]}
}`

func cellOf(t *testing.T, v CompatView, row, col string) CompatCell {
	t.Helper()
	for _, g := range v.Grids {
		for i, r := range g.Rows {
			for j, c := range g.Cols {
				if r == row && c == col {
					return g.Cells[i][j]
				}
			}
		}
	}
	t.Fatalf("no cell %s × %s in %+v", row, col, v.Grids)
	return CompatCell{}
}

func TestCompat(t *testing.T) {
	sweep := Sweep{Run: "5c0ffee0-1111-4222-8333-444455556666", Finished: time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC),
		SweepFinished: events.SweepFinished{Stack: "demo", Results: []events.SweepResult{
			{Distro: "debian-12", Versions: map[string]string{"redis": "7.2.4", "zookeeper": "3.9.2"}, Outcome: "passed"},
			{Distro: "debian-11", Versions: map[string]string{"redis": "7.2.4", "zookeeper": "3.8.0"}, Outcome: "failed", Detail: "zookeeper ensemble-elects-leader failed"},
			{Distro: "debian-11", Versions: map[string]string{"redis": "7.0.15", "zookeeper": "3.9.2"}, Outcome: "error", Detail: "no cluster came up"},
		}}}
	tests := []struct {
		name          string
		stack, distro string
		row, col      string
		state         string
		text, run     string
	}{
		{"good from the facts", "", "", "7.0.15", "3.8.0", Good, "", "1a65e5f7"},
		{"bad from the facts, with reason", "", "", "6.0.98", "3.8.0", Bad, "replica-catches-up-after-restart", "0b5e2c7a"},
		{"good from a sweep", "", "", "7.2.4", "3.9.2", Good, "", "5c0ffee0"},
		{"bad from a sweep", "", "debian-11", "7.2.4", "3.8.0", Bad, "ensemble-elects-leader", "5c0ffee0"},
		{"a failure elsewhere outweighs", "", "", "7.2.4", "3.8.0", Bad, "ensemble-elects-leader", "5c0ffee0"},
		{"an infrastructure error measures nothing", "", "debian-11", "7.0.15", "3.9.2", Untested, "no cluster came up", ""},
		{"unmeasured and allowed", "", "debian-12", "6.0.98", "3.9.2", Untested, "", ""},
		{"the stack's sweep only", "demo", "", "7.2.4", "3.9.2", Good, "", "5c0ffee0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Compat(context.Background(), []byte(testFacts), []Sweep{sweep}, tt.stack, tt.distro)
			if err != nil {
				t.Fatal(err)
			}
			c := cellOf(t, v, tt.row, tt.col)
			if c.State != tt.state || !strings.Contains(c.Text, tt.text) || !strings.HasPrefix(c.Run, tt.run) {
				t.Errorf("cell %s × %s = %+v, want %s with %q by %q", tt.row, tt.col, c, tt.state, tt.text, tt.run)
			}
		})
	}
}

func TestCompatDistroFilter(t *testing.T) {
	v, err := Compat(context.Background(), []byte(testFacts), nil, "", "debian-11")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Grids) != 0 {
		t.Errorf("on debian-11 nothing was measured, got grids %+v", v.Grids)
	}
	if strings.Join(v.Distros, ",") != "debian-11,debian-12" {
		t.Errorf("distros %v", v.Distros)
	}
}

func TestCompatDeniedByRule(t *testing.T) {
	sw := Sweep{Run: "5c0ffee0", Finished: time.Now(), SweepFinished: events.SweepFinished{Stack: "old", Results: []events.SweepResult{
		{Distro: "debian-12", Versions: map[string]string{"redis": "5.0.14", "zookeeper": "3.4.14"}, Outcome: "passed"},
		{Distro: "debian-12", Versions: map[string]string{"redis": "6.2.0", "zookeeper": "3.8.0"}, Outcome: "passed"},
	}}}
	v, err := Compat(context.Background(), []byte(testFacts), []Sweep{sw}, "old", "")
	if err != nil {
		t.Fatal(err)
	}
	c := cellOf(t, v, "5.0.14", "3.8.0")
	if c.State != Denied || c.Rule != "version-range" || !strings.Contains(c.Text, "redis 5.0.14") {
		t.Errorf("redis 5.0.14 is older than the policy allows: %+v", c)
	}
}

func TestCompatBadFacts(t *testing.T) {
	_, err := Compat(context.Background(), []byte(strings.Replace(testFacts, `"date": "2026-12-06", `, "", 1)), nil, "", "")
	if err == nil || !strings.Contains(err.Error(), `"run" 1a65e5f7-c958-422c-8040-141e2b167c8b has no "date"`) {
		t.Errorf("a fact without provenance: %v", err)
	}
}

func TestVersionLess(t *testing.T) {
	l := []string{"6.0.10", "6.0.9", "7.0.15", "6.0.98", "3.10.0", "3.9.2"}
	sortVersions(l)
	if got := strings.Join(l, " "); got != "3.9.2 3.10.0 6.0.9 6.0.10 6.0.98 7.0.15" {
		t.Errorf("sorted %s", got)
	}
}
