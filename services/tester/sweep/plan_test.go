package sweep

import (
	"reflect"
	"strings"
	"testing"

	"ringmaster.dev/kit/repository"
)

func TestUpstream(t *testing.T) {
	for in, want := range map[string]string{
		"3.8.0-2+deb12": "3.8.0", "1:7.0.15-1": "7.0.15", "3.9.1-rc1-1+deb11": "3.9.1-rc1", "2.0": "2.0",
	} {
		if got := Upstream(in); got != want {
			t.Errorf("Upstream(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlan(t *testing.T) {
	published := map[string][]repository.Package{
		"debian-12": {
			{Name: "zookeeper", Version: "3.8.0-1+deb12"}, {Name: "zookeeper", Version: "3.8.0-2+deb12"},
			{Name: "zookeeper", Version: "3.10.1-1+deb12"}, {Name: "zookeeper", Version: "3.9.2-1+deb12"},
			{Name: "redis", Version: "7.0.15-2+deb12"}, {Name: "redis", Version: "7.2.4-1+deb12"},
			{Name: "redis-tools", Version: "7.0.15-2+deb12"}, // redis-tools 7.2.4 missing
			{Name: "other", Version: "1.0-1"},
		},
		"debian-11": {{Name: "redis", Version: "7.0.15-2+deb11"}, {Name: "redis-tools", Version: "7.0.15-2+deb11"}},
	}
	comps := []Component{{Name: "zookeeper", Packages: []string{"zookeeper"}}, {Name: "redis", Packages: []string{"redis", "redis-tools"}}}
	for _, tc := range []struct {
		name    string
		distros []string
		max     int
		want    []string
		notes   []string
	}{
		{"every combination, newest first", []string{"debian-12"}, 0, []string{
			"debian-12: redis 7.0.15, zookeeper 3.10.1", "debian-12: redis 7.0.15, zookeeper 3.9.2", "debian-12: redis 7.0.15, zookeeper 3.8.0",
		}, nil},
		{"a distro without a component", []string{"debian-11", "debian-12"}, 0, []string{
			"debian-12: redis 7.0.15, zookeeper 3.10.1", "debian-12: redis 7.0.15, zookeeper 3.9.2", "debian-12: redis 7.0.15, zookeeper 3.8.0",
		}, []string{"debian-11: no version of zookeeper"}},
		{"capped", []string{"debian-12"}, 2, []string{
			"debian-12: redis 7.0.15, zookeeper 3.10.1", "debian-12: redis 7.0.15, zookeeper 3.9.2",
		}, []string{"1 of 3 combinations left out"}},
		{"an unknown distro", []string{"debian-13"}, 0, nil, []string{"debian-13: no version of redis", "debian-13: no version of zookeeper"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			combos, notes := Plan(published, tc.distros, comps, tc.max)
			var got []string
			for _, c := range combos {
				got = append(got, c.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("combinations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if len(notes) != len(tc.notes) {
				t.Fatalf("notes %q, want %d like %q", notes, len(tc.notes), tc.notes)
			}
			for i, n := range tc.notes {
				if !strings.Contains(notes[i], n) {
					t.Errorf("note %q does not say %q", notes[i], n)
				}
			}
		})
	}
}

func TestProduct(t *testing.T) {
	got := product([][]string{{"a", "b"}, {"1", "2", "3"}})
	want := [][]string{{"a", "1"}, {"a", "2"}, {"a", "3"}, {"b", "1"}, {"b", "2"}, {"b", "3"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("product = %v", got)
	}
	if got := product([][]string{{"a"}, {}}); len(got) != 0 {
		t.Fatalf("product with an empty choice = %v", got)
	}
}
