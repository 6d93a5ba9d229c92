//go:build integration

package blob

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestListPage: pages of one prefix asked for from keys the caller knows
// (start-after) — what the claim check lists side by side — hold the keys
// after that one in order, say whether more follow, and together are the
// whole listing; nested keys are in them, other prefixes are not.
func TestListPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		s := e.open(t, "pages")
		ctx := t.Context()
		var want []string
		for i := range 7 {
			k := fmt.Sprintf("pool/p%d/pkg%d.deb", i, i)
			want = append(want, k)
			if _, err := s.Put(ctx, k, strings.NewReader(k), int64(len(k)), PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Put(ctx, "poolside/x", strings.NewReader("x"), 1, PutOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			after string
			max   int
			keys  []string
			more  bool
		}{
			{"", 3, want[:3], true},
			{want[2], 3, want[3:6], true},
			{want[5], 3, want[6:], false},
			{"", 1000, want, false},
			{want[3][:len("pool/p3")], 2, want[3:5], true}, // after a prefix of a key: that key is in
			{want[6], 5, nil, false},
		} {
			page, more, err := s.ListPage(ctx, "pool/", tc.after, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, i := range page {
				keys = append(keys, i.Key)
				if i.Size != int64(len(i.Key)) || i.ETag == "" {
					t.Errorf("%s: %+v", i.Key, i)
				}
			}
			if !slices.Equal(keys, tc.keys) || more != tc.more {
				t.Errorf("after %q, max %d: %v (more %v), want %v (more %v)", tc.after, tc.max, keys, more, tc.keys, tc.more)
			}
		}
		for _, max := range []int{0, 1001} {
			if _, _, err := s.ListPage(ctx, "pool/", "", max); err == nil {
				t.Errorf("max %d accepted", max)
			}
		}
		if _, _, err := s.ListPage(ctx, "/abs", "", 10); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ListPage /abs: %v", err)
		}
	})
}
