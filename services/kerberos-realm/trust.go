package realm

import (
	"context"
	"fmt"
	"strings"

	errdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"
	"ringmaster.dev/events"
	"ringmaster.dev/kerberos-realm/krb"
	"ringmaster.dev/kit/cluster"
)

// Trust sets up (or, with remove, removes) two-way trust between realms
// in a mesh or a chain: krbtgt/B@A and krbtgt/A@B in both KDCs, each with
// one random password given to both (so both hold the same AES keys). KDCs
// join the networks of every cluster they serve so that clients reach
// them, and krb5.conf with [capaths] is rendered on every node again.
func (s *Service) Trust(ctx context.Context, realms []string, topology string, remove bool) (events.RealmTrusted, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if topology == "" {
		topology = "mesh"
	}
	pairs, err := krb.Topology(realms, topology)
	if err != nil {
		return events.RealmTrusted{}, err
	}
	kdcs, err := s.KDCs(ctx)
	if err != nil {
		return events.RealmTrusted{}, err
	}
	byRealm := map[string]KDC{}
	for _, k := range kdcs {
		byRealm[k.Realm] = k
	}
	var known []string
	for r := range byRealm {
		known = append(known, r)
	}
	for _, r := range realms {
		if _, ok := byRealm[r]; !ok {
			return events.RealmTrusted{}, fmt.Errorf("%w: realm %s: %w (realms: %s; ring realm create makes one)", krb.ErrInvalid, r, cluster.ErrNotFound, strings.Join(known, ", "))
		}
	}
	if !remove {
		for _, p := range pairs {
			if a, b := byRealm[p.A], byRealm[p.B]; a.Host != b.Host {
				return events.RealmTrusted{}, &HostsApartError{A: a, B: b}
			}
		}
	}
	for _, p := range pairs {
		a, b := byRealm[p.A], byRealm[p.B]
		for _, princ := range []string{"krbtgt/" + p.B + "@" + p.A, "krbtgt/" + p.A + "@" + p.B} {
			for _, k := range []KDC{a, b} {
				if _, err := s.kadmin(ctx, k, "delprinc -force "+princ, "", "does not exist"); err != nil {
					return events.RealmTrusted{}, err
				}
			}
			if remove {
				continue
			}
			pw := randomSecret()
			for _, k := range []KDC{a, b} {
				q := fmt.Sprintf("addprinc -e %s %s", krb.KeySalts(), princ)
				if _, err := s.kadmin(ctx, k, q, pw+"\n"+pw+"\n"); err != nil {
					return events.RealmTrusted{}, err
				}
			}
		}
	}
	if err := s.render(ctx); err != nil {
		return events.RealmTrusted{}, err
	}
	s.Log.Info().Strs("realms", realms).Str("topology", topology).Bool("removed", remove).Msg("trust changed")
	return events.RealmTrusted{Realms: realms, Topology: topology, Removed: remove}, nil
}

// HostsApartError refuses trust between realms whose clusters are on
// different Docker hosts: their containers are on different daemons'
// bridge networks, with no route between them, so neither cluster's nodes
// could reach the other's KDC.
type HostsApartError struct{ A, B KDC }

func (e *HostsApartError) Error() string {
	return fmt.Sprintf("realms %s and %s: clusters %s and %s are on docker hosts %s and %s; cross-realm trust needs them on one host (their containers share no network across Docker daemons)",
		e.A.Realm, e.B.Realm, e.A.Cluster, e.B.Cluster, e.A.Host, e.B.Host)
}

// connect puts a KDC on another cluster's network under its
// kdc.<cluster>.ring name (no-op when it is there); both are on the KDC's
// Docker host.
func (s *Service) connect(ctx context.Context, kdc KDC, otherCluster string) error {
	err := kdc.Docker.Client().NetworkConnect(ctx, cluster.NetworkName(otherCluster), kdc.Node.ID,
		&network.EndpointSettings{Aliases: []string{krb.KDCHost(kdc.Cluster)}})
	if err != nil && !errdefs.IsConflict(err) && !strings.Contains(err.Error(), "already exists") {
		return fmt.Errorf("connect KDC of %s to %s: %w", kdc.Realm, cluster.NetworkName(otherCluster), err)
	}
	return nil
}

// Graph reads the trust graph from the KDCs' databases: realm A trusts B
// when A's KDC holds krbtgt/B@A.
func (s *Service) Graph(ctx context.Context) (krb.Graph, map[string]string, []KDC, error) {
	kdcs, err := s.KDCs(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	g := krb.Graph{}
	realms := map[string]string{}
	for _, k := range kdcs {
		realms[k.Realm] = k.Cluster
	}
	for _, k := range kdcs {
		if !k.Node.Running() {
			continue
		}
		princs, err := s.principals(ctx, k)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, p := range princs {
			other, ok := strings.CutPrefix(p, "krbtgt/")
			if !ok {
				continue
			}
			other = strings.TrimSuffix(other, "@"+k.Realm)
			if other != k.Realm && realms[other] != "" {
				g.Add(krb.NewPair(k.Realm, other))
			}
		}
	}
	return g, realms, kdcs, nil
}

// render writes krb5.conf on every node and KDC of every realm, from the
// trust graph as the KDCs hold it, and puts every KDC on the networks of
// all clusters whose realms reach it: a client walks the whole path, so in
// a chain A–B–C–D nodes of A talk to the KDCs of B, C and D.
func (s *Service) render(ctx context.Context) error {
	g, realms, kdcs, err := s.Graph(ctx)
	if err != nil {
		return err
	}
	host := map[string]string{}
	for _, k := range kdcs {
		host[k.Realm] = k.Host
	}
	for _, k := range kdcs {
		for _, r := range g.Component(k.Realm) {
			if r != k.Realm && host[r] != k.Host {
				// Trust made before its clusters were apart (Trust refuses
				// it now): no network to join on this host.
				s.Log.Warn().Str("realm", k.Realm).Str("trusts", r).Str("docker_host", k.Host).Str("other_host", host[r]).
					Msg("realms trust each other across docker hosts: the KDC cannot join the other cluster's network")
				continue
			}
			if r != k.Realm && k.Node.Running() {
				if err := s.connect(ctx, k, realms[r]); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range kdcs {
		conf := []byte(krb.Krb5Conf(k.Realm, realms, g))
		c, err := k.Docker.Get(ctx, k.Cluster)
		if err != nil {
			return err
		}
		targets := append([]cluster.Node{k.Node}, c.Nodes...)
		for _, n := range targets {
			if !n.Running() {
				continue
			}
			// WriteFiles replaces atomically: a running KDC rereads
			// krb5.conf when it changes; half written, it would lose its enctypes.
			if err := k.Docker.WriteFiles(ctx, n, cluster.File{Path: "/etc/krb5.conf", Data: conf, Mode: 0o644}); err != nil {
				return err
			}
		}
	}
	return nil
}
