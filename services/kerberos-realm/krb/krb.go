// Package krb is the pure part of the kerberos-realm service: realm names,
// the trust graph and the MIT configuration files rendered from it
// (krb5.conf with [realms], [domain_realm] and [capaths]; kdc.conf).
package krb

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	clusterpkg "ringmaster.dev/kit/cluster"
)

// ErrInvalid is a realm name or trust request that can never work.
var ErrInvalid = errors.New("invalid")

// Enctypes are the only encryption types realms, keytabs and trusts use.
var Enctypes = []string{"aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96"}

// KeySalts is Enctypes as kadmin's -e argument.
func KeySalts() string {
	out := make([]string, len(Enctypes))
	for i, e := range Enctypes {
		out[i] = e + ":normal"
	}
	return strings.Join(out, ",")
}

var realmRE = regexp.MustCompile(`^[A-Z][A-Z0-9-]*(\.[A-Z0-9][A-Z0-9-]*)*$`)

// ValidateRealm checks an uppercase DNS-like realm name (EXAMPLE.COM, OLD-PROD).
func ValidateRealm(r string) error {
	if len(r) > 64 || !realmRE.MatchString(r) || strings.HasSuffix(r, "-") {
		return fmt.Errorf("%w: realm %q: want an uppercase DNS-like name such as OLD-PROD.EXAMPLE (letters, digits, dashes and dots, starting with a letter)", ErrInvalid, r)
	}
	return nil
}

// Realm is one realm and the cluster it serves.
type Realm struct {
	Name    string
	Cluster string
}

// Domain is the DNS domain of a cluster's nodes: node1.<cluster>.ring.
func Domain(cluster string) string { return clusterpkg.Domain(cluster) }

// KDCHost is the name under which a realm's KDC is reached on every network
// it is connected to.
func KDCHost(cluster string) string { return "kdc." + Domain(cluster) }

// Pair is a two-way trust between two realms (A < B).
type Pair struct{ A, B string }

// NewPair orders the realms.
func NewPair(a, b string) Pair {
	if b < a {
		a, b = b, a
	}
	return Pair{a, b}
}

// Topology expands a trust request into pairs: every pair (mesh) or
// neighbours in the given order (chain).
func Topology(realms []string, topology string) ([]Pair, error) {
	if len(realms) < 2 {
		return nil, fmt.Errorf("%w: a trust needs at least two realms", ErrInvalid)
	}
	seen := map[string]bool{}
	for _, r := range realms {
		if err := ValidateRealm(r); err != nil {
			return nil, err
		}
		if seen[r] {
			return nil, fmt.Errorf("%w: realm %s is named twice: a realm cannot trust itself", ErrInvalid, r)
		}
		seen[r] = true
	}
	var out []Pair
	switch topology {
	case "", "mesh":
		for i := range realms {
			for j := i + 1; j < len(realms); j++ {
				out = append(out, NewPair(realms[i], realms[j]))
			}
		}
	case "chain":
		for i := 0; i+1 < len(realms); i++ {
			out = append(out, NewPair(realms[i], realms[i+1]))
		}
	default:
		return nil, fmt.Errorf("%w: topology %q: want mesh or chain", ErrInvalid, topology)
	}
	return out, nil
}

// Graph is the trust between realms: who trusts whom directly.
type Graph map[string]map[string]bool

// Add records a two-way trust.
func (g Graph) Add(p Pair) {
	for _, e := range [][2]string{{p.A, p.B}, {p.B, p.A}} {
		if g[e[0]] == nil {
			g[e[0]] = map[string]bool{}
		}
		g[e[0]][e[1]] = true
	}
}

// Path returns the realms between from and to on a shortest trust path
// (empty for a direct trust), and false when to cannot be reached.
func (g Graph) Path(from, to string) ([]string, bool) {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			break
		}
		for _, n := range slices.Sorted(maps.Keys(g[cur])) {
			if _, ok := prev[n]; !ok {
				prev[n] = cur
				queue = append(queue, n)
			}
		}
	}
	if _, ok := prev[to]; !ok || from == to {
		return nil, false
	}
	var path []string
	for cur := prev[to]; cur != from; cur = prev[cur] {
		path = append([]string{cur}, path...)
	}
	return path, true
}

// Component is every realm reachable from r, r included, sorted.
func (g Graph) Component(r string) []string {
	out := []string{r}
	for _, o := range slices.Sorted(maps.Keys(g)) {
		if _, ok := g.Path(r, o); ok {
			out = append(out, o)
		}
	}
	sort.Strings(out)
	return out
}

// Krb5Conf renders /etc/krb5.conf for the nodes (and KDC) of realm local:
// every realm it can reach, their KDCs and domains, and [capaths] with the
// intermediate realms of every multi-hop path, so that in a chain A–B–C–D
// a principal of A reaches D through B and C. realms maps every realm to
// its cluster.
func Krb5Conf(local string, realms map[string]string, g Graph) string {
	var b strings.Builder
	reach := g.Component(local)
	fmt.Fprintf(&b, "# Rendered by Ringmaster's kerberos-realm service; changes are overwritten.\n")
	fmt.Fprintf(&b, "[libdefaults]\n  default_realm = %s\n  dns_lookup_realm = false\n  dns_lookup_kdc = false\n  rdns = false\n  dns_canonicalize_hostname = false\n  udp_preference_limit = 1\n", local)
	fmt.Fprintf(&b, "  permitted_enctypes = %s\n  default_tkt_enctypes = %s\n  default_tgs_enctypes = %s\n",
		strings.Join(Enctypes, " "), strings.Join(Enctypes, " "), strings.Join(Enctypes, " "))
	b.WriteString("\n[realms]\n")
	for _, r := range reach {
		kdc := KDCHost(realms[r])
		fmt.Fprintf(&b, "  %s = {\n    kdc = %s\n    admin_server = %s\n  }\n", r, kdc, kdc)
	}
	b.WriteString("\n[domain_realm]\n")
	for _, r := range reach {
		d := Domain(realms[r])
		fmt.Fprintf(&b, "  .%s = %s\n  %s = %s\n", d, r, d, r)
	}
	b.WriteString("\n[capaths]\n")
	for _, from := range reach {
		var lines []string
		for _, to := range reach {
			if to == from {
				continue
			}
			path, ok := g.Path(from, to)
			if !ok {
				continue
			}
			if len(path) == 0 {
				lines = append(lines, fmt.Sprintf("    %s = .", to))
			}
			for _, via := range path {
				lines = append(lines, fmt.Sprintf("    %s = %s", to, via))
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "  %s = {\n%s\n  }\n", from, strings.Join(lines, "\n"))
		}
	}
	return b.String()
}

// KDCConf renders /etc/krb5kdc/kdc.conf for one realm.
func KDCConf(realm string) string {
	return fmt.Sprintf(`# Rendered by Ringmaster's kerberos-realm service.
[kdcdefaults]
  kdc_ports = 88
  kdc_tcp_ports = 88

[realms]
  %s = {
    database_name = /var/lib/krb5kdc/principal
    key_stash_file = /etc/krb5kdc/stash
    acl_file = /etc/krb5kdc/kadm5.acl
    max_life = 10h 0m 0s
    max_renewable_life = 7d 0h 0m 0s
    master_key_type = %s
    supported_enctypes = %s
  }

[logging]
  kdc = STDERR
`, realm, Enctypes[0], strings.ReplaceAll(KeySalts(), ",", " "))
}
