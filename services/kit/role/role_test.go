package role

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProjectRolesRender(t *testing.T) {
	roles, err := Load("../../../infra/roles")
	if err != nil {
		t.Fatal(err)
	}
	zk := roles["zookeeper"]
	if zk == nil || roles["redis"] == nil {
		t.Fatalf("roles: %v", roles)
	}
	members := []Member{{"node1", 1, "node1.c.ring"}, {"node2", 2, "node2.c.ring"}, {"node3", 3, "node3.c.ring"}}
	files, err := zk.Render(Context{Cluster: "c", Node: "node2", Index: 2, Members: members, Primary: "node1", MemoryMB: 768})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Path] = string(f.Data)
	}
	if got["/var/lib/zookeeper/myid"] != "2\n" {
		t.Errorf("myid = %q", got["/var/lib/zookeeper/myid"])
	}
	for _, want := range []string{"server.1=node1:2888:3888", "server.3=node3:2888:3888", "4lw.commands.whitelist=srvr"} {
		if !strings.Contains(got["/etc/zookeeper/conf/zoo.cfg"], want) {
			t.Errorf("zoo.cfg lacks %q:\n%s", want, got["/etc/zookeeper/conf/zoo.cfg"])
		}
	}
	// One member: no server list (standalone).
	files, _ = zk.Render(Context{Node: "node1", Index: 1, Members: members[:1], Primary: "node1"})
	for _, f := range files {
		if strings.Contains(string(f.Data), "server.1=") {
			t.Errorf("standalone zoo.cfg has a server list")
		}
	}
	// Redis: replicas follow the primary, the primary follows no one.
	for node, want := range map[string]bool{"node1": false, "node2": true} {
		files, err := roles["redis"].Render(Context{Node: node, Members: members, Primary: "node1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(files[0].Data), "replicaof node1 6379"); got != want {
			t.Errorf("%s: replicaof = %v, want %v", node, got, want)
		}
	}
}

func TestBadRoles(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown field":     {"component: x\npackages: [x]\nservice: x\npidfile: /run/x.pid\nprobe: {kind: redis, port: 1}\nbogus: 1\n", "bogus"},
		"no packages":       {"component: x\nservice: x\npidfile: /run/x.pid\nprobe: {kind: redis, port: 1}\n", "packages"},
		"bad probe":         {"component: x\npackages: [x]\nservice: x\npidfile: /run/x.pid\nprobe: {kind: http, port: 1}\n", "probe.kind"},
		"relative path":     {"component: x\npackages: [x]\nservice: x\npidfile: /run/x.pid\nprobe: {kind: redis, port: 1}\nfiles: [{template: t, path: etc/x}]\n", "clean absolute path"},
		"missing tmpl":      {"component: x\npackages: [x]\nservice: x\npidfile: /run/x.pid\nprobe: {kind: redis, port: 1}\nfiles: [{template: nope, path: /etc/x}]\n", "nope"},
		"wrong dir":         {"component: y\npackages: [x]\nservice: x\npidfile: /run/x.pid\nprobe: {kind: redis, port: 1}\n", "directory"},
		"bad mode":          {"component: x\npackages: [x]\nservice: x\npidfile: /run/x.pid\nprobe: {kind: redis, port: 1}\nfiles: [{template: t, path: /etc/x, mode: rw}]\n", "octal"},
		"no pidfile":        {"component: x\npackages: [x]\nservice: x\nprobe: {kind: redis, port: 1}\n", "pidfile"},
		"port out of range": {"component: x\npackages: [x]\nservice: x\npidfile: /run/x.pid\nprobe: {kind: redis, port: 70000}\n", "probe.port"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "x")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			_ = os.WriteFile(filepath.Join(dir, "t"), []byte("x"), 0o644)
			_ = os.WriteFile(filepath.Join(dir, "role.yaml"), []byte(tc.yaml), 0o644)
			_, err := LoadOne(dir)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}

func TestKerberizedZooKeeper(t *testing.T) {
	roles, err := Load("../../../infra/roles")
	if err != nil {
		t.Fatal(err)
	}
	members := []Member{{"node1", 1, "node1.c.ring"}, {"node2", 2, "node2.c.ring"}, {"node3", 3, "node3.c.ring"}}
	render := func(realm string) map[string]string {
		files, err := roles["zookeeper"].Render(Context{Node: "node2", Index: 2, FQDN: "node2.c.ring", Members: members, Realm: realm})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, f := range files {
			out[f.Path] = string(f.Data)
		}
		return out
	}
	k := render("OLD-PROD")
	for path, wants := range map[string][]string{
		"/etc/zookeeper/conf/zoo.cfg":          {"quorum.auth.enableSasl=true", "server.2=node2.c.ring:2888:3888", "servicePrincipal=zookeeper/_HOST"},
		"/etc/zookeeper/conf/java.env":         {"SASLAuthenticationProvider", "jaas.conf"},
		"/etc/zookeeper/conf/jaas.conf":        {"Server {", "QuorumServer {", "QuorumLearner {", `principal="zookeeper/node2.c.ring@OLD-PROD"`},
		"/etc/zookeeper/conf/client-jaas.conf": {`principal="tester@OLD-PROD"`},
	} {
		for _, w := range wants {
			if !strings.Contains(k[path], w) {
				t.Errorf("%s lacks %q:\n%s", path, w, k[path])
			}
		}
	}
	plain := render("")
	for path, text := range plain {
		if strings.Contains(text, "Krb5LoginModule") || strings.Contains(text, "quorum.auth") || strings.Contains(text, "SASL") {
			t.Errorf("%s mentions Kerberos without a realm:\n%s", path, text)
		}
	}
}

// TestRenderIndependentOfClusterName: a snapshot restored under another
// name must find its configuration unchanged (no restart), so what roles
// render may not depend on the cluster's name unless kerberized.
func TestRenderIndependentOfClusterName(t *testing.T) {
	roles, err := Load("../../../infra/roles")
	if err != nil {
		t.Fatal(err)
	}
	ctx := func(cluster string) Context {
		var m []Member
		for i := 1; i <= 3; i++ {
			m = append(m, Member{Name: fmt.Sprintf("node%d", i), Index: i, FQDN: fmt.Sprintf("node%d.%s.ring", i, cluster)})
		}
		return Context{Cluster: cluster, Node: "node2", Index: 2, FQDN: "node2." + cluster + ".ring", Members: m, Primary: "node1", MemoryMB: 768}
	}
	for name, r := range roles {
		a, errA := r.Render(ctx("first"))
		b, errB := r.Render(ctx("second"))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		for i := range a {
			if string(a[i].Data) != string(b[i].Data) {
				t.Errorf("%s: %s depends on the cluster name:\n%s\n---\n%s", name, a[i].Path, a[i].Data, b[i].Data)
			}
		}
	}
}
