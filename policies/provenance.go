package policies

import (
	"fmt"
	"net/url"
	"time"
)

// DateLayout is how a fact's "date" is written: the UTC day its sweep
// finished.
const DateLayout = time.DateOnly

// Provenance is where a known_good or known_bad fact came from: a sweep that
// measured it (Run and Date) or a release note or upstream issue (Source).
type Provenance struct {
	Run    string `json:"run,omitempty"`
	Date   string `json:"date,omitempty"`
	Source string `json:"source,omitempty"`
}

// Measured tells whether a sweep wrote the fact.
func (p Provenance) Measured() bool { return p.Run != "" }

// String says where the fact came from, as the policy's denials do:
// "measured by sweep 0b5e2c7a on 2026-10-27" or "source: https://…".
func (p Provenance) String() string {
	if p.Measured() {
		return fmt.Sprintf("measured by sweep %s on %s", shortRun(p.Run), p.Date)
	}
	return "source: " + p.Source
}

// shortRun is a run id as people read it: its first 8 characters (what
// events.ShortRunID gives; the policy's denials cut it the same way).
func shortRun(run string) string { return run[:min(8, len(run))] }

// provenanceOf reads the provenance of one known_good or known_bad entry.
func provenanceOf(e map[string]any) Provenance {
	var p Provenance
	p.Run, _ = e["run"].(string)
	p.Date, _ = e["date"].(string)
	p.Source, _ = e["source"].(string)
	return p
}

// checkFacts holds known_good and known_bad to the rule that the
// compatibility data is only what was measured or cited: every entry is an
// object with a "pair" of members and either a sweep's "run" with its "date"
// or a "source" URL; a known_bad entry has a "reason" too.
func checkFacts(facts map[string]any) error {
	for _, list := range []string{"known_good", "known_bad"} {
		v, ok := facts[list]
		if !ok {
			continue
		}
		entries, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%q must be a list", list)
		}
		for i, e := range entries {
			if err := checkEntry(list, e); err != nil {
				return fmt.Errorf("%s[%d]%s: %w", list, i, entryName(e), err)
			}
		}
	}
	return nil
}

func checkEntry(list string, e any) error {
	o, ok := e.(map[string]any)
	if !ok {
		return fmt.Errorf(`an entry is an object {"pair": [{"component", "version"}, …], "run" and "date", or "source"}, not %s`, jsonKind(e))
	}
	if _, ok := o["pair"].([]any); !ok {
		return fmt.Errorf(`"pair" must be a list of {"component", "version"} members`)
	}
	if list == "known_bad" {
		if r, _ := o["reason"].(string); r == "" {
			return fmt.Errorf(`"reason" is missing: say what goes wrong, the policy's denial quotes it`)
		}
	}
	for _, k := range []string{"run", "date", "source"} {
		if v, ok := o[k]; ok {
			if s, _ := v.(string); s == "" {
				return fmt.Errorf("%q must be a non-empty string", k)
			}
		}
	}
	p := provenanceOf(o)
	switch {
	case p.Run == "" && p.Source == "":
		return fmt.Errorf(`it says neither where it was measured ("run": the sweep's run id, and its "date") nor where it is cited from ("source": the URL of a release note or upstream issue); a fact without either does not belong in the compatibility data (ring sweep run --write measures and records one)`)
	case p.Run != "" && p.Date == "":
		return fmt.Errorf(`"run" %s has no "date" (the day the sweep finished, like 2026-10-27)`, p.Run)
	case p.Run == "" && p.Date != "":
		return fmt.Errorf(`"date" %s without the "run" of the sweep that measured it`, p.Date)
	}
	if p.Date != "" {
		if _, err := time.Parse(DateLayout, p.Date); err != nil {
			return fmt.Errorf(`"date" %q is not a day like 2026-10-27`, p.Date)
		}
	}
	if p.Source != "" {
		u, err := url.Parse(p.Source)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf(`"source" %q is not an http(s) URL of a release note or upstream issue`, p.Source)
		}
	}
	return nil
}

// entryName is " (redis 7.0.0, zookeeper 3.5.0)" for an entry whose pair
// reads, to find it in the file; "" otherwise.
func entryName(e any) string {
	o, _ := e.(map[string]any)
	l, _ := o["pair"].([]any)
	if k := membersKey(l); k != "" {
		return " (" + k + ")"
	}
	return ""
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "a list (known_good entries were bare member lists before facts carried where they came from: wrap it as {\"pair\": […], \"source\": URL})"
	case string:
		return "a string"
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T", v)
	}
}
