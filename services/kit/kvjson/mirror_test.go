package kvjson

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/kit/bus/bustest"
)

type rec struct {
	N int `json:"n"`
}

// TestMirror: what was stored before the watch is in when Watch returns;
// later puts, deletes and purges arrive; a value that does not decode takes
// its key out; every change counts in the generation.
func TestMirror(t *testing.T) {
	ctx := context.Background()
	conn := bustest.Embedded(t)
	kv, err := conn.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "mirror_test"})
	if err != nil {
		t.Fatal(err)
	}
	put := func(k, v string) {
		t.Helper()
		if _, err := kv.PutString(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	put("a", `{"n":1}`)
	put("b", `{"n":2}`)
	m, err := Watch[rec](ctx, kv, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := m.Get("a"); !ok || v.N != 1 {
		t.Fatalf("a = %v, %v after Watch", v, ok)
	}
	if vals, _ := m.Values(); len(vals) != 2 {
		t.Fatalf("values %v", vals)
	}
	g := m.Generation()
	changed := m.Changed()
	select {
	case <-changed:
		t.Fatal("Changed is closed before any change")
	default:
	}
	put("a", `{"n":10}`)
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("Changed was not closed by a put")
	}
	if v, ok := m.Get("a"); !ok || v.N != 10 {
		t.Fatalf("a = %v, %v once Changed closed; want the new value", v, ok)
	}
	if m.Changed() == changed {
		t.Fatal("Changed gives the closed channel again")
	}
	put("c", `{"n":3}`)
	put("b", `not json`)
	if err := kv.Delete(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); m.Generation() < g+4; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("generation %d, want %d", m.Generation(), g+4)
		}
	}
	if v, ok := m.Get("a"); !ok || v.N != 10 {
		t.Errorf("a = %v, %v; want the new value", v, ok)
	}
	if _, ok := m.Get("b"); ok {
		t.Error("b, whose value does not decode, is still there")
	}
	if _, ok := m.Get("c"); ok {
		t.Error("c, deleted, is still there")
	}
	n := 0
	m.Range(func(string, rec) bool { n++; return true })
	if n != 1 {
		t.Errorf("range saw %d records, want 1", n)
	}
	// A watch that cannot load in time says so.
	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Watch[rec](ctx2, kv, time.Second); err == nil {
		t.Error("a watch with its context ended started")
	}
}
