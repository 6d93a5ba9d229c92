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
// run names the sweep in the reasons, as given (a short run id reads best).
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
			key := VersionList(m.Versions)
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
				reason := fmt.Sprintf("%s%s on %s: %s", MeasuredPrefix, run, m.Distro, m.Detail)
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
	if len(changes) == 0 {
		return data, nil, nil
	}
	out, err := replaceLists(data, good, bad)
	if err != nil {
		return nil, nil, err
	}
	if _, err := ParseData(out); err != nil {
		return nil, nil, fmt.Errorf("merged facts: %w", err)
	}
	return out, changes, nil
}

// replaceLists writes the facts document again with known_good and
// known_bad replaced and every other top-level field as it was, byte for
// byte and in its order, so a person's file stays theirs and a merge's diff
// is the lists alone.
func replaceLists(data []byte, good, bad []any) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("compatibility data: not a JSON object")
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	seen := map[string]bool{}
	field := func(k string, v []byte) {
		if len(seen) > 0 {
			b.WriteString(",\n")
		}
		seen[k] = true
		fmt.Fprintf(&b, "  %s: %s", compact(k), v)
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return nil, err
		}
		switch k {
		case "known_good":
			field(k, renderList(good, renderMembers))
		case "known_bad":
			field(k, renderList(bad, renderBad))
		default:
			field(k, raw)
		}
	}
	if !seen["known_good"] {
		field("known_good", renderList(good, renderMembers))
	}
	if !seen["known_bad"] {
		field("known_bad", renderList(bad, renderBad))
	}
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// renderList renders a top-level list one entry per line group, in the
// style of infra/compat/compat.json.
func renderList(l []any, entry func(any, string) string) []byte {
	if len(l) == 0 {
		return []byte("[]")
	}
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = "    " + entry(e, "    ")
	}
	return []byte("[\n" + strings.Join(parts, ",\n") + "\n  ]")
}

// renderMembers renders a member list: one {"component", "version"} a line.
func renderMembers(e any, indent string) string {
	l, ok := e.([]any)
	if !ok {
		return compact(e)
	}
	parts := make([]string, len(l))
	for i, m := range l {
		parts[i] = indent + "  " + compact(m)
	}
	return "[\n" + strings.Join(parts, ",\n") + "\n" + indent + "]"
}

// renderBad renders a known_bad entry: its pair as members, then the
// reason (any other field compact, after them).
func renderBad(e any, indent string) string {
	o, ok := e.(map[string]any)
	if !ok {
		return compact(e)
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(o)) {
		v := compact(o[k])
		if k == "pair" {
			v = renderMembers(o[k], indent+"  ")
		}
		lines = append(lines, fmt.Sprintf("%s  %s: %s", indent, compact(k), v))
	}
	return "{\n" + strings.Join(lines, ",\n") + "\n" + indent + "}"
}

// compact is v as JSON on one line, with a space after each colon and
// comma of an object, as the facts file writes members.
func compact(v any) string {
	if o, ok := v.(map[string]any); ok {
		parts := make([]string, 0, len(o))
		for _, k := range slices.Sorted(maps.Keys(o)) {
			parts = append(parts, compact(k)+": "+compact(o[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
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

// VersionList shows component versions as "redis 7.0.15, zookeeper 3.8.0",
// by component: the form decisions, sweeps and their facts are named in.
func VersionList(v map[string]string) string {
	parts := make([]string, 0, len(v))
	for _, c := range slices.Sorted(maps.Keys(v)) {
		parts = append(parts, c+" "+v[c])
	}
	return strings.Join(parts, ", ")
}

// membersKey is the VersionList of a member list from the facts.
func membersKey(l []any) string {
	v := map[string]string{}
	for _, e := range l {
		o, _ := e.(map[string]any)
		c, _ := o["component"].(string)
		ver, _ := o["version"].(string)
		v[c] = ver
	}
	return VersionList(v)
}
