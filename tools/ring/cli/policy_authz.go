package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"ringmaster.dev/gateway"
	"ringmaster.dev/kit/chatconf"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/policies"
	"ringmaster.dev/ring/platform"
)

type authzFlags struct{ request, roles, identities string }

func (f *authzFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.request, "authz", "", "decide this chat-ops/REST request (YAML or JSON) with the authorization policy")
	cmd.Flags().StringVar(&f.roles, "roles", config.ProjectDir(gateway.EnvRoles, policies.DefaultRolesPath), "the roles file (with --authz)")
	cmd.Flags().StringVar(&f.identities, "identities", "", "the identity mapping groups come from (with --authz; default $RING_HOME/keys/authz/identities.yaml)")
}

// authzCheck decides a request offline: exit 0 allowed, 1 denied.
func authzCheck(cmd *cobra.Command, f authzFlags) error {
	r, err := policies.LoadAuthzRequest(f.request)
	if err != nil {
		return err
	}
	in := r.AuthzInput
	if r.Text != "" {
		door := command.Chat
		switch in.Identity.Platform {
		case "github", "gitlab", "gitea":
			door = command.Comment
		case "rest":
			door = command.REST
		}
		req, err := command.Parse(r.Text, door)
		if err != nil {
			return fmt.Errorf("%s: text: %w", f.request, err)
		}
		protected := in.Target.Protected
		in.Verb, in.Target = req.Verb, policies.Target{Stack: req.Stack, Channel: req.Channel, From: req.From, To: req.To,
			Cluster: req.Cluster, Realms: req.Realms, Protected: protected}
	}
	if len(in.Identity.Groups) == 0 && in.Identity.Platform != "rest" {
		path := f.identities
		if path == "" {
			if home, err := platform.Home(); err == nil {
				path = chatconf.IdentitiesPath(filepath.Join(home, "keys"))
			}
		}
		w := &chatconf.Watched[chatconf.Identities]{Path: path, Parse: chatconf.ParseIdentities}
		if m, ok, err := w.Get(); err != nil {
			return err
		} else if ok {
			name, groups := m.Lookup(in.Identity.Platform, in.Identity.Team, in.Identity.User)
			in.Identity.Groups = groups
			if in.Identity.Name == "" {
				in.Identity.Name = name
			}
		}
	}
	roles, err := policies.LoadRoles(f.roles)
	if err != nil {
		return err
	}
	a, err := policies.NewAuthorizer(cmd.Context(), roles)
	if err != nil {
		return err
	}
	d, err := a.Decide(cmd.Context(), in)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if d.Allow {
		fmt.Fprintf(out, "allow: %s: %s\n", d.Rule, d.Message)
		return nil
	}
	for _, r := range d.Deny {
		fmt.Fprintf(out, "deny: %s: %s\n  allowed by: %s\n", r.Rule, r.Message, r.AllowBy)
	}
	return exitError{code: 1}
}
