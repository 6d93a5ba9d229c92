package provisioner

import (
	"reflect"
	"testing"

	"ringmaster.dev/kit/repository"
)

func TestUnpublished(t *testing.T) {
	pkgs := []repository.Package{
		{Name: "zookeeper", Version: "3.8.0-1+deb12"},
		{Name: "zookeeper", Version: "3.8.0-2+deb12"},
		{Name: "zookeeper", Version: "3.8.1-1+deb12"},
		{Name: "redis", Version: "7.0.15-2+deb12"},
	}
	for _, tc := range []struct {
		name string
		want map[string]string
		out  []string
	}{
		{"all there", map[string]string{"zookeeper": "3.8.0", "redis": "7.0.15"}, nil},
		{"another release series", map[string]string{"zookeeper": "3.8.1"}, nil},
		{"a prefix is not a version", map[string]string{"zookeeper": "3.8"}, []string{"zookeeper 3.8 (published: 3.8.0-1+deb12, 3.8.0-2+deb12, 3.8.1-1+deb12)"}},
		{"missing version", map[string]string{"redis": "7.2.4"}, []string{"redis 7.2.4 (published: 7.0.15-2+deb12)"}},
		{"missing package", map[string]string{"kafka": "3.6.0", "redis": "7.0.15"}, []string{"kafka 3.6.0 (published: none)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := unpublished(pkgs, tc.want); !reflect.DeepEqual(got, tc.out) {
				t.Fatalf("unpublished = %q, want %q", got, tc.out)
			}
		})
	}
}
