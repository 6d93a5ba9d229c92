package realm

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"ringmaster.dev/kerberos-realm/krb"
	"ringmaster.dev/kit/cluster"
)

// Which failures are permanent (the command is not retried): bad input,
// conflicts, a cluster not found, and trust across Docker hosts — however
// wrapped; anything else (Docker, NATS) is retried.
func TestPermanent(t *testing.T) {
	apart := &HostsApartError{A: KDC{Realm: "A", Cluster: "a", Host: "local"}, B: KDC{Realm: "B", Cluster: "b", Host: "rack2"}}
	for name, tc := range map[string]struct {
		err  error
		want bool
	}{
		"trust across hosts":         {apart, true},
		"trust across hosts wrapped": {fmt.Errorf("trust: %w", apart), true},
		"bad realm":                  {fmt.Errorf("%w: realm x", krb.ErrInvalid), true},
		"conflict":                   {fmt.Errorf("%w: realm A", ErrConflict), true},
		"cluster not found":          {fmt.Errorf("cluster %q: %w", "zk", cluster.ErrNotFound), true},
		"docker":                     {errors.New("docker daemon does not answer"), false},
	} {
		if got := permanent(tc.err); got != tc.want {
			t.Errorf("%s: permanent(%v) = %v, want %v", name, tc.err, got, tc.want)
		}
	}
	msg := apart.Error()
	for _, want := range []string{"realms A and B", "clusters a and b are on docker hosts local and rack2", "cross-realm trust needs them on one host"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
}
