// Package matrix plans and runs a stack's build matrix: distro × component
// cells, each waiting for the cells of its build dependencies on the same
// distro, up to N at once; the dependents of a failed cell are skipped.
package matrix

import (
	"errors"
	"fmt"
	"slices"

	"ringmaster.dev/kit/stack"
)

// Cell is one component built for one distro.
type Cell struct {
	Component string
	Distro    string
	// Deps are the components whose cells (same distro) must succeed first.
	Deps []string
}

// Name is "component/distro".
func (c Cell) Name() string { return c.Component + "/" + c.Distro }

// ErrPlan wraps a request the stack cannot satisfy.
var ErrPlan = errors.New("cannot plan the build")

// Plan lays out the cells for the requested components (empty: all) and
// distros (empty: the stack's), in build order. A requested component brings
// its build dependencies along, since it cannot build without them.
func Plan(s *stack.Stack, components, distros []string) ([]Cell, error) {
	order, err := s.Order() // errors with the cycle, e.g. a -> b -> a
	if err != nil {
		return nil, err
	}
	byName := map[string]*stack.Component{}
	for _, c := range order {
		byName[c.Name] = c
	}
	want := map[string]bool{}
	var add func(name string) error
	add = func(name string) error {
		c, ok := byName[name]
		if !ok {
			return fmt.Errorf("%w: stack %s has no component %q (it has %v)", ErrPlan, s.Name, name, names(order))
		}
		if want[name] {
			return nil
		}
		want[name] = true
		for _, d := range c.Build.BuildDepends {
			if err := add(d); err != nil {
				return err
			}
		}
		return nil
	}
	if len(components) == 0 {
		for _, c := range order {
			want[c.Name] = true
		}
	}
	for _, n := range components {
		if err := add(n); err != nil {
			return nil, err
		}
	}
	if len(distros) == 0 {
		distros = s.Distros
	}
	for _, d := range distros {
		if !slices.Contains(s.Distros, d) {
			return nil, fmt.Errorf("%w: stack %s is not built for %q (its distros: %v)", ErrPlan, s.Name, d, s.Distros)
		}
	}
	var cells []Cell
	for _, c := range order {
		if !want[c.Name] {
			continue
		}
		for _, d := range distros {
			if len(c.Distros) > 0 && !slices.Contains(c.Distros, d) {
				continue
			}
			cells = append(cells, Cell{Component: c.Name, Distro: d, Deps: append([]string(nil), c.Build.BuildDepends...)})
		}
	}
	return cells, nil
}

func names(cs []*stack.Component) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}
