//go:build integration

package builder

import (
	"context"
	"sync"
	"testing"

	"ringmaster.dev/kit/bus/bustest"
)

// TestBuildNumbers: the first build key of a version is build 1, the next
// ones 2, 3…; a key keeps its number; other versions and distros count on
// their own; builders numbering at once never share a number.
func TestBuildNumbers(t *testing.T) {
	ctx := context.Background()
	conn := bustest.Embedded(t)
	n, err := OpenNumbers(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	of := func(comp, distro, version, key string) int {
		t.Helper()
		num, err := n.Of(ctx, comp, distro, version, key)
		if err != nil {
			t.Fatal(err)
		}
		return num
	}
	for _, tc := range []struct {
		comp, distro, version, key string
		want                       int
	}{
		{"ringhello", "debian-12", "1.0.0-1", "k1", 1},
		{"ringhello", "debian-12", "1.0.0-1", "k1", 1},
		{"ringhello", "debian-12", "1.0.0-1", "k2", 2},
		{"ringhello", "debian-12", "1.0.0-1", "k1", 1},
		{"ringhello", "debian-11", "1.0.0-1", "k3", 1},
		{"ringhello", "debian-12", "1.0.1-1", "k4", 1},
		{"ringhello", "debian-12", "1.0.0-1", "k5", 3},
	} {
		if got := of(tc.comp, tc.distro, tc.version, tc.key); got != tc.want {
			t.Errorf("%s %s %s key %s: build %d, want %d", tc.comp, tc.distro, tc.version, tc.key, got, tc.want)
		}
	}
	// Eight builders, eight new keys at once: eight different numbers.
	var mu sync.Mutex
	seen := map[int]string{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := string(rune('a' + i))
			num, err := n.Of(ctx, "racer", "debian-12", "1-1", key)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Error(err)
			} else if other, dup := seen[num]; dup {
				t.Errorf("keys %s and %s both got build %d", key, other, num)
			}
			seen[num] = key
		}()
	}
	wg.Wait()
}
