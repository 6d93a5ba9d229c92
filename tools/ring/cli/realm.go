package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	realm "ringmaster.dev/kerberos-realm"
	"ringmaster.dev/kerberos-realm/krb"
	"ringmaster.dev/kit/config"
)

func newRealm(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "realm",
		Short: "Kerberos realms: a KDC per cluster, keytabs on every node, cross-realm trust",
		Example: `  ring realm create OLD-PROD --cluster old-prod
  ring realm trust OLD-PROD OLD-STAGING NEW-PROD NEW-STAGING --topology mesh
  ring realm list
  ring realm untrust OLD-PROD NEW-PROD`,
	}
	cmd.AddCommand(newRealmCreate(g), newRealmList(g), newRealmTrust(g, false), newRealmTrust(g, true))
	return cmd
}

func newRealmCreate(g *globals) *cobra.Command {
	var clusterName string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "create REALM --cluster NAME",
		Short: "Start a KDC on a cluster's network, create the realm, principals and keytabs, write krb5.conf",
		Long: `Create a Kerberos realm for a cluster: an MIT KDC container on the cluster's network
(kdc.<cluster>.ring), the realm with a random master password (kept 0400 in the key
directory), host/<node>.<cluster>.ring and <component>/<node>.<cluster>.ring principals
for every node and kerberized role, a test user tester@REALM, keytabs installed
0400 and owned by the service user, and krb5.conf on every node.`,
		Example: "  ring realm create OLD-PROD --cluster old-prod",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := krb.ValidateRealm(args[0]); err != nil {
				return err
			}
			if _, _, err := g.clusterHost(cmd.Context(), clusterName); err != nil {
				return err
			}
			return runRealm(cmd.Context(), cmd.OutOrStdout(), g, &events.RealmCreateRequested{Realm: args[0], Cluster: clusterName}, wait)
		},
	}
	cmd.Flags().StringVar(&clusterName, "cluster", "", "cluster the realm serves (required)")
	cmd.Flags().DurationVar(&wait, "wait", 10*time.Minute, "how long to wait")
	_ = cmd.MarkFlagRequired("cluster")
	return cmd
}

func newRealmTrust(g *globals, remove bool) *cobra.Command {
	var topology string
	var wait time.Duration
	use, short, example := "trust A B [C D …] [--topology mesh|chain]",
		"Set up two-way cross-realm trust (krbtgt/B@A and krbtgt/A@B, AES) and [capaths] on every node",
		"  ring realm trust OLD-PROD NEW-PROD\n  ring realm trust A B C D --topology chain     # A reaches D through B and C"
	if remove {
		use, short, example = "untrust A B [C D …] [--topology mesh|chain]", "Remove cross-realm trust set up by trust",
			"  ring realm untrust OLD-PROD NEW-PROD"
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Example: example, Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := krb.Topology(args, topology); err != nil {
				return err
			}
			return runRealm(cmd.Context(), cmd.OutOrStdout(), g, &events.RealmTrustRequested{Realms: args, Topology: topology, Remove: remove}, wait)
		},
	}
	cmd.Flags().StringVar(&topology, "topology", "mesh", "mesh (every pair) or chain (neighbours in the order given)")
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait")
	return cmd
}

// runRealm sends a realm command and waits for its fact.
func runRealm(ctx context.Context, out io.Writer, g *globals, req any, wait time.Duration) error {
	return sendAndWait(ctx, out, g, req, wait, func(out io.Writer, env events.Envelope) {
		switch env.Type {
		case "ringmaster.realm.ready.v1":
			var r events.RealmReady
			_ = json.Unmarshal(env.Data, &r)
			fmt.Fprintf(out, "realm %s ready for cluster %s (KDC %s); keytabs and krb5.conf are on every node\n", r.Realm, r.Cluster, r.KDC)
		case "ringmaster.realm.trusted.v1":
			var r events.RealmTrusted
			_ = json.Unmarshal(env.Data, &r)
			verb := "trust set up"
			if r.Removed {
				verb = "trust removed"
			}
			fmt.Fprintf(out, "%s: %s (%s); krb5.conf rewritten on every node\n", verb, strings.Join(r.Realms, ", "), r.Topology)
		}
	})
}

func newRealmList(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List realms: cluster, KDC state and the realms each trusts",
		Example: "  ring realm list", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := realm.Open(cmd.Context(), "", config.ProjectDir("RING_IMAGES", "infra/images"), g.fleet(cmd.Context()),
				// A Docker host that does not answer: its realms are left out, said on stderr.
				zerolog.New(zerolog.ConsoleWriter{Out: cmd.ErrOrStderr(), NoColor: true, PartsExclude: []string{zerolog.TimestampFieldName}}).Level(zerolog.WarnLevel))
			if err != nil {
				return err
			}
			gr, _, kdcs, err := s.Graph(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer w.Flush()
			fmt.Fprintln(w, "REALM\tCLUSTER\tKDC\tTRUSTS")
			for _, k := range kdcs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", k.Realm, k.Cluster, k.Node.State, strings.Join(slices.Sorted(maps.Keys(gr[k.Realm])), ","))
			}
			if len(kdcs) == 0 {
				fmt.Fprintln(w, "(no realms: ring realm create --help)")
			}
			return nil
		},
	}
}
