package load

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"ringmaster.dev/kit/cluster"
)

func TestBadInputWritesNothing(t *testing.T) {
	c := cluster.Cluster{Spec: cluster.Spec{Name: "x"}, Nodes: []cluster.Node{{Name: "node1", State: "running", IP: "192.0.2.1", Roles: []string{"zookeeper"}}}}
	for name, setup := range map[string]func(dir string){
		"unknown component": func(d string) { mustWrite(t, filepath.Join(d, "kafka", "t"), "x") },
		"not running here":  func(d string) { mustWrite(t, filepath.Join(d, "redis", "k"), "v") },
		"file at top":       func(d string) { mustWrite(t, filepath.Join(d, "README"), "x") },
		"empty component":   func(d string) { _ = os.MkdirAll(filepath.Join(d, "zookeeper"), 0o755) },
		"znode too big":     func(d string) { mustWrite(t, filepath.Join(d, "zookeeper", "big"), string(make([]byte, maxZnode+1))) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			setup(dir)
			// 192.0.2.1 is unroutable: reaching it would hang, so an
			// immediate ErrInput proves nothing was attempted.
			if _, err := Dir(context.Background(), c, dir); !errors.Is(err, ErrInput) {
				t.Fatalf("err = %v, want ErrInput", err)
			}
		})
	}
}

func mustWrite(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
