package policies

import (
	"context"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCompatFactsSayWhereTheyCameFrom holds infra/compat/compat.json to the
// rule that the compatibility data is only what was measured or cited:
// every known_good and known_bad entry carries the run of the sweep that
// wrote it and its day, or the https URL of a release note or upstream
// issue.
func TestCompatFactsSayWhereTheyCameFrom(t *testing.T) {
	data, err := os.ReadFile(dataPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseData(data); err != nil {
		t.Fatalf("%s: %v", dataPath, err)
	}
	runID := regexp.MustCompile(`^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$`)
	facts := decodeFacts(t, data)
	for list, entries := range map[string][]fact{"known_good": facts.KnownGood, "known_bad": facts.KnownBad} {
		for i, f := range entries {
			if len(f.Pair) == 0 {
				t.Errorf("%s[%d] names no versions", list, i)
			}
			if f.Measured() {
				// Written by ring sweep run --write: a whole run id, the day
				// the sweep finished, the distros it ran on.
				day, err := time.Parse(DateLayout, f.Date)
				if !runID.MatchString(f.Run) || err != nil || day.After(time.Now()) || len(f.Distros) == 0 {
					t.Errorf("%s[%d]: run %q, date %q, distros %v: not what a sweep writes", list, i, f.Run, f.Date, f.Distros)
				}
				continue
			}
			if u, err := url.Parse(f.Source); err != nil || u.Scheme != "https" || u.Host == "" || strings.Contains(u.Host, "example.") {
				t.Errorf("%s[%d]: source %q is not the https URL of a release note or upstream issue", list, i, f.Source)
			}
		}
	}
}

// TestParseDataRefusesFactsWithoutProvenance: an entry that says neither
// where it was measured nor where it is cited from is refused, naming the
// entry and what to do.
func TestParseDataRefusesFactsWithoutProvenance(t *testing.T) {
	pair := `"pair": [{"component": "redis", "version": "7.0.0"}, {"component": "zookeeper", "version": "3.5.0"}]`
	doc := func(good, bad string) string {
		return `{"version": 1, "known_good": [` + good + `], "known_bad": [` + bad + `],
			"versions": {}, "roles": {}, "memory": {}, "distros": {}}`
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"cited", doc(`{`+pair+`, "source": "https://github.com/redis/redis/issues/1"}`, `{`+pair+`, "reason": "r", "source": "https://example.org/x"}`), ""},
		{"measured", doc(`{`+pair+`, "run": "0b5e2c7a", "date": "2026-10-27", "distros": ["debian-12"]}`, `{`+pair+`, "reason": "r", "run": "0b5e2c7a", "date": "2026-10-27"}`), ""},
		{"empty lists", doc(``, ``), ""},
		{"neither", doc(``, `{`+pair+`, "reason": "redis loses its ZooKeeper session"}`),
			`known_bad[0] (redis 7.0.0, zookeeper 3.5.0): it says neither where it was measured ("run"`},
		{"the old list form", doc(`[{"component": "redis", "version": "7.0.0"}]`, ``), `known_good[0]: an entry is an object`},
		{"run without date", doc(`{`+pair+`, "run": "0b5e2c7a"}`, ``), `"run" 0b5e2c7a has no "date"`},
		{"date without run", doc(`{`+pair+`, "date": "2026-10-27", "source": "https://example.org/x"}`, ``), `"date" 2026-10-27 without the "run"`},
		{"bad date", doc(`{`+pair+`, "run": "r", "date": "27.10.2026"}`, ``), `"date" "27.10.2026" is not a day`},
		{"source not a URL", doc(`{`+pair+`, "source": "the mailing list"}`, ``), `"source" "the mailing list" is not an http(s) URL`},
		{"empty run", doc(`{`+pair+`, "run": "", "source": "https://example.org/x"}`, ``), `"run" must be a non-empty string`},
		{"bad without reason", doc(``, `{`+pair+`, "source": "https://example.org/x"}`), `known_bad[0] (redis 7.0.0, zookeeper 3.5.0): "reason" is missing`},
		{"no pair", doc(`{"source": "https://example.org/x"}`, ``), `known_good[0]: "pair" must be a list`},
		{"not a list", `{"version": 1, "known_bad": {}, "versions": {}, "roles": {}, "memory": {}, "distros": {}}`, `"known_bad" must be a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseData([]byte(tc.doc))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := New(context.Background(), []byte(tc.doc)); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestKnownBadDenialSaysWhereTheFactCameFrom: the policy's denial for a
// known-bad pair quotes the reason and where it came from.
func TestKnownBadDenialSaysWhereTheFactCameFrom(t *testing.T) {
	data, err := os.ReadFile(dataPath)
	if err != nil {
		t.Fatal(err)
	}
	cited := `{"pair": [{"component": "zookeeper", "version": "3.5.0"}, {"component": "redis", "version": "7.0.0"}], "reason": "cited reason", "source": "https://github.com/redis/redis/issues/1"}`
	measured := `{"pair": [{"component": "redis", "version": "6.0.98"}, {"component": "zookeeper", "version": "3.8.0"}], "reason": "failed on debian-12: redis/replica-catches-up-after-restart", "run": "fedcba98-7654-4321-8000-000000000000", "date": "2026-10-26", "distros": ["debian-12"]}`
	facts := strings.Replace(string(data), `"known_bad": [`, `"known_bad": [`+cited+`, `+measured, 1)
	c, err := New(context.Background(), []byte(facts))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ zk, redis, want string }{
		{"3.5.0", "7.0.0", "zookeeper 3.5.0 and redis 7.0.0 are known not to work together: cited reason (source: https://github.com/redis/redis/issues/1)"},
		{"3.8.0", "6.0.98", "redis 6.0.98 and zookeeper 3.8.0 are known not to work together: failed on debian-12: redis/replica-catches-up-after-restart (measured by sweep fedcba98 on 2026-10-26)"},
	} {
		in := demo()
		in.Components = map[string]string{"zookeeper": tc.zk, "redis": tc.redis}
		d, err := c.Check(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allow || len(d.Deny) != 1 || d.Deny[0].Rule != "known-bad-pair" || d.Deny[0].Message != tc.want {
			t.Errorf("%s + %s: %+v, want the known-bad-pair denial %q", tc.zk, tc.redis, d.Deny, tc.want)
		}
	}
}

func TestProvenanceString(t *testing.T) {
	for _, tc := range []struct {
		p    Provenance
		want string
	}{
		{Provenance{Run: "0b5e2c7a-1111-4222", Date: "2026-10-27"}, "measured by sweep 0b5e2c7a on 2026-10-27"},
		{Provenance{Source: "https://github.com/redis/redis/issues/1"}, "source: https://github.com/redis/redis/issues/1"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}
