package realm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	errdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"ringmaster.dev/kerberos-realm/krb"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/probe"
)

// Labels of KDC containers.
const (
	LabelRealm = "ringmaster.realm"
	RoleKDC    = "kdc"
)

// KDC is one realm's KDC container, on its cluster's Docker host.
type KDC struct {
	Realm, Cluster string
	Node           cluster.Node
	// Host is the Docker host's name; Docker reaches it.
	Host   string
	Docker *cluster.Provider
}

// kdcName is the KDC's container name.
func kdcName(clusterName string) string { return cluster.ContainerName(clusterName, "kdc") }

// KDCs lists every realm's KDC, by label, on every Docker host of
// clusters. A host that does not answer is left out (and logged); when
// none answers, that is the error.
func (s *Service) KDCs(ctx context.Context) ([]KDC, error) {
	hosts, err := s.Hosts.Hosts(ctx)
	if err != nil {
		return nil, err
	}
	var out []KDC
	var unreachable []error
	for _, h := range hosts {
		p, err := h.Provider(ctx)
		if err != nil {
			s.Log.Warn().Err(err).Msg("docker host does not answer: its realms are left out")
			unreachable = append(unreachable, err)
			continue
		}
		on, err := kdcsOn(ctx, h.Record.Name, p)
		if err != nil {
			return nil, err
		}
		out = append(out, on...)
	}
	if len(unreachable) == len(hosts) {
		return nil, errors.Join(unreachable...)
	}
	return out, nil
}

// kdcsOn lists the KDCs on one Docker host.
func kdcsOn(ctx context.Context, host string, p *cluster.Provider) ([]KDC, error) {
	list, err := p.Client().ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", cluster.LabelRole+"="+RoleKDC))})
	if err != nil {
		return nil, fmt.Errorf("list KDCs on docker host %s: %w", host, err)
	}
	var out []KDC
	for _, ct := range list {
		k := KDC{Realm: ct.Labels[LabelRealm], Cluster: ct.Labels[cluster.LabelCluster], Host: host, Docker: p,
			Node: cluster.Node{Name: "kdc", ID: ct.ID, State: ct.State, Image: ct.Image}}
		if len(ct.Names) > 0 {
			k.Node.Container = strings.TrimPrefix(ct.Names[0], "/")
		}
		if ct.NetworkSettings != nil {
			if ep := ct.NetworkSettings.Networks[cluster.NetworkName(k.Cluster)]; ep != nil {
				k.Node.IP = ep.IPAddress
			}
		}
		out = append(out, k)
	}
	return out, nil
}

// kdcCmd waits for the realm's database (the stash file is its last step)
// and runs the KDC in the foreground; a restarted container serves again.
const kdcCmd = `until [ -f /etc/krb5kdc/stash ]; do sleep 0.2; done; exec krb5kdc -n`

// ensureKDC starts (or finds) the KDC container of a cluster's realm, on
// the cluster's Docker host (named host, reached by p).
func (s *Service) ensureKDC(ctx context.Context, host string, p *cluster.Provider, c cluster.Cluster, realm string) (KDC, error) {
	name := kdcName(c.Spec.Name)
	in, err := p.Client().ContainerInspect(ctx, name)
	switch {
	case err == nil:
		if got := in.Config.Labels[LabelRealm]; got != realm {
			return KDC{}, fmt.Errorf("%w: cluster %s already has realm %s", ErrConflict, c.Spec.Name, got)
		}
		if !in.State.Running {
			if err := p.Client().ContainerStart(ctx, in.ID, container.StartOptions{}); err != nil {
				return KDC{}, fmt.Errorf("start %s: %w", name, err)
			}
		}
	case errdefs.IsNotFound(err):
		res, err := s.Images(p.Client()).Build(ctx, "kdc", c.Spec.Distro)
		if err != nil {
			return KDC{}, fmt.Errorf("kdc image for %s: %w", c.Spec.Distro, err)
		}
		created, err := p.Client().ContainerCreate(ctx, &container.Config{
			Image: res.Spec.Tag, Hostname: "kdc", Domainname: krb.Domain(c.Spec.Name),
			Entrypoint: []string{"/usr/bin/tini", "--"}, Cmd: []string{"/bin/sh", "-c", kdcCmd},
			Labels: map[string]string{cluster.LabelCluster: c.Spec.Name, cluster.LabelRole: RoleKDC, LabelRealm: realm, cluster.LabelRun: c.Spec.RunID},
		}, cluster.LockedDown(c.Spec.Name, 128<<20, 256), &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			cluster.NetworkName(c.Spec.Name): {Aliases: []string{"kdc", krb.KDCHost(c.Spec.Name)}},
		}}, nil, name)
		if err != nil && !errdefs.IsConflict(err) {
			return KDC{}, fmt.Errorf("create %s: %w", name, err)
		}
		if err == nil {
			if err := p.Client().ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
				return KDC{}, fmt.Errorf("start %s: %w", name, err)
			}
		}
	default:
		return KDC{}, fmt.Errorf("inspect %s: %w", name, err)
	}
	all, err := kdcsOn(ctx, host, p)
	if err != nil {
		return KDC{}, err
	}
	for _, k := range all {
		if k.Cluster == c.Spec.Name {
			return k, nil
		}
	}
	return KDC{}, fmt.Errorf("KDC %s vanished", name)
}

