package cli

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/ring/platform"
)

func newNATS() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "nats",
		Short: "Standalone NATS servers for Ringmaster: their configuration with the project's users",
		Example: `  ring nats conf --out /etc/ringmaster/nats.conf --store /var/lib/ringmaster/nats
  ring nats conf --name n1 --listen 10.0.0.1:4222 --tls-host 10.0.0.1 --cluster ringmaster --cluster-listen 10.0.0.1:6222 --route tls://10.0.0.1:6222 --route tls://10.0.0.2:6222 --route tls://10.0.0.3:6222 --out n1.conf`,
	}
	cmd.AddCommand(newNATSConf())
	return cmd
}

func newNATSConf() *cobra.Command {
	var (
		out, name, listen, store, cluster, clusterListen, monitor string
		routes, tlsHosts                                          []string
	)
	cmd := &cobra.Command{
		Use:   "conf",
		Short: "Write a nats-server configuration with every Ringmaster user and its permissions",
		Long: `Write the configuration of a standalone nats-server (bin/nats-server, built from
the pinned module by make build) that lets in exactly the users ring up's
embedded server does — one per service and the CLI's, with the same
least-privilege permissions (docs/security.md). The users' credentials are
made in $RING_HOME/nats-users (0400) if missing; the file holds only bcrypt
hashes (mode 0400). --tls-host makes clients and routes speak TLS with a
certificate of the project's CA ($RING_HOME/nats-tls) for those hosts, and
names the CA in every credentials file. --route (repeatable) makes it one
server of a cluster: give every server's route URL, this one's included.
--monitor serves nats-server's HTTP monitoring there (keep it on a
loopback or private address): /healthz answers 200 once JetStream is
ready — in a cluster, once a meta leader is elected.`,
		Example: `  ring nats conf --out nats.conf && bin/nats-server -c nats.conf
  ring nats conf --name n2 --listen 127.0.0.1:4223 --store /tmp/n2 --tls-host 127.0.0.1 --cluster ringmaster --cluster-listen 127.0.0.1:6223 --route tls://127.0.0.1:6222 --route tls://127.0.0.1:6223 --route tls://127.0.0.1:6224 --monitor 127.0.0.1:8223 --out n2.conf`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out is required: where to write the configuration")
			}
			if len(routes) > 0 && (cluster == "" || clusterListen == "") {
				return fmt.Errorf("--route needs --cluster (the cluster's name) and --cluster-listen (this server's route address)")
			}
			if _, _, err := net.SplitHostPort(listen); err != nil {
				return fmt.Errorf("--listen %q: %w (want host:port)", listen, err)
			}
			if _, _, err := net.SplitHostPort(monitor); monitor != "" && err != nil {
				return fmt.Errorf("--monitor %q: %w (want host:port)", monitor, err)
			}
			home, err := platform.Home()
			if err != nil {
				return err
			}
			creds, err := platform.NATSCredentials(home)
			if err != nil {
				return err
			}
			conf := natsserver.ProcessConf{Name: name, Listen: listen, StoreDir: config.Abs(store), Cluster: cluster, ClusterListen: clusterListen, Routes: routes,
				Monitor: monitor, Passwords: map[string]string{}}
			if len(tlsHosts) > 0 {
				dir := natsauth.TLSDir(home)
				ca, err := natsauth.LoadOrCreateCA(dir)
				if err != nil {
					return err
				}
				cert, key, err := ca.Issue(dir, "nats-"+name, tlsHosts)
				if err != nil {
					return err
				}
				conf.TLS = &natsserver.TLS{CertFile: cert, KeyFile: key, CAFile: ca.CertFile}
				if creds, err = natsauth.SetCA(home, creds, ca.CertFile); err != nil {
					return err
				}
			}
			for u, c := range creds {
				conf.Passwords[u] = c.Password
			}
			path := config.Abs(out)
			if err := natsserver.WriteConf(path, conf); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: server %s on %s, users %s (credentials in %s)\n", path, name, listen,
				strings.Join(natsserver.Users(), ", "), natsauth.Dir(home))
			if conf.TLS != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "TLS for %s with the CA %s; clients connect to tls://%s\n", strings.Join(tlsHosts, ", "), conf.TLS.CAFile, listen)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "run: nats-server -c %s\n", filepath.Clean(path))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write (mode 0400; required)")
	cmd.Flags().StringVar(&name, "name", "ringmaster", "server name (distinct per server of a cluster)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:4222", "client address")
	cmd.Flags().StringVar(&store, "store", "/var/lib/ringmaster/nats", "JetStream storage directory")
	cmd.Flags().StringSliceVar(&tlsHosts, "tls-host", nil, "require TLS, with a certificate for these hosts/IPs (repeatable)")
	cmd.Flags().StringVar(&cluster, "cluster", "", "the cluster's name (with --route)")
	cmd.Flags().StringVar(&clusterListen, "cluster-listen", "", "this server's route address, host:port (with --route)")
	cmd.Flags().StringArrayVar(&routes, "route", nil, "route URL of a server of the cluster, this one's included (repeatable)")
	cmd.Flags().StringVar(&monitor, "monitor", "", "address of the server's HTTP monitoring, host:port (/healthz; default: none)")
	return cmd
}
