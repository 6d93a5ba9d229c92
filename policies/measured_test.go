package policies

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMergeMeasured(t *testing.T) {
	real, err := os.ReadFile("../infra/compat/compat.json")
	if err != nil {
		t.Fatal(err)
	}
	// The real facts without their lists, so what they hold now does not
	// change what this test means.
	base, err := replaceLists(real, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v := func(zk, redis string) map[string]string { return map[string]string{"zookeeper": zk, "redis": redis} }
	first := Sweep{Run: "01234567-89ab-4cde-8f01-23456789abcd", Finished: time.Date(2026, 10, 27, 23, 30, 0, 0, time.FixedZone("CET", 3600))}
	// A pass becomes known_good and a failure known_bad, each with the
	// sweep's run, its day (UTC) and the distros; the policy then denies
	// the failed combination saying which sweep measured it.
	out, changes, err := MergeMeasured(base, []Measurement{
		{Distro: "debian-12", Versions: v("3.8.0", "7.0.15"), Passed: true},
		{Distro: "debian-11", Versions: v("3.8.0", "7.0.15"), Passed: true},
		{Distro: "debian-12", Versions: v("3.9.1", "7.0.15"), Detail: "zookeeper/quorum: no leader"},
	}, first)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(changes, "\n"); got != "known_good + redis 7.0.15, zookeeper 3.8.0\nknown_bad + redis 7.0.15, zookeeper 3.9.1" {
		t.Fatalf("changes = %q", got)
	}
	// Only the lists change: everything from "versions" on is byte for
	// byte the file's, and the new entries are written in the file's style.
	tail := string(base[strings.Index(string(base), `"versions"`):])
	for _, want := range []string{
		`        {"component": "zookeeper", "version": "3.9.1"}`,
		`      "run": "01234567-89ab-4cde-8f01-23456789abcd",` + "\n" + `      "date": "2026-10-27",` + "\n" + `      "distros": ["debian-11", "debian-12"]`,
		`      "reason": "failed on debian-12: zookeeper/quorum: no leader",`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("merged facts lack %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(string(out), tail) {
		t.Fatalf("merged facts were rewritten beyond their lists:\n%s", out)
	}
	c, err := New(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	in := demo()
	in.Components = v("3.9.1", "7.0.15")
	d, err := c.Check(ctx, in)
	if err != nil || d.Allow || d.Deny[0].Rule != "known-bad-pair" ||
		d.Deny[0].Message != "redis 7.0.15 and zookeeper 3.9.1 are known not to work together: failed on debian-12: zookeeper/quorum: no leader (measured by sweep 01234567 on 2026-10-27)" {
		t.Fatalf("after a measured failure: %+v, %v", d, err)
	}
	// The same sweep again changes nothing.
	again, changes, err := MergeMeasured(out, []Measurement{{Distro: "debian-12", Versions: v("3.9.1", "7.0.15"), Detail: "zookeeper/quorum: no leader"}}, first)
	if err != nil || len(changes) != 0 || string(again) != string(out) {
		t.Fatalf("merging twice: %q, %v", changes, err)
	}
	// A later sweep: a pass drops the measured known_bad entry (a cited one
	// stays), and a combination measured again takes the later run and day.
	cited := strings.Replace(string(out), `"known_bad": [`, `"known_bad": [
    {"pair": [{"component": "redis", "version": "7.0.0"}, {"component": "zookeeper", "version": "3.5.0"}], "reason": "a cited fact", "source": "https://example.org/issues/1"},`, 1)
	second := Sweep{Run: "fedcba9876543210", Finished: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}
	out, changes, err = MergeMeasured([]byte(cited), []Measurement{
		{Distro: "debian-12", Versions: v("3.9.1", "7.0.15"), Passed: true},
		{Distro: "debian-12", Versions: v("3.5.0", "7.0.0"), Passed: true},
		{Distro: "debian-12", Versions: v("3.8.0", "7.0.15"), Passed: true},
	}, second)
	if err != nil {
		t.Fatal(err)
	}
	want := "known_good + redis 7.0.15, zookeeper 3.9.1\nknown_bad − redis 7.0.15, zookeeper 3.9.1 (passed now)\n" +
		"known_good + redis 7.0.0, zookeeper 3.5.0\nknown_good ~ redis 7.0.15, zookeeper 3.8.0 (measured again by sweep fedcba98)"
	if got := strings.Join(changes, "\n"); got != want {
		t.Fatalf("changes = %q, want %q", got, want)
	}
	facts := decodeFacts(t, out)
	if len(facts.KnownBad) != 1 || facts.KnownBad[0].Source != "https://example.org/issues/1" {
		t.Fatalf("the cited known_bad entry was dropped or changed: %+v", facts.KnownBad)
	}
	for _, g := range facts.KnownGood {
		if g.Run != second.Run || g.Date != "2026-11-02" || len(g.Distros) != 1 {
			t.Errorf("known_good %v after the second sweep: run %q, date %q, distros %v", g.Pair, g.Run, g.Date, g.Distros)
		}
	}
	// A failure outweighs a pass of the same versions on another distro.
	_, changes, err = MergeMeasured(base, []Measurement{
		{Distro: "debian-11", Versions: v("3.9.1", "7.0.15"), Detail: "redis/replication: lag"},
		{Distro: "debian-12", Versions: v("3.9.1", "7.0.15"), Passed: true},
	}, first)
	if err != nil || strings.Join(changes, "\n") != "known_bad + redis 7.0.15, zookeeper 3.9.1" {
		t.Fatalf("pass and fail: %q, %v", changes, err)
	}
	if _, _, err := MergeMeasured([]byte(`{"version": 2}`), nil, first); err == nil {
		t.Fatal("bad facts merged")
	}
	if _, _, err := MergeMeasured(base, nil, Sweep{Run: "r"}); err == nil || !strings.Contains(err.Error(), "finish time") {
		t.Fatalf("a merge without the sweep's time: %v", err)
	}
}

// fact is a known_good or known_bad entry as the facts file holds it.
type fact struct {
	Pair    []map[string]string `json:"pair"`
	Reason  string              `json:"reason"`
	Distros []string            `json:"distros"`
	Provenance
}

type factLists struct {
	KnownGood []fact `json:"known_good"`
	KnownBad  []fact `json:"known_bad"`
}

func decodeFacts(t *testing.T, data []byte) factLists {
	t.Helper()
	var f factLists
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f
}
