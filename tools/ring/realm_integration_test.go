//go:build integration

package main_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/kit/cluster"
)

// realms of the seed's scenario: two old and two new clusters.
var realmClusters = map[string]string{"IT-OLD-PROD": "old-prod", "IT-OLD-STAGING": "old-staging", "IT-NEW-PROD": "new-prod", "IT-NEW-STAGING": "new-staging"}

var realmOrder = []string{"IT-OLD-PROD", "IT-OLD-STAGING", "IT-NEW-PROD", "IT-NEW-STAGING"}

// kvno gets a service ticket for host/node1 of realm to from node1 of
// realm from, as from's test user.
func kvno(t *testing.T, home, from, to string) (string, error) {
	t.Helper()
	script := `kdestroy >/dev/null 2>&1; kinit -kt /etc/ringmaster/tester.keytab tester@$1 && kvno host/node1.$2.ring@$3`
	return ringLong(t, home, time.Minute, "cluster", "exec", "it-"+realmClusters[from], "--", "sh", "-c", script, "sh", from, "it-"+realmClusters[to], to)
}

// realmScenario is issue #7's end-to-end test: four clusters, four realms,
// mesh trust (all 12 directed pairs), untrust, a chain whose ends reach each
// other only through [capaths], and no secret in logs, events or container
// configuration.
func realmScenario(t *testing.T, home string, p *cluster.Provider, upOut *syncBuffer) {
	ctx := context.Background()
	events := startTail(t, home)

	start := time.Now()
	// IT-OLD-PROD runs a kerberized ZooKeeper ensemble: the provisioner asks
	// for the realm itself. The others are single small nodes.
	out := mustRing(t, home, 10*time.Minute, "cluster", "create", "it-old-prod", "-n", "3", "--role", "zookeeper=3", "--kerberos", "IT-OLD-PROD")
	if !strings.Contains(out, "realm IT-OLD-PROD: keytabs and krb5.conf on every node") || !strings.Contains(out, "leader") {
		t.Fatalf("kerberized cluster:\n%s", out)
	}
	for _, r := range realmOrder[1:] {
		mustRing(t, home, 5*time.Minute, "cluster", "create", "it-"+realmClusters[r], "-n", "1", "--role", "redis=1", "--memory", "256")
	}
	clustersReady := time.Since(start)
	start = time.Now()
	for _, r := range realmOrder {
		out := mustRing(t, home, 5*time.Minute, "realm", "create", r, "--cluster", "it-"+realmClusters[r])
		if !strings.Contains(out, "realm "+r+" ready") {
			t.Fatalf("realm create %s:\n%s", r, out)
		}
	}
	mustRing(t, home, 5*time.Minute, append([]string{"realm", "trust"}, append(realmOrder, "--topology", "mesh")...)...)
	t.Logf("4 clusters in %s; 4 realms with mesh trust in %s", clustersReady.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	// Bad input: clear errors, nothing changed.
	for _, args := range [][]string{
		{"realm", "create", "old-prod", "--cluster", "it-old-prod"},
		{"realm", "trust", "IT-OLD-PROD", "IT-OLD-PROD"},
		{"realm", "trust", "IT-OLD-PROD", "NOPE"},
	} {
		if out, err := ringLong(t, home, time.Minute, args...); err == nil {
			t.Errorf("ring %s succeeded:\n%s", strings.Join(args, " "), out)
		}
	}

	pairs := 0
	for _, from := range realmOrder {
		for _, to := range realmOrder {
			if from == to {
				continue
			}
			if out, err := kvno(t, home, from, to); err != nil || !strings.Contains(out, "kvno =") {
				t.Errorf("mesh: %s → %s: %v\n%s", from, to, err, out)
			}
			pairs++
		}
	}
	if pairs != 12 {
		t.Fatalf("%d pairs", pairs)
	}
	zkScenario(t, home, p, true)
	list := mustRing(t, home, time.Minute, "realm", "list")
	if !strings.Contains(list, "IT-NEW-PROD,IT-NEW-STAGING,IT-OLD-STAGING") {
		t.Errorf("realm list after mesh trust:\n%s", list)
	}

	mustRing(t, home, 5*time.Minute, append([]string{"realm", "untrust"}, realmOrder...)...)
	zkScenario(t, home, p, false)
	for _, from := range realmOrder {
		for _, to := range realmOrder {
			if from != to {
				if out, err := kvno(t, home, from, to); err == nil {
					t.Errorf("after untrust: %s → %s still works:\n%s", from, to, out)
				}
			}
		}
	}

	// A chain: the ends reach each other through the middle realms, and
	// only because [capaths] says how.
	mustRing(t, home, 5*time.Minute, append([]string{"realm", "trust"}, append(realmOrder, "--topology", "chain")...)...)
	out, err := kvno(t, home, "IT-OLD-PROD", "IT-NEW-STAGING")
	if err != nil || !strings.Contains(out, "kvno =") {
		t.Fatalf("chain: IT-OLD-PROD → IT-NEW-STAGING: %v\n%s", err, out)
	}
	// The service ticket's realm was reached through its neighbour: the
	// last hop's TGT is issued by IT-NEW-PROD, which IT-OLD-PROD does not
	// trust directly — IT-OLD-PROD trusts only IT-OLD-STAGING.
	out = mustRing(t, home, time.Minute, "cluster", "exec", "it-old-prod", "--", "klist")
	if !strings.Contains(out, "krbtgt/IT-NEW-STAGING@IT-NEW-PROD") || strings.Contains(out, "krbtgt/IT-NEW-STAGING@IT-OLD-PROD") {
		t.Errorf("chain tickets:\n%s", out)
	}
	if line := lineWith(mustRing(t, home, time.Minute, "realm", "list"), "IT-OLD-PROD"); !strings.HasSuffix(strings.TrimSpace(line), " IT-OLD-STAGING") {
		t.Errorf("IT-OLD-PROD in a chain trusts more than its neighbour: %s", line)
	}
	// [capaths] is what makes the path: with it removed from the client's
	// and every KDC's krb5.conf the ends no longer reach each other.
	strip := `sed -i '/^\[capaths\]/,$d' /etc/krb5.conf`
	for _, r := range realmOrder {
		c, err := p.Get(ctx, "it-"+realmClusters[r])
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range append(c.Nodes, c.Extra...) {
			if _, err := p.Run(ctx, n, "sh", "-c", strip); err != nil {
				t.Fatal(err)
			}
		}
	}
	if out, err := kvno(t, home, "IT-OLD-PROD", "IT-NEW-STAGING"); err == nil {
		t.Errorf("the chain's ends reached each other without [capaths]:\n%s", out)
	}
	// Trusting again renders [capaths] back.
	mustRing(t, home, 5*time.Minute, append([]string{"realm", "trust"}, append(realmOrder, "--topology", "chain")...)...)
	if out, err := kvno(t, home, "IT-OLD-PROD", "IT-NEW-STAGING"); err != nil {
		t.Errorf("chain after trusting again: %v\n%s", err, out)
	}

	// Secrets: master passwords 0400 in the key directory, keytabs 0400 on
	// nodes; none of them in logs, events or container configuration.
	var secrets []string
	masters, _ := filepath.Glob(filepath.Join(home, "keys", "realms", "*.master"))
	if len(masters) != 4 {
		t.Fatalf("master password files: %v", masters)
	}
	for _, m := range masters {
		st, err := os.Stat(m)
		if err != nil || st.Mode().Perm() != 0o400 {
			t.Errorf("%s: %v %v", m, st.Mode(), err)
		}
		b, _ := os.ReadFile(m)
		secrets = append(secrets, string(b))
	}
	for _, r := range realmOrder {
		c, err := p.Get(ctx, "it-"+realmClusters[r])
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/etc/krb5.keytab", "/etc/ringmaster/tester.keytab"} {
			out := mustRing(t, home, time.Minute, "cluster", "exec", c.Spec.Name, "--", "stat", "-c", "%a %U", path)
			if strings.TrimSpace(out) != "400 root" {
				t.Errorf("%s:%s is %q, want 400 root", c.Spec.Name, path, out)
			}
			kt, err := p.ReadFile(ctx, c.Nodes[0], path)
			if err != nil {
				t.Fatal(err)
			}
			// The key material: everything after the keytab header.
			secrets = append(secrets, base64.StdEncoding.EncodeToString(kt), hex.EncodeToString(kt[len(kt)-32:]), string(kt[len(kt)-32:]))
		}
	}
	var inspect bytes.Buffer
	all, _ := p.List(ctx)
	for _, c := range all {
		for _, n := range append(c.Nodes, c.Extra...) {
			in, err := p.Client().ContainerInspect(ctx, n.ID)
			if err == nil {
				b, _ := json.Marshal(in.Config)
				inspect.Write(b)
			}
		}
	}
	time.Sleep(300 * time.Millisecond) // the tail catches up
	for _, s := range secrets {
		for where, text := range map[string]string{"ring up's log": upOut.String(), "events": events.String(), "docker inspect": inspect.String()} {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("a secret (%d bytes) appears in %s", len(s), where)
			}
		}
	}
	if !strings.Contains(events.String(), "ringmaster.realm.trusted.v1") {
		t.Errorf("the events tail saw no realm facts: the secret check would prove nothing")
	}
}

