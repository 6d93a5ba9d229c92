package matrix

import (
	"strings"
	"testing"
)

func cellNames(cells []Cell) string {
	var out []string
	for _, c := range cells {
		out = append(out, c.Name())
	}
	return strings.Join(out, " ")
}

func TestBoard(t *testing.T) {
	plan := []Cell{
		{Component: "lib", Distro: "d1"}, {Component: "lib", Distro: "d2"},
		{Component: "app", Distro: "d1", Deps: []string{"lib"}}, {Component: "app", Distro: "d2", Deps: []string{"lib"}},
		{Component: "tool", Distro: "d1", Deps: []string{"app"}}, {Component: "tool", Distro: "d2", Deps: []string{"app"}},
		{Component: "solo", Distro: "d1", Deps: []string{"elsewhere"}},
	}
	type event struct {
		cell    string
		ok      bool
		skipped bool
	}
	for _, tc := range []struct {
		name        string
		events      []event
		wantReady   string // what Next releases after the events
		wantSkipped string
		wantChanged []bool
		done        bool
	}{
		{name: "roots and cells whose deps are outside the plan first", wantReady: "lib/d1 lib/d2 solo/d1"},
		{name: "a built library releases its dependents on that distro only",
			events: []event{{cell: "lib/d1", ok: true}}, wantChanged: []bool{true}, wantReady: "lib/d2 app/d1 solo/d1"},
		{name: "a failure skips the dependents, transitively",
			events: []event{{cell: "lib/d2"}}, wantChanged: []bool{true}, wantReady: "lib/d1 solo/d1", wantSkipped: "app/d2 tool/d2"},
		{name: "a fact seen twice, or a skip replayed, changes nothing",
			events:      []event{{cell: "lib/d1", ok: true}, {cell: "lib/d1", ok: true}, {cell: "lib/d1"}, {cell: "nope/d1", ok: true}},
			wantChanged: []bool{true, false, false, false}, wantReady: "lib/d2 app/d1 solo/d1"},
		{name: "everything ended",
			events: []event{{cell: "lib/d1", ok: true}, {cell: "lib/d2", ok: true}, {cell: "app/d1", ok: true}, {cell: "app/d2", ok: true},
				{cell: "tool/d1", ok: true}, {cell: "tool/d2"}, {cell: "solo/d1", ok: true}},
			wantChanged: []bool{true, true, true, true, true, true, true}, done: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBoard(plan)
			for i, e := range tc.events {
				var changed bool
				if e.ok {
					changed = b.Succeeded(e.cell, false, 0)
				} else {
					changed = b.Failed(e.cell, "boom", e.skipped, 0)
				}
				if changed != tc.wantChanged[i] {
					t.Errorf("event %d (%s) changed = %v", i, e.cell, changed)
				}
			}
			ready, skipped := b.Next()
			var sk []Cell
			for _, o := range skipped {
				sk = append(sk, o.Cell)
				if !strings.HasPrefix(o.Reason, "dependency ") {
					t.Errorf("skip reason %q", o.Reason)
				}
			}
			if cellNames(ready) != tc.wantReady || cellNames(sk) != tc.wantSkipped {
				t.Errorf("ready %q skipped %q, want %q and %q", cellNames(ready), cellNames(sk), tc.wantReady, tc.wantSkipped)
			}
			if again, _ := b.Next(); len(again) != 0 {
				t.Errorf("released twice: %s", cellNames(again))
			}
			if b.Done() != tc.done {
				t.Errorf("done = %v", b.Done())
			}
		})
	}
}