// initRealm writes the KDC's configuration and creates the database with
// the master password (through stdin: it never appears on a command line,
// in the environment or in a log). A realm that exists is left alone.
func (s *Service) initRealm(ctx context.Context, k KDC, master string) error {
	if _, err := k.Docker.ReadFile(ctx, k.Node, "/etc/krb5kdc/stash"); err == nil {
		return nil
	}
	err := k.Docker.WriteFiles(ctx, k.Node,
		cluster.File{Path: "/etc/krb5kdc/kdc.conf", Data: []byte(krb.KDCConf(k.Realm)), Mode: 0o644},
		cluster.File{Path: "/etc/krb5kdc/kadm5.acl", Data: []byte("*/admin@" + k.Realm + " *\n"), Mode: 0o644},
		cluster.File{Path: "/etc/krb5.conf", Data: []byte(krb.Krb5Conf(k.Realm, map[string]string{k.Realm: k.Cluster}, krb.Graph{})), Mode: 0o644})
	if err != nil {
		return err
	}
	in := strings.NewReader(master + "\n" + master + "\n")
	r, err := k.Docker.Exec(ctx, k.Node, []string{"kdb5_util", "-r", k.Realm, "create", "-s"}, cluster.ExecOptions{Stdin: in})
	if err != nil {
		return err
	}
	if r.ExitCode != 0 {
		return fmt.Errorf("create realm %s: %s", k.Realm, bytes.TrimSpace(r.Stderr))
	}
	return nil
}

// waitKDC waits until the KDC accepts connections on port 88.
func (s *Service) waitKDC(ctx context.Context, k KDC) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return probe.Until(ctx, 100*time.Millisecond, func(ctx context.Context) error {
		all, err := kdcsOn(ctx, k.Host, k.Docker)
		if err != nil {
			return err
		}
		for _, x := range all {
			if x.Cluster == k.Cluster && x.Node.IP != "" {
				var d net.Dialer
				c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(x.Node.IP, "88"))
				if err == nil {
					c.Close()
				}
				return err
			}
		}
		return errors.New("no address yet")
	})
}

// kadmin runs kadmin.local queries on a KDC; stdin, when set, answers
// password prompts. kadmin.local exits 0 on most failures, so its error
// output decides; "already exists" and "does not exist" are not errors
// when allow says so.
func (s *Service) kadmin(ctx context.Context, k KDC, query, stdin string, allow ...string) (string, error) {
	// kadmin.local needs only the KDC profile (kdc.conf, realm given with
	// -r): it keeps working whatever state krb5.conf is in.
	o := cluster.ExecOptions{Env: []string{"KRB5_CONFIG=/etc/krb5kdc/kdc.conf"}}
	if stdin != "" {
		o.Stdin = strings.NewReader(stdin)
	}
	r, err := k.Docker.Exec(ctx, k.Node, []string{"kadmin.local", "-r", k.Realm, "-q", query}, o)
	if err != nil {
		return "", err
	}
	var bad []string
	for _, line := range strings.Split(string(r.Stderr), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "Authenticating as") ||
			strings.Contains(line, "No policy specified") || strings.Contains(line, "(info):") || strings.HasPrefix(line, "Enter password") ||
			strings.HasPrefix(line, "Re-enter password") {
			continue
		}
		ok := false
		for _, a := range allow {
			if strings.Contains(line, a) {
				ok = true
			}
		}
		if !ok {
			bad = append(bad, line)
		}
	}
	if r.ExitCode != 0 || len(bad) > 0 {
		return "", fmt.Errorf("kadmin %s on %s: %s", firstWord(query), k.Realm, strings.Join(bad, "; "))
	}
	return string(r.Stdout), nil
}

func firstWord(q string) string {
	w, _, _ := strings.Cut(q, " ")
	return w
}

// addPrincipal creates a principal with a random key (no-op if it exists).
func (s *Service) addPrincipal(ctx context.Context, k KDC, princ string) error {
	_, err := s.kadmin(ctx, k, fmt.Sprintf("addprinc -randkey -e %s %s", krb.KeySalts(), princ), "", "already exists")
	return err
}

// keytab exports principals' current keys into a keytab (-norandkey: a
// running service's keys stay valid when a realm is applied again) and
// returns its bytes; the file, in a root-only directory of the KDC, is
// removed. (Docker cannot copy out of a tmpfs, so it is not one.)
func (s *Service) keytab(ctx context.Context, k KDC, princs ...string) ([]byte, error) {
	path := "/var/lib/krb5kdc/export.keytab"
	_, _ = k.Docker.Exec(ctx, k.Node, []string{"rm", "-f", path}, cluster.ExecOptions{})
	if _, err := s.kadmin(ctx, k, fmt.Sprintf("ktadd -norandkey -k %s %s", path, strings.Join(princs, " ")), ""); err != nil {
		return nil, err
	}
	b, err := k.Docker.ReadFile(ctx, k.Node, path)
	_, _ = k.Docker.Exec(ctx, k.Node, []string{"rm", "-f", path}, cluster.ExecOptions{})
	return b, err
}

// principals lists a KDC's principals.
func (s *Service) principals(ctx context.Context, k KDC) ([]string, error) {
	out, err := s.kadmin(ctx, k, "listprincs", "")
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}
