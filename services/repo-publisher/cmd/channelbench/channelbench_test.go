package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"ringmaster.dev/repo-publisher/apt"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"--writers", "2, 8", "--duration", "3s"}, io.Discard)
	if err != nil || len(o.writers) != 2 || o.writers[1] != 8 || o.duration.Seconds() != 3 {
		t.Errorf("parsed %+v, %v", o, err)
	}
	for _, args := range [][]string{{"--writers", "0"}, {"--writers", "a"}, {"--duration", "0s"}, {"--parallel", "0"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// The .deb channelbench publishes is one the publisher accepts.
func TestMakeDeb(t *testing.T) {
	b, err := makeDeb("pkg-w4-own-3", "1.7", filepath.Join(t.TempDir(), "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := apt.Inspect(b)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := apt.PoolPathOf(b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pool, "pkg-w4-own-3_1.7-1_amd64.deb") {
		t.Errorf("pool path %s, package %+v", pool, p)
	}
}
