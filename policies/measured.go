package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Measurement is one combination a compatibility sweep measured.
type Measurement struct {
	Distro   string
	Versions map[string]string // component → upstream version
	Passed   bool              // the suites passed; false: a test case failed
	Detail   string            // the failed cases
}

// Sweep names the sweep whose measurements are merged: its run id (kept
// whole, so `ring sweep show --run` finds its results) and when it finished.
type Sweep struct {
	Run      string
	Finished time.Time
}

func (s Sweep) provenance() map[string]any {
	return map[string]any{"run": s.Run, "date": s.Finished.UTC().Format(DateLayout)}
}

// MergeMeasured writes what a sweep measured into compatibility facts (the
// JSON of compat.json) and returns the new document and a line per change.
// Every entry it writes carries the sweep's "run" and "date" and the
// "distros" it was measured on. A combination that passed becomes a
// known_good entry and drops a known_bad entry of the same versions that a
// sweep wrote (a cited one stays); one whose tests failed becomes a
// known_bad entry — reason: the distro and the failed cases — and leaves
// known_good. A failure anywhere outweighs a pass elsewhere. An entry an
// earlier sweep wrote is measured again: it takes this sweep's run, date,
// distros (and reason); a cited entry is left as it is. The result is
// checked like any facts file.
func MergeMeasured(data []byte, ms []Measurement, sw Sweep) ([]byte, []string, error) {
	if sw.Run == "" || sw.Finished.IsZero() {
		return nil, nil, fmt.Errorf("merge measured facts: the sweep's run id and finish time are needed (got %q, %v)", sw.Run, sw.Finished)
	}
	facts, err := ParseData(data)
	if err != nil {
		return nil, nil, err
	}
	good, _ := facts["known_good"].([]any)
	bad, _ := facts["known_bad"].([]any)
	var changes []string
	for _, r := range combine(ms) {
		key := VersionList(r.versions)
		measured := sw.provenance()
		measured["pair"] = members(r.versions)
		if len(r.failed) == 0 {
			measured["distros"] = r.passed
			good, changes = upsert(good, key, measured, "known_good", changes)
			bad = slices.DeleteFunc(bad, func(e any) bool {
				o, _ := e.(map[string]any)
				drop := entryKey(o) == key && provenanceOf(o).Measured()
				if drop {
					changes = append(changes, "known_bad − "+key+" (passed now)")
				}
				return drop
			})
			continue
		}
		measured["distros"] = slices.Sorted(maps.Keys(r.failed))
		var why []string
		for _, d := range measured["distros"].([]string) {
			why = append(why, "failed on "+d+": "+r.failed[d])
		}
		measured["reason"] = strings.Join(why, "; ")
		bad, changes = upsert(bad, key, measured, "known_bad", changes)
		good = slices.DeleteFunc(good, func(e any) bool {
			o, _ := e.(map[string]any)
			drop := entryKey(o) == key
			if drop {
				changes = append(changes, "known_good − "+key+" (failed now)")
			}
			return drop
		})
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

// result is what one sweep measured of one combination, over its distros.
type result struct {
	versions map[string]string
	passed   []string          // distros
	failed   map[string]string // distro → failed cases
}

// combine groups measurements by combination, in the order they first
// appear.
func combine(ms []Measurement) []*result {
	var out []*result
	byKey := map[string]*result{}
	for _, m := range ms {
		key := VersionList(m.Versions)
		r := byKey[key]
		if r == nil {
			r = &result{versions: m.Versions, failed: map[string]string{}}
			byKey[key] = r
			out = append(out, r)
		}
		if m.Passed {
			if !slices.Contains(r.passed, m.Distro) {
				r.passed = append(r.passed, m.Distro)
				slices.Sort(r.passed)
			}
		} else {
			r.failed[m.Distro] = m.Detail
		}
	}
	return out
}

// upsert adds the measured entry to list, or measures again the entry of
// the same versions an earlier sweep wrote; a cited entry stays as it is.
func upsert(list []any, key string, measured map[string]any, name string, changes []string) ([]any, []string) {
	i := slices.IndexFunc(list, func(e any) bool { o, _ := e.(map[string]any); return entryKey(o) == key })
	if i < 0 {
		return append(list, measured), append(changes, name+" + "+key)
	}
	o, _ := list[i].(map[string]any)
	if !provenanceOf(o).Measured() || o["run"] == measured["run"] {
		return list, changes
	}
	list[i] = measured
	return list, append(changes, fmt.Sprintf("%s ~ %s (measured again by sweep %s)", name, key, shortRun(measured["run"].(string))))
}

// entryKey is the VersionList of a known_good or known_bad entry's pair.
func entryKey(o map[string]any) string {
	l, _ := o["pair"].([]any)
	return membersKey(l)
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
			field(k, renderList(good, renderEntry))
		case "known_bad":
			field(k, renderList(bad, renderEntry))
		default:
			field(k, raw)
		}
	}
	if !seen["known_good"] {
		field("known_good", renderList(good, renderEntry))
	}
	if !seen["known_bad"] {
		field("known_bad", renderList(bad, renderEntry))
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

// entryFields is the order an entry's fields are written in; others follow,
// sorted.
var entryFields = []string{"pair", "reason", "run", "date", "distros", "source"}

// renderEntry renders a known_good or known_bad entry: its pair as
// members, then the reason and where the fact came from, a field a line.
func renderEntry(e any, indent string) string {
	o, ok := e.(map[string]any)
	if !ok {
		return compact(e)
	}
	keys := slices.SortedFunc(maps.Keys(o), func(a, b string) int {
		ia, ib := slices.Index(entryFields, a), slices.Index(entryFields, b)
		if ia < 0 {
			ia = len(entryFields)
		}
		if ib < 0 {
			ib = len(entryFields)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	var lines []string
	for _, k := range keys {
		v := compact(o[k])
		if k == "pair" {
			v = renderMembers(o[k], indent+"  ")
		}
		lines = append(lines, fmt.Sprintf("%s  %s: %s", indent, compact(k), v))
	}
	return "{\n" + strings.Join(lines, ",\n") + "\n" + indent + "}"
}

// compact is v as JSON on one line, with a space after each colon and
// comma of an object or list, as the facts file writes members.
func compact(v any) string {
	if l, ok := v.([]string); ok {
		v = toAny(l)
	}
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i] = compact(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
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

func toAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}
