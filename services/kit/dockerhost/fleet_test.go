package dockerhost

import (
	"context"
	"errors"
	"testing"
)

// Without a registry (no NATS given) the Fleet is the local Docker alone,
// and a closed Fleet dials nothing.
func TestFleetWithoutRegistry(t *testing.T) {
	ctx := context.Background()
	for name, f := range map[string]*Fleet{"no JS": NewFleet(nil), "lenient, no JS": {Lenient: true}} {
		hosts, err := f.Hosts(ctx)
		if err != nil || len(hosts) != 1 || hosts[0].Record.Name != Default || hosts[0].Record.Endpoint != "" || hosts[0].Registered {
			t.Errorf("%s: hosts %+v, %v; want the local Docker alone", name, hosts, err)
		}
	}
	f := NewFleet(nil)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	hosts, _ := f.Hosts(ctx)
	if _, err := hosts[0].Provider(ctx); !errors.Is(err, ErrClosed) || hosts[0].Docker() != nil {
		t.Errorf("provider of a closed fleet: %v, want ErrClosed", err)
	}
}
