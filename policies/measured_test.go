package policies

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestMergeMeasured(t *testing.T) {
	base, err := os.ReadFile("../infra/compat/compat.json")
	if err != nil {
		t.Fatal(err)
	}
	v := func(zk, redis string) map[string]string { return map[string]string{"zookeeper": zk, "redis": redis} }
	// A failure becomes known_bad, and the policy then denies the combination.
	out, changes, err := MergeMeasured(base, []Measurement{
		{Distro: "debian-12", Versions: v("3.8.0", "7.0.15"), Passed: true},
		{Distro: "debian-12", Versions: v("3.9.1", "7.0.15"), Detail: "zookeeper/quorum: no leader"},
	}, "01234567")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(changes, "\n") != "known_bad + redis 7.0.15, zookeeper 3.9.1" {
		t.Fatalf("changes = %q (3.8.0 with 7.0.15 was known good already)", changes)
	}
	// Only the lists change: everything from "versions" on is byte for
	// byte the file's, and the new entry is written in the file's style.
	tail := string(base[strings.Index(string(base), `"versions"`):])
	if !strings.HasSuffix(string(out), tail) || !strings.Contains(string(out), `        {"component": "zookeeper", "version": "3.9.1"}`) {
		t.Fatalf("merged facts were rewritten beyond their lists:\n%s", out)
	}
	c, err := New(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	in := demo()
	in.Components = v("3.9.1", "7.0.15")
	d, err := c.Check(context.Background(), in)
	if err != nil || d.Allow || d.Deny[0].Rule != "known-bad-pair" ||
		!strings.Contains(d.Deny[0].Message, "measured by sweep 01234567 on debian-12: zookeeper/quorum: no leader") {
		t.Fatalf("after a measured failure: %+v, %v", d, err)
	}
	// The same sweep again changes nothing.
	again, changes, err := MergeMeasured(out, []Measurement{{Distro: "debian-12", Versions: v("3.9.1", "7.0.15"), Detail: "zookeeper/quorum: no leader"}}, "01234567")
	if err != nil || len(changes) != 0 || string(again) != string(out) {
		t.Fatalf("merging twice: %q, %v", changes, err)
	}
	// Passing later drops the measured known_bad entry; a person's stays.
	out, changes, err = MergeMeasured(out, []Measurement{
		{Distro: "debian-12", Versions: v("3.9.1", "7.0.15"), Passed: true},
		{Distro: "debian-12", Versions: v("3.5.0", "7.0.0"), Passed: true},
	}, "fedcba9876543210")
	if err != nil {
		t.Fatal(err)
	}
	want := "known_good + redis 7.0.15, zookeeper 3.9.1\nknown_bad − redis 7.0.15, zookeeper 3.9.1 (passed now)\nknown_good + redis 7.0.0, zookeeper 3.5.0"
	if strings.Join(changes, "\n") != want {
		t.Fatalf("changes = %q, want %q", changes, want)
	}
	if !strings.Contains(string(out), "loses its ZooKeeper session") {
		t.Fatal("a person's known_bad entry was dropped")
	}
	// A failure outweighs a pass of the same versions on another distro.
	_, changes, err = MergeMeasured(base, []Measurement{
		{Distro: "debian-11", Versions: v("3.9.1", "7.0.15"), Detail: "redis/replication: lag"},
		{Distro: "debian-12", Versions: v("3.9.1", "7.0.15"), Passed: true},
	}, "r")
	if err != nil || strings.Join(changes, "\n") != "known_good + redis 7.0.15, zookeeper 3.9.1\nknown_bad + redis 7.0.15, zookeeper 3.9.1\nknown_good − redis 7.0.15, zookeeper 3.9.1 (failed now)" {
		t.Fatalf("pass and fail: %q, %v", changes, err)
	}
	if _, _, err := MergeMeasured([]byte(`{"version": 2}`), nil, "r"); err == nil {
		t.Fatal("bad facts merged")
	}
}
