package policies

import (
	"context"
	"reflect"
	"sync"
	"testing"
)

func TestCache(t *testing.T) {
	ctx := context.Background()
	c := newChecker(t)
	k := NewCache(c, 50)
	ins := inputs(120)
	want := make([]Decision, len(ins))
	for i, in := range ins {
		d, err := c.Check(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = d
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 3 {
				for i := range ins {
					i := (i + g*31) % len(ins)
					d, err := k.Check(ctx, ins[i])
					if err != nil {
						t.Error(err)
						return
					}
					if !reflect.DeepEqual(d, want[i]) {
						t.Errorf("round %d, input %d: %+v, want %+v", round, i, d, want[i])
						return
					}
					if len(d.Deny) > 0 {
						d.Deny[0].Message = "changed by the caller"
					}
				}
			}
		})
	}
	wg.Wait()
	if n := k.Len(); n != 50 {
		t.Errorf("Len = %d, want 50", n)
	}
}
