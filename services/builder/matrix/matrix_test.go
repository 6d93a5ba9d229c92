package matrix

import (
	"errors"
	"strings"
	"testing"

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