const zkCli = "/usr/lib/zookeeper/bin/zkCli.sh -server node1.it-old-prod.ring:2181"

// zkScenario: an ACL-protected znode in IT-OLD-PROD's kerberized ZooKeeper is
// refused to an unauthenticated client and, while trusted is true, read by
// a SASL-authenticated client of another realm (IT-OLD-STAGING's test user).
func zkScenario(t *testing.T, home string, p *cluster.Provider, trusted bool) {
	t.Helper()
	ctx := context.Background()
	onProd := func(script string) string {
		out, _ := ringLong(t, home, 2*time.Minute, "cluster", "exec", "it-old-prod", "--", "sh", "-c", script)
		return out
	}
	if trusted {
		out := onProd(`export CLIENT_JVMFLAGS="-Djava.security.auth.login.config=/etc/zookeeper/conf/client-jaas.conf -Dzookeeper.sasl.client.canonicalize.hostname=false"; ` +
			zkCli + ` create /secure secret-data sasl:tester@IT-OLD-PROD:cdrwa,sasl:tester@IT-OLD-STAGING:r; ` + zkCli + ` getAcl /secure`)
		if !strings.Contains(out, "'sasl,'tester@IT-OLD-STAGING") {
			t.Fatalf("create /secure with SASL ACLs:\n%s", out)
		}
		if out := onProd(zkCli + " get /secure"); strings.Contains(out, "secret-data") || !strings.Contains(out, "Insufficient permission") {
			t.Errorf("an unauthenticated client read /secure:\n%s", out)
		}
		// IT-OLD-STAGING's test user, as a client on IT-OLD-PROD's network.
		staging, err := p.Get(ctx, "it-old-staging")
		if err != nil {
			t.Fatal(err)
		}
		kt, err := p.ReadFile(ctx, staging.Nodes[0], "/etc/ringmaster/tester.keytab")
		if err != nil {
			t.Fatal(err)
		}
		prod, _ := p.Get(ctx, "it-old-prod")
		jaas := "Client { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab=\"/etc/ringmaster/old-staging.keytab\" storeKey=true useTicketCache=false principal=\"tester@IT-OLD-STAGING\"; };\n"
		if err := p.WriteFiles(ctx, prod.Nodes[0], cluster.File{Path: "/etc/ringmaster/old-staging.keytab", Data: kt, Mode: 0o400},
			cluster.File{Path: "/etc/ringmaster/old-staging-jaas.conf", Data: []byte(jaas), Mode: 0o400}); err != nil {
			t.Fatal(err)
		}
	}
	out := onProd(`CLIENT_JVMFLAGS="-Djava.security.auth.login.config=/etc/ringmaster/old-staging-jaas.conf -Dzookeeper.sasl.client.canonicalize.hostname=false" ` + zkCli + ` get /secure`)
	if got := strings.Contains(out, "secret-data"); got != trusted {
		t.Errorf("IT-OLD-STAGING's client read /secure in IT-OLD-PROD: %v, want %v:\n%s", got, trusted, out)
	}
}
