package provisioner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/probe"
)

// kerberizedComponents get a service principal and keytab from
// kerberos-realm (at /etc/<c>/conf/<c>.keytab).
var kerberizedComponents = map[string]bool{"zookeeper": true}

// kerberize asks kerberos-realm for the cluster's realm and waits until
// every node holds its keytabs (the realm's effect, seen on the nodes).
func (p *Provisioner) kerberize(ctx context.Context, pl plan, nodes []cluster.Node, send func(any) error) error {
	if send == nil {
		return fmt.Errorf("%w: kerberos %s: no way to ask kerberos-realm", ErrSpec, pl.Spec.Kerberos)
	}
	if err := send(&events.RealmCreateRequested{Realm: pl.Spec.Kerberos, Cluster: pl.Spec.Name}); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, p.Opts.ReadyTimeout)
	defer cancel()
	for _, n := range nodes {
		want := []string{"/etc/krb5.keytab"}
		for _, comp := range pl.Spec.NodeRoles(cluster.NodeIndex(n.Name)) {
			if kerberizedComponents[comp] {
				want = append(want, "/etc/"+comp+"/conf/"+comp+".keytab")
			}
		}
		for _, f := range append(want, "/etc/krb5.conf") {
			err := probe.Until(wctx, 250*time.Millisecond, func(ctx context.Context) error {
				b, err := p.Docker.ReadFile(ctx, n, f)
				if err == nil && f == "/etc/krb5.conf" && !strings.Contains(string(b), "default_realm = "+pl.Spec.Kerberos) {
					err = fmt.Errorf("krb5.conf does not name realm %s yet", pl.Spec.Kerberos)
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("%w: realm %s: %s:%s did not arrive (is kerberos-realm running? ring status): %w", ErrNotReady, pl.Spec.Kerberos, n.Name, f, err)
			}
		}
	}
	return nil
}
