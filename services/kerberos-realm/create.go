package realm

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"ringmaster.dev/events"
	"ringmaster.dev/kerberos-realm/krb"
	"ringmaster.dev/kit/cluster"
)

// Paths of keytabs on nodes.
const (
	HostKeytab   = "/etc/krb5.keytab"
	TesterKeytab = "/etc/ringmaster/tester.keytab"
	// TestUser is each realm's test user (tester@REALM).
	TestUser = "tester"
)

// ServiceKeytab is where a role's keytab goes on a node.
func ServiceKeytab(component string) string {
	return "/etc/" + component + "/conf/" + component + ".keytab"
}

// kerberized are the components that get a service principal and keytab.
var kerberized = map[string]bool{"zookeeper": true}

// Create starts the cluster's KDC, creates the realm, principals for every
// node and role and a test user, installs keytabs (0400, owned by the
// service user) and krb5.conf on every node. Running it again changes
// nothing but the keys in the keytabs.
func (s *Service) Create(ctx context.Context, realm, clusterName string) (events.RealmReady, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := krb.ValidateRealm(realm); err != nil {
		return events.RealmReady{}, err
	}
	host, c, err := s.Hosts.Locate(ctx, clusterName)
	if err != nil {
		return events.RealmReady{}, err
	}
	p := host.Docker()
	if len(c.Nodes) == 0 || c.NetworkID == "" {
		return events.RealmReady{}, fmt.Errorf("%w: cluster %s has no nodes or network", cluster.ErrInvalid, clusterName)
	}
	kdcs, err := s.KDCs(ctx)
	if err != nil {
		return events.RealmReady{}, err
	}
	for _, k := range kdcs {
		if k.Realm == realm && k.Cluster != clusterName {
			return events.RealmReady{}, fmt.Errorf("%w: realm %s already serves cluster %s", ErrConflict, realm, k.Cluster)
		}
	}
	master, err := s.masterPassword(realm)
	if err != nil {
		return events.RealmReady{}, err
	}
	k, err := s.ensureKDC(ctx, host.Record.Name, p, c, realm)
	if err != nil {
		return events.RealmReady{}, err
	}
	if err := s.initRealm(ctx, k, master); err != nil {
		return events.RealmReady{}, err
	}
	if err := s.waitKDC(ctx, k); err != nil {
		return events.RealmReady{}, fmt.Errorf("KDC of %s does not answer: %w", realm, err)
	}
	if err := s.addPrincipal(ctx, k, TestUser+"@"+realm); err != nil {
		return events.RealmReady{}, err
	}
	tester, err := s.keytab(ctx, k, TestUser+"@"+realm)
	if err != nil {
		return events.RealmReady{}, err
	}
	for _, n := range c.Nodes {
		if err := s.installNode(ctx, p, k, c, n, tester); err != nil {
			return events.RealmReady{}, err
		}
	}
	if err := s.render(ctx); err != nil {
		return events.RealmReady{}, err
	}
	s.Log.Info().Str("realm", realm).Str("cluster", clusterName).Str("docker_host", host.Record.Name).Int("nodes", len(c.Nodes)).Msg("realm ready")
	return events.RealmReady{Realm: realm, Cluster: clusterName, KDC: krb.KDCHost(clusterName)}, nil
}

// installNode creates a node's principals and installs its keytabs (p:
// the node's Docker host).
func (s *Service) installNode(ctx context.Context, p *cluster.Provider, k KDC, c cluster.Cluster, n cluster.Node, tester []byte) error {
	fqdn := cluster.FQDN(c.Spec.Name, n.Name)
	host := "host/" + fqdn + "@" + k.Realm
	if err := s.addPrincipal(ctx, k, host); err != nil {
		return err
	}
	hostKT, err := s.keytab(ctx, k, host)
	if err != nil {
		return err
	}
	if _, err := p.Run(ctx, n, "mkdir", "-p", "/etc/ringmaster"); err != nil {
		return err
	}
	if err := s.installKeytab(ctx, p, n, HostKeytab, hostKT, "root"); err != nil {
		return err
	}
	if err := s.installKeytab(ctx, p, n, TesterKeytab, tester, "root"); err != nil {
		return err
	}
	for _, comp := range n.Roles {
		if !kerberized[comp] {
			continue
		}
		princ := comp + "/" + fqdn + "@" + k.Realm
		if err := s.addPrincipal(ctx, k, princ); err != nil {
			return err
		}
		kt, err := s.keytab(ctx, k, princ)
		if err != nil {
			return err
		}
		// Owned by the service user, readable by it alone.
		if err := s.installKeytab(ctx, p, n, ServiceKeytab(comp), kt, comp); err != nil {
			return err
		}
	}
	return nil
}

// installKeytab puts a keytab in place atomically: written beside its path,
// mode 0400, owned by owner, then renamed — a service never sees it half
// written or with the wrong owner.
func (s *Service) installKeytab(ctx context.Context, p *cluster.Provider, n cluster.Node, path string, kt []byte, owner string) error {
	tmp := path + ".new"
	if err := p.WriteFiles(ctx, n, cluster.File{Path: tmp, Data: kt, Mode: 0o400}); err != nil {
		return err
	}
	if _, err := p.Run(ctx, n, "chown", owner+":"+owner, tmp); err != nil {
		return err
	}
	_, err := p.Run(ctx, n, "mv", "-f", tmp, path)
	return err
}

// masterPassword returns the realm's master password, made once and kept
// in KeyDir/realms/<REALM>.master with mode 0400.
func (s *Service) masterPassword(realm string) (string, error) {
	if s.KeyDir == "" {
		return "", errors.New("no key directory for realm master passwords (RING_KEY_DIR)")
	}
	p := filepath.Join(s.KeyDir, "realms", realm+".master")
	if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
		return string(b), nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	pw := randomSecret()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o400)
	if err != nil {
		return "", fmt.Errorf("realm master password: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(pw); err != nil {
		return "", err
	}
	return pw, f.Sync()
}

// randomSecret is 32 random bytes, URL-safe base64 (no characters a
// password prompt could mangle).
func randomSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
