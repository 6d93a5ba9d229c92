package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"ringmaster.dev/policies"
)

func newPolicy(_ *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check a requested cluster against the compatibility policy",
		Long: `The compatibility policy (Rego, evaluated with OPA) decides whether a
requested cluster can be built: supported versions, known-bad pairs, an odd
ZooKeeper ensemble, components available on the distro, memory, Kerberos.
Its facts are in infra/compat/compat.json.`,
	}
	cmd.Short = "Check a requested cluster against the compatibility policy, or a request against the authorization policy"
	cmd.AddCommand(newPolicyCheck())
	return cmd
}

func newPolicyCheck() *cobra.Command {
	var dataPath string
	var az authzFlags
	cmd := &cobra.Command{
		Use:   "check FILE | --authz REQUEST",
		Short: "Check a cluster spec (JSON or YAML), or with --authz a chat-ops/REST request; exit 1 when it is denied",
		Long: `Check reads a cluster spec — stack, components {name: version}, distro,
roles {role: node count}, nodes, kerberos, memory_mb_per_node and optionally
machine_mb (the memory of the machine, instead of the facts' figure; the
provisioner passes the Docker host's) — in JSON or YAML, and prints "allow"
or every deny reason as "rule: message".
It exits 0 when the cluster is allowed, 1 when it is denied, 2 on errors.

With --authz REQUEST it decides a chat-ops, comment or REST request offline,
with the authorization policy (policies/authz.rego) and the roles file
(--roles): REQUEST (YAML or JSON) holds the identity {platform, team, user,
name, groups, roles}, the room {id, name}, and either text (the command as
written, read by the chat-ops grammar) or verb and target {stack, channel,
from, to, cluster, protected, realms}. Groups left out come from the
identity mapping (--identities). It prints allow or the denying rules with
what would allow the request.`,
		Example: `  ring policy check infra/compat/examples/zk3.json    # allow
  ring policy check infra/compat/examples/zk2.json    # zk-odd-ensemble: ZooKeeper needs an odd ensemble ...

  # cluster.yaml
  stack: fixture
  components: {zookeeper: "3.8.0", redis: "7.0.15"}
  distro: debian-12
  roles: {zookeeper: 3, redis: 1}
  nodes: 3
  kerberos: true
  memory_mb_per_node: 1024

  ring policy check --authz request.yaml              # allow, or deny: rule, message, what would allow it
  # request.yaml
  identity: {platform: slack, team: T0123, user: U0456, name: alice, groups: [developers]}
  room: {id: C0123, name: ci}
  text: promote ringhello@1.0.0-1 --to stable`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			switch {
			case az.request != "" && len(args) == 0:
				err = authzCheck(cmd, az)
			case az.request == "" && len(args) == 1:
				err = policyCheck(cmd, args[0], dataPath)
			default:
				err = errors.New("give a cluster spec FILE, or --authz REQUEST")
			}
			var ee exitError
			if err != nil && !errors.As(err, &ee) {
				fmt.Fprintln(cmd.ErrOrStderr(), "ring:", err)
				return exitError{code: 2}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&dataPath, "data", policies.DefaultDataPath, "compatibility facts (JSON)")
	az.add(cmd)
	return cmd
}

func policyCheck(cmd *cobra.Command, file, dataPath string) error {
	in, err := policies.LoadInput(file)
	if err != nil {
		return err
	}
	data, err := policies.LoadData(dataPath)
	if err != nil {
		return err
	}
	c, err := policies.New(cmd.Context(), data)
	if err != nil {
		return err
	}
	d, err := c.Check(cmd.Context(), in)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if d.Allow {
		fmt.Fprintln(out, "allow")
		return nil
	}
	for _, r := range d.Deny {
		fmt.Fprintln(out, r.String())
	}
	return exitError{code: 1}
}
