package stack

import (
	"fmt"
	"strings"
)

// Order is the stack's components in build order: each after its
// build_depends, otherwise in declaration order.
func (s *Stack) Order() ([]*Component, error) {
	if cyc := findCycle(s.Components); cyc != nil {
		return nil, fmt.Errorf("%w: %s", ErrCycle, strings.Join(cyc.names, " -> "))
	}
	byName := index(s.Components)
	done := map[string]bool{}
	out := make([]*Component, 0, len(s.Components))
	var visit func(c *Component) error
	visit = func(c *Component) error {
		if done[c.Name] {
			return nil
		}
		done[c.Name] = true
		for _, dep := range c.Build.BuildDepends {
			d, ok := byName[dep]
			if !ok {
				return fmt.Errorf("%w: component %q: build_depends names unknown component %q", ErrInvalid, c.Name, dep)
			}
			if err := visit(d); err != nil {
				return err
			}
		}
		out = append(out, c)
		return nil
	}
	for _, c := range s.Components {
		if err := visit(c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func index(comps []*Component) map[string]*Component {
	m := make(map[string]*Component, len(comps))
	for _, c := range comps {
		if c != nil {
			if _, dup := m[c.Name]; !dup {
				m[c.Name] = c
			}
		}
	}
	return m
}

// cycle is a build_depends cycle: names runs a -> b -> a; path is the field
// path of the build_depends entry that closes it.
type cycle struct {
	names []string
	path  string
}

// findCycle finds the first cycle in declaration order, or nil.
func findCycle(comps []*Component) *cycle {
	pos := map[string]int{}
	for i, c := range comps {
		if c != nil {
			if _, dup := pos[c.Name]; !dup {
				pos[c.Name] = i
			}
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var found *cycle
	var visit func(name string)
	visit = func(name string) {
		color[name] = grey
		stack = append(stack, name)
		c := comps[pos[name]]
		for j, dep := range c.Build.BuildDepends {
			if found != nil {
				return
			}
			if _, ok := pos[dep]; !ok {
				continue
			}
			switch color[dep] {
			case grey:
				start := 0
				for k, n := range stack {
					if n == dep {
						start = k
					}
				}
				names := append(append([]string{}, stack[start:]...), dep)
				found = &cycle{names: names, path: fmt.Sprintf("components[%d].build.build_depends[%d]", pos[name], j)}
				return
			case white:
				visit(dep)
			}
		}
		stack = stack[:len(stack)-1]
		color[name] = black
	}
	for _, c := range comps {
		if c != nil && color[c.Name] == white && found == nil {
			visit(c.Name)
		}
	}
	return found
}
