package matrix

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ringmaster.dev/kit/stack"
)

func TestPlanFixture(t *testing.T) {
	s, err := stack.Load("../../../infra/stacks/fixture/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		components []string
		distros    []string
		want       []string
		err        string
	}{
		{name: "all", want: []string{"ringhello-lib/debian-12", "ringhello-lib/debian-11", "ringhello/debian-12", "ringhello/debian-11"}},
		{name: "one distro", distros: []string{"debian-12"}, want: []string{"ringhello-lib/debian-12", "ringhello/debian-12"}},
		{name: "a component brings its build deps", components: []string{"ringhello"}, distros: []string{"debian-11"}, want: []string{"ringhello-lib/debian-11", "ringhello/debian-11"}},
		{name: "just the lib", components: []string{"ringhello-lib"}, distros: []string{"debian-11"}, want: []string{"ringhello-lib/debian-11"}},
		{name: "unknown component", components: []string{"nope"}, err: `no component "nope"`},
		{name: "unknown distro", distros: []string{"plan9-4"}, err: `not built for "plan9-4"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cells, err := Plan(s, tc.components, tc.distros)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrPlan) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cells {
				got = append(got, c.Name())
			}
			if strings.Join(got, " ") != strings.Join(filterDistros(tc.want, s.Distros), " ") {
				t.Fatalf("plan = %v, want %v", got, tc.want)
			}
		})
	}
}

// filterDistros keeps the wanted cells of distros the fixture declares, in plan order.
func filterDistros(want, distros []string) []string {
	var out []string
	for _, w := range want {
		for _, d := range distros {
			if strings.HasSuffix(w, "/"+d) {
				out = append(out, w)
			}
		}
	}
	return out
}

func TestRunOrderParallelismAndSkips(t *testing.T) {
	cells := []Cell{
		{Component: "lib", Distro: "d1"}, {Component: "lib", Distro: "d2"},
		{Component: "app", Distro: "d1", Deps: []string{"lib"}}, {Component: "app", Distro: "d2", Deps: []string{"lib"}},
		{Component: "tool", Distro: "d1", Deps: []string{"app"}}, {Component: "tool", Distro: "d2", Deps: []string{"app"}},
		{Component: "solo", Distro: "d1"}, {Component: "solo", Distro: "d2"},
	}
	var mu sync.Mutex
	finished := map[string]bool{}
	var running, peak atomic.Int32
	run := func(_ context.Context, c Cell) (bool, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		mu.Lock()
		for _, d := range c.Deps {
			if !finished[d+"/"+c.Distro] {
				t.Errorf("%s started before its dependency %s", c.Name(), d)
			}
		}
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		finished[c.Name()] = true
		mu.Unlock()
		if c.Name() == "lib/d2" {
			return false, errors.New("compile error")
		}
		return c.Component == "solo", nil
	}
	var changes []Outcome
	out := Run(context.Background(), cells, 2, run, func(o Outcome) { changes = append(changes, o) })
	want := map[string]State{"lib/d1": OK, "lib/d2": Failed, "app/d1": OK, "app/d2": Skipped, "tool/d1": OK, "tool/d2": Skipped, "solo/d1": OK, "solo/d2": OK}
	for _, o := range out {
		if o.State != want[o.Cell.Name()] {
			t.Errorf("%s: %s (%s), want %s", o.Cell.Name(), o.State, o.Reason, want[o.Cell.Name()])
		}
	}
	if r := out[5].Reason; r != "dependency app/d2 skipped" {
		t.Errorf("tool/d2 reason %q", r)
	}
	if r := out[3].Reason; r != "dependency lib/d2 failed" {
		t.Errorf("app/d2 reason %q", r)
	}
	if !out[6].Cached || out[2].Cached {
		t.Error("cached flags wrong")
	}
	if peak.Load() != 2 {
		t.Errorf("peak parallelism %d, want 2", peak.Load())
	}
	if len(changes) < len(cells)*2 {
		t.Errorf("only %d state changes reported", len(changes))
	}
}

func TestRunCancelledSkipsTheRest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cells := []Cell{{Component: "a", Distro: "d"}, {Component: "b", Distro: "d", Deps: []string{"a"}}, {Component: "c", Distro: "d"}}
	out := Run(ctx, cells, 1, func(ctx context.Context, c Cell) (bool, error) {
		cancel()
		return false, nil
	}, nil)
	if out[0].State != OK || out[1].State != Skipped || out[2].State != Skipped {
		t.Fatalf("outcomes %+v", out)
	}
}

func TestPlanHonoursComponentDistros(t *testing.T) {
	yaml := `name: two
distros: [debian-12, debian-11]
components:
  - name: everywhere
    version: "1.0"
    summary: s
    license: MIT
    maintainer: T <t@example.org>
    sources: [{dir: src}]
    build: {image: toolchain, commands: ["true"]}
    install: [{src: a, dst: /usr/share/a/a}]
  - name: only12
    distros: [debian-12]
    version: "1.0"
    summary: s
    license: MIT
    maintainer: T <t@example.org>
    sources: [{dir: src}]
    build: {image: toolchain, commands: ["true"]}
    install: [{src: a, dst: /usr/share/b/a}]
`
	s, err := stack.Parse("two.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := Plan(s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cells {
		got = append(got, c.Name())
	}
	if strings.Join(got, " ") != "everywhere/debian-12 everywhere/debian-11 only12/debian-12" {
		t.Fatalf("plan %v", got)
	}
	bad := strings.Replace(yaml, "distros: [debian-12]\n    version", "distros: [debian-10]\n    version", 1)
	if _, err := stack.Parse("two.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "components[1].distros[0]") {
		t.Fatalf("a distro outside the stack's: %v", err)
	}
}
