package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Measurement is one combination a compatibility sweep measured.
type Measurement struct {
	Distro   string
	Versions map[string]string // component → upstream version
	Passed   bool              // the suites passed; false: a test case failed
	Detail   string            // the failed cases
}

// MeasuredPrefix starts the reason of every known_bad entry a sweep wrote.
const MeasuredPrefix = "measured by sweep "

// MergeMeasured writes what a sweep measured into compatibility facts (the
// JSON of compat.json) and returns the new document and a line per change.
// A combination that passed becomes a known_good entry and drops a
// known_bad entry of the same versions that a sweep wrote (a person's stays);
// one whose tests failed becomes a known_bad entry — reason: the sweep, the
// distro and the failed cases — and leaves known_good. A failure anywhere
// outweighs a pass elsewhere. The result is checked like any facts file.
func MergeMeasured(data []byte, ms []Measurement, run string) ([]byte, []string, error) {
	facts, err := ParseData(data)
	if err != nil {
		return nil, nil, err
	}
	good, _ := facts["known_good"].([]any)
	bad, _ := facts["known_bad"].([]any)
	var changes []string
	for _, pass := range []bool{true, false} {
		for _, m := range ms {
			if m.Passed != pass {
				continue
			}
			key := comboKey(m.Versions)
			if m.Passed {
				if !slices.ContainsFunc(good, func(e any) bool { l, _ := e.([]any); return membersKey(l) == key }) {
					good = append(good, members(m.Versions))
					changes = append(changes, "known_good + "+key)
				}
				bad = slices.DeleteFunc(bad, func(e any) bool {
					o, _ := e.(map[string]any)
					l, _ := o["pair"].([]any)
					reason, _ := o["reason"].(string)
					drop := membersKey(l) == key && strings.HasPrefix(reason, MeasuredPrefix)
					if drop {
						changes = append(changes, "known_bad − "+key+" (passed now)")
					}
					return drop
				})
				continue
			}
			if !slices.ContainsFunc(bad, func(e any) bool {
				o, _ := e.(map[string]any)
				l, _ := o["pair"].([]any)
				return membersKey(l) == key
			}) {
				reason := fmt.Sprintf("%s%s on %s: %s", MeasuredPrefix, shortID(run), m.Distro, m.Detail)
				bad = append(bad, map[string]any{"pair": members(m.Versions), "reason": reason})
				changes = append(changes, "known_bad + "+key)
			}
			good = slices.DeleteFunc(good, func(e any) bool {
				l, _ := e.([]any)
				drop := membersKey(l) == key
				if drop {
					changes = append(changes, "known_good − "+key+" (failed now)")
				}
				return drop
			})
		}
	}
	facts["known_good"], facts["known_bad"] = good, bad
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(facts); err != nil {
		return nil, nil, err
	}
	if _, err := ParseData(buf.Bytes()); err != nil {
		return nil, nil, fmt.Errorf("merged facts: %w", err)
	}
	return buf.Bytes(), changes, nil
}

// members is a combination as a known_good/known_bad member list, sorted by
// component.
func members(v map[string]string) []any {
	out := make([]any, 0, len(v))
	for _, c := range slices.Sorted(maps.Keys(v)) {
		out = append(out, map[string]any{"component": c, "version": v[c]})
	}
	return out
}

// comboKey is "redis 7.0.15, zookeeper 3.8.0".
func comboKey(v map[string]string) string {
	parts := make([]string, 0, len(v))
	for _, c := range slices.Sorted(maps.Keys(v)) {
		parts = append(parts, c+" "+v[c])
	}
	return strings.Join(parts, ", ")
}

// membersKey is comboKey of a member list from the facts.
func membersKey(l []any) string {
	v := map[string]string{}
	for _, e := range l {
		o, _ := e.(map[string]any)
		c, _ := o["component"].(string)
		ver, _ := o["version"].(string)
		v[c] = ver
	}
	return comboKey(v)
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
