package stack

import (
	"errors"
	"testing"
)

func comps(deps map[string][]string, names ...string) *Stack {
	s := &Stack{}
	for _, n := range names {
		s.Components = append(s.Components, &Component{Name: n, Build: Build{BuildDepends: deps[n]}})
	}
	return s
}

func names(cs []*Component) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func TestOrder(t *testing.T) {
	s := comps(map[string][]string{"app": {"lib", "util"}, "lib": {"base"}, "util": {"base"}}, "app", "util", "lib", "base", "solo")
	got, err := s.Order()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"base", "lib", "util", "app", "solo"}
	if g := names(got); !equal(g, want) {
		t.Errorf("order = %v, want %v", g, want)
	}
}

func TestOrderCycle(t *testing.T) {
	s := comps(map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}}, "x", "a", "b", "c")
	_, err := s.Order()
	if !errors.Is(err, ErrCycle) || err.Error() != "build_depends cycle: a -> b -> c -> a" {
		t.Fatalf("err = %v", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFixtureStack(t *testing.T) {
	s, err := Load("../../../infra/stacks/fixture/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	order, err := s.Order()
	if err != nil {
		t.Fatal(err)
	}
	if g := names(order); !equal(g, []string{"ringhello-lib", "ringhello"}) {
		t.Errorf("order = %v", g)
	}
	d := s.Components[1].Relations.Depends[0]
	if d.Deb() != "ringhello-lib (>= 1.0.0)" || d.RPM() != "ringhello-lib >= 1.0.0" {
		t.Errorf("relation renders %q / %q", d.Deb(), d.RPM())
	}
}

func TestRelationRender(t *testing.T) {
	for _, tc := range []struct {
		r        Relation
		deb, rpm string
	}{
		{Relation{Name: "libfoo", Op: ">=", Version: "1.0"}, "libfoo (>= 1.0)", "libfoo >= 1.0"},
		{Relation{Name: "libfoo", Op: "<", Version: "2"}, "libfoo (<< 2)", "libfoo < 2"},
		{Relation{Name: "libfoo", Op: ">", Version: "2"}, "libfoo (>> 2)", "libfoo > 2"},
		{Relation{Name: "libfoo", Op: "=", Version: "2-1"}, "libfoo (= 2-1)", "libfoo = 2-1"},
		{Relation{Name: "libfoo"}, "libfoo", "libfoo"},
	} {
		if tc.r.Deb() != tc.deb || tc.r.RPM() != tc.rpm {
			t.Errorf("%+v renders %q / %q, want %q / %q", tc.r, tc.r.Deb(), tc.r.RPM(), tc.deb, tc.rpm)
		}
	}
}
