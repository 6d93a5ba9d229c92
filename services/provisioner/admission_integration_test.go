//go:build integration

package provisioner

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus/bustest"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/image"
)

// TestAdmissionAcrossProvisioners: two provisioners with their own state —
// as two processes on one Docker host — admit clusters at the same moment
// that fit the machine one at a time but not together. Taking turns through
// the lease and seeing each other's network, exactly one is allowed each
// round and the other is refused by memory-available.
func TestAdmissionAcrossProvisioners(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dc, err := image.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn := bustest.Embedded(t)
	docker := cluster.New(dc)
	var ps [2]*Provisioner
	for i := range ps {
		lock, err := OpenLeaseLock(ctx, conn.JS)
		if err != nil {
			t.Fatal(err)
		}
		lock.Owner = fmt.Sprintf("provisioner-%d", i)
		ps[i] = testProvisioner(t)
		ps[i].Docker, ps[i].Lock, ps[i].MachineMB = docker, lock, 3000
	}
	prefix := fmt.Sprintf("adm%d", os.Getpid())
	destroy := func(name string) {
		if err := docker.Destroy(context.WithoutCancel(ctx), name); err != nil && !strings.Contains(err.Error(), "not found") {
			t.Errorf("destroy %s: %v", name, err)
		}
	}
	for round := range 5 {
		var (
			wg       sync.WaitGroup
			allowed  []string
			refusals []string
			mu       sync.Mutex
			start    = make(chan struct{})
		)
		for i, p := range ps {
			name := fmt.Sprintf("%s-%d-%d", prefix, round, i)
			t.Cleanup(func() { destroy(name) })
			pl, err := p.Plan(ctx, events.ClusterCreateRequested{Name: name, Stack: "demo", Nodes: 1,
				Roles: map[string]int{"redis": 1}, MemoryMB: 2000}, "run-"+name)
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				adm, err := p.admit(ctx, pl, false)
				if err != nil {
					t.Errorf("admit %s: %v", name, err)
					return
				}
				defer adm.release()
				dec, c := adm.dec, adm.c
				mu.Lock()
				defer mu.Unlock()
				if !dec.Allow {
					for _, r := range dec.Deny {
						refusals = append(refusals, r.Rule+": "+r.Message)
					}
					return
				}
				if c.Spec.Name != name || c.NetworkID == "" {
					t.Errorf("admitted %s without its network: %+v", name, c)
				}
				allowed = append(allowed, name)
			}()
		}
		close(start)
		wg.Wait()
		if len(allowed) != 1 || len(refusals) != 1 || !strings.HasPrefix(refusals[0], "memory-available: ") ||
			!strings.Contains(refusals[0], "running clusters hold 2000 MB") {
			t.Fatalf("round %d: allowed %v, refused for %q; want one of each, refused by memory-available", round, allowed, refusals)
		}
		destroy(allowed[0])
	}
}
