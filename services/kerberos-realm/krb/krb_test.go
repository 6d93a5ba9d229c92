package krb

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestValidateRealm(t *testing.T) {
	for r, ok := range map[string]bool{"OLD-PROD": true, "EXAMPLE.COM": true, "A": true, "NEW-PROD.RING2": true,
		"old-prod": false, "": false, "1ABC": false, "A..B": false, "A-": false, "A B": false, ".A": false, "A_B": false} {
		if err := ValidateRealm(r); (err == nil) != ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("ValidateRealm(%q) = %v, want ok=%v", r, err, ok)
		}
	}
}

func TestTopology(t *testing.T) {
	mesh, err := Topology([]string{"A", "B", "C", "D"}, "mesh")
	if err != nil || len(mesh) != 6 {
		t.Fatalf("mesh = %v, %v", mesh, err)
	}
	chain, err := Topology([]string{"D", "C", "B", "A"}, "chain")
	if err != nil || !reflect.DeepEqual(chain, []Pair{{"C", "D"}, {"B", "C"}, {"A", "B"}}) {
		t.Fatalf("chain = %v, %v", chain, err)
	}
	for name, tc := range map[string]struct {
		realms []string
		topo   string
		want   string
	}{
		"self":      {[]string{"A", "A"}, "mesh", "cannot trust itself"},
		"one":       {[]string{"A"}, "mesh", "at least two"},
		"lowercase": {[]string{"A", "b"}, "mesh", "uppercase"},
		"bad topo":  {[]string{"A", "B"}, "star", "mesh or chain"},
	} {
		if _, err := Topology(tc.realms, tc.topo); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}

func TestCapathsChain(t *testing.T) {
	g := Graph{}
	pairs, _ := Topology([]string{"A", "B", "C", "D"}, "chain")
	for _, p := range pairs {
		g.Add(p)
	}
	if p, ok := g.Path("A", "D"); !ok || !reflect.DeepEqual(p, []string{"B", "C"}) {
		t.Fatalf("path A→D = %v %v", p, ok)
	}
	if p, ok := g.Path("A", "B"); !ok || len(p) != 0 {
		t.Fatalf("path A→B = %v %v", p, ok)
	}
	realms := map[string]string{"A": "a", "B": "b", "C": "c", "D": "d", "E": "e"}
	conf := Krb5Conf("A", realms, g)
	for _, want := range []string{"default_realm = A", "D = B\n    D = C", "B = .", "kdc = kdc.d.ring", ".c.ring = C", "aes256-cts-hmac-sha1-96"} {
		if !strings.Contains(conf, want) {
			t.Errorf("krb5.conf lacks %q:\n%s", want, conf)
		}
	}
	if strings.Contains(conf, "E =") || strings.Contains(conf, "e.ring") {
		t.Errorf("an unreachable realm is in krb5.conf:\n%s", conf)
	}
	if strings.Contains(conf, "des") || strings.Contains(conf, "rc4") {
		t.Errorf("weak enctypes:\n%s", conf)
	}
	// Untrusted: nothing reachable, no capaths.
	if conf := Krb5Conf("E", realms, g); strings.Contains(conf, "A =") || !strings.Contains(conf, "default_realm = E") {
		t.Errorf("lone realm:\n%s", conf)
	}
}
