package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"ringmaster.dev/events"
)

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		err  string
	}{
		{"defaults", nil, ""},
		{"some parts", []string{"--parts", "kv, s3"}, ""},
		{"unknown part", []string{"--parts", "kv,disk"}, `unknown part "disk"`},
		{"zero watchers", []string{"--watchers", "0,10"}, "--watchers"},
		{"not a number", []string{"--consumers", "1,two"}, "--consumers"},
		{"sizes must grow", []string{"--fact-sizes", "100000,10000"}, "ascending"},
		{"no runs", []string{"--queue-runs", "0"}, "must be positive"},
	} {
		o, err := parseFlags(c.args, io.Discard)
		if c.err == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want one containing %q (options %+v)", c.name, err, c.err, o)
		}
	}
	o, err := parseFlags([]string{"--parts", "kv, s3", "--watchers", "1,500"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !o.has("kv") || !o.has("s3") || o.has("facts") || len(o.watchers) != 2 || o.watchers[1] != 500 {
		t.Errorf("parsed %+v", o)
	}
}

func TestRoutesFor(t *testing.T) {
	for _, c := range []struct {
		mode   queueMode
		n, k   int
		usable bool
	}{
		{queueModes[0], 8, 0, true},
		{queueModes[1], 1, 1, true},
		{queueModes[1], 8, 8, true},
		{queueModes[1], 9, 9, false}, // more routes than there are
		{queueModes[2], 1, 0, false},
		{queueModes[2], 4, 2, true},
		{queueModes[2], 3, 1, false}, // one route would have one builder
	} {
		k, ok := c.mode.routesFor(c.n)
		if ok != c.usable || ok && k != c.k {
			t.Errorf("%s, %d builders: routesFor = %d, %v; want %d, %v", c.mode.name, c.n, k, ok, c.k, c.usable)
		}
	}
}

func TestCellCommand(t *testing.T) {
	m := cellCommand("ubuntu-24.04.amd64")
	if m.Subject != "ringmaster.cmd.builder.cell.build.requested.ubuntu-24.04.amd64" {
		t.Errorf("subject %s", m.Subject)
	}
	var body struct{ Distro, Arch string }
	if err := json.Unmarshal(m.Data, &body); err != nil || body.Distro != "ubuntu-24.04" || body.Arch != "amd64" {
		t.Errorf("body %s: %v", m.Data, err)
	}
	if m.Header.Get(events.HeaderMsgID) == "" || m.Header.Get(events.HeaderMsgID) != m.Header.Get(events.HeaderID) {
		t.Errorf("headers %v: want Nats-Msg-Id = ce-id", m.Header)
	}
	if got := consumerName("ubuntu-24.04.amd64"); got != "builder-ubuntu-24_04_amd64" {
		t.Errorf("consumerName = %s (durable names take no dots)", got)
	}
	// Every route's subject is in the builder's command stream.
	for _, r := range routes {
		if !strings.HasPrefix(cellSubject(r), strings.TrimSuffix(events.CommandSubjects("builder"), ">")) {
			t.Errorf("route %s: subject %s is not in %s", r, cellSubject(r), events.CommandSubjects("builder"))
		}
	}
}

func TestRunFacts(t *testing.T) {
	facts := runFacts(7)
	if len(facts) != factsPerRun {
		t.Fatalf("%d facts, factsPerRun is %d", len(facts), factsPerRun)
	}
	for _, f := range facts {
		spec, err := events.Of(f)
		if err != nil || spec.Kind != events.Fact {
			t.Fatalf("%T: %v (kind %v): want a fact of the catalog", f, err, spec.Kind)
		}
	}
	// replay() expects exactly one build.finished per run.
	n := 0
	for _, f := range facts {
		if _, ok := f.(*events.BuildFinished); ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d build.finished facts, want 1", n)
	}
	m, err := byRunMsg(facts[0], "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "ringmaster.byrun.run-1.source.fetched" || m.Header.Get(events.HeaderRunID) != "run-1" {
		t.Errorf("by-run message %s %v", m.Subject, m.Header)
	}
}

func TestKVValuesDecode(t *testing.T) {
	for _, b := range kvBuckets() {
		if err := b.decode(b.value(3)); err != nil {
			t.Errorf("%s: the value written does not decode: %v", b.name, err)
		}
		if b.key(3) == b.key(4) || b.key(3) != b.key(3+builders) {
			t.Errorf("%s: keys should cycle over %d writers", b.name, builders)
		}
	}
}
