package runs

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"ringmaster.dev/kit/bus/bustest"
)

func TestCache(t *testing.T) {
	ctx := context.Background()
	conn := bustest.Embedded(t)
	s, err := Open(ctx, conn.JS)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if err := s.Put(ctx, &Record{ID: fmt.Sprintf("run-%d-0000", i), State: Running, Created: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := c.List(ctx); len(l) != 3 || l[0].ID != "run-2-0000" || l[2].ID != "run-0-0000" {
		t.Fatalf("list %+v, want the three newest first", l)
	}
	if err := s.Put(ctx, &Record{ID: "run-1-0000", State: Success, Created: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, &Record{ID: "run-9-0000", State: Queued, Created: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, _ := c.List(ctx)
		r, _ := c.Get(ctx, "run-1-0000")
		if len(l) == 4 && l[0].ID == "run-9-0000" && r.State == Success {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache did not follow the bucket: %+v, %+v", l, r)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := c.Get(ctx, "run-"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a short id: %v", err)
	}
	if _, err := c.Get(ctx, "run-1-00"); err != nil {
		t.Errorf("a unique prefix: %v", err)
	}
	if _, err := c.Get(ctx, "run-9-000"); err != nil {
		t.Errorf("a unique prefix: %v", err)
	}
}
