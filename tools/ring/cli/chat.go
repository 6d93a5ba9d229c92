package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"ringmaster.dev/gateway"
	"ringmaster.dev/kit/chatconf"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/policies"
	"ringmaster.dev/ring/platform"
)

func newChat(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Chat-ops: Slack and Mattermost slash commands, and who may ask what",
		Example: `  ring chat setup --slack-secret-file ~/slack-signing-secret --map slack:T0123ABC/U0456DEF=alice:developers
  ring chat setup --mattermost-token-file ~/mm-token --mattermost-origin https://chat.example.org`,
	}
	cmd.AddCommand(newChatSetup(g))
	return cmd
}

func newChatSetup(_ *globals) *cobra.Command {
	var slackSecret, mmToken, rolesFile string
	var slackOrigins, mmOrigins, maps, unmaps []string
	cmd := &cobra.Command{
		Use:   "setup [--slack-secret-file F] [--mattermost-token-file F] [--map ID=NAME:GROUP,…]…",
		Short: "Keep the chat secrets, the reply origins and the identity mapping under RING_HOME (0400)",
		Long: `Write what the gateway's chat endpoints need, under $RING_HOME/keys (every file
mode 0400; the gateway reads them again when they change, no restart):

  chat/slack.secret        the Slack app's signing secret (--slack-secret-file)
  chat/mattermost.token    the Mattermost slash command's token (--mattermost-token-file)
  chat/chat.yaml           the origins replies may be posted to: Slack's
                           response_url is https://hooks.slack.com (the default);
                           Mattermost's is its server (--mattermost-origin)
  authz/identities.yaml    who is who: a platform identity → a name and groups

An identity is slack:TEAM/USER or mattermost:TEAM/USER (USER * for everyone
of the team), github:LOGIN, gitlab:LOGIN or gitea:LOGIN. Groups get their
roles in the roles file (infra/authz/roles.yaml); a developer's cluster names
start with their name and a dash. Each --map adds or replaces one identity.`,
		Example: `  ring chat setup --slack-secret-file ~/slack-signing-secret \
      --map slack:T0123ABC/U0456DEF=alice:developers \
      --map slack:T0123ABC/U0789GHI=rita:release-engineers \
      --map 'slack:T0123ABC/*=:readers'
  ring chat setup --mattermost-token-file ~/mm-token --mattermost-origin https://chat.example.org \
      --map mattermost:ab12cd/efgh34=alice:developers
  ring chat setup --map github:alice-gh=alice:developers      # /ring comments on pull requests
  ring chat setup --unmap slack:T0123ABC/U0456DEF`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			home, err := platform.Home()
			if err != nil {
				return err
			}
			keys := filepath.Join(home, "keys")
			out := cmd.OutOrStdout()
			// Everything is read and checked before anything is written.
			var secret, token []byte
			if slackSecret != "" {
				if secret, err = readSecretFile(slackSecret, "--slack-secret-file"); err != nil {
					return err
				}
			}
			if mmToken != "" {
				if token, err = readSecretFile(mmToken, "--mattermost-token-file"); err != nil {
					return err
				}
			}
			confPath, idsPath := chatconf.ConfigPath(keys), chatconf.IdentitiesPath(keys)
			conf, err := readExisting(confPath, chatconf.ParseConfig)
			if err != nil {
				return err
			}
			for _, o := range slackOrigins {
				n, err := chatconf.CheckOrigin(o)
				if err != nil {
					return fmt.Errorf("--slack-origin: %w", err)
				}
				conf.Slack.ResponseOrigins = appendNew(conf.Slack.ResponseOrigins, n)
			}
			for _, o := range mmOrigins {
				n, err := chatconf.CheckOrigin(o)
				if err != nil {
					return fmt.Errorf("--mattermost-origin: %w", err)
				}
				conf.Mattermost.ResponseOrigins = appendNew(conf.Mattermost.ResponseOrigins, n)
			}
			ids, err := readExisting(idsPath, chatconf.ParseIdentities)
			if err != nil {
				return err
			}
			ids.Version = 1
			for _, u := range unmaps {
				before := len(ids.Identities)
				ids.Identities = slices.DeleteFunc(ids.Identities, func(e chatconf.Identity) bool { return e.ID == u })
				if len(ids.Identities) == before {
					return fmt.Errorf("--unmap %s: no such identity in %s", u, idsPath)
				}
			}
			for _, m := range maps {
				e, err := parseMap(m)
				if err != nil {
					return err
				}
				ids.Identities = slices.DeleteFunc(ids.Identities, func(x chatconf.Identity) bool { return x.ID == e.ID })
				ids.Identities = append(ids.Identities, e)
			}
			if err := ids.Check(); err != nil {
				return fmt.Errorf("identity mapping: %w", err)
			}
			if roles, err := policies.LoadRoles(rolesFile); err == nil {
				for _, e := range ids.Identities {
					for _, grp := range e.Groups {
						if _, ok := roles.Groups[grp]; !ok {
							fmt.Fprintf(cmd.ErrOrStderr(), "warning: group %s of %s is not in %s: it gives no role\n", grp, e.ID, rolesFile)
						}
					}
				}
			}
			if secret != nil {
				if err := gitstack.WriteSecret(chatconf.SlackSecretPath(keys), secret); err != nil {
					return err
				}
				fmt.Fprintf(out, "Slack signing secret in %s\n", chatconf.SlackSecretPath(keys))
			}
			if token != nil {
				if err := gitstack.WriteSecret(chatconf.MattermostTokenPath(keys), token); err != nil {
					return err
				}
				fmt.Fprintf(out, "Mattermost token in %s\n", chatconf.MattermostTokenPath(keys))
			}
			if err := chatconf.WriteYAML(confPath, "# Written by ring chat setup: where chat replies may be posted.\n", conf); err != nil {
				return err
			}
			if err := chatconf.WriteYAML(idsPath, "# Written by ring chat setup: platform identity → name and groups (roles: infra/authz/roles.yaml).\n", ids); err != nil {
				return err
			}
			fmt.Fprintf(out, "reply origins: Slack %s; Mattermost %s (%s)\n", strings.Join(conf.Origins("slack"), ", "),
				orNoneText(conf.Origins("mattermost"), "none: --mattermost-origin https://YOUR-SERVER"), confPath)
			fmt.Fprintf(out, "%d identities in %s\n", len(ids.Identities), idsPath)
			base := "http://127.0.0.1:8080"
			if e, err := platform.ReadEndpoints(home); err == nil && e.HTTP != "" {
				base = e.HTTP
			}
			fmt.Fprintf(out, "request URLs (behind your HTTPS proxy): Slack %s/chat/slack, Mattermost %s/chat/mattermost\n", base, base)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&slackSecret, "slack-secret-file", "", "file holding the Slack app's signing secret (Basic Information → Signing Secret)")
	f.StringVar(&mmToken, "mattermost-token-file", "", "file holding the Mattermost slash command's token")
	f.StringArrayVar(&slackOrigins, "slack-origin", nil, "an origin Slack replies may go to besides https://hooks.slack.com (repeatable)")
	f.StringArrayVar(&mmOrigins, "mattermost-origin", nil, "the Mattermost server replies go to, e.g. https://chat.example.org (repeatable)")
	f.StringArrayVar(&maps, "map", nil, "ID=NAME:GROUP[,GROUP…]: who a platform identity is (repeatable)")
	f.StringArrayVar(&unmaps, "unmap", nil, "forget an identity (repeatable)")
	f.StringVar(&rolesFile, "roles", config.ProjectDir(gateway.EnvRoles, policies.DefaultRolesPath), "the roles file the groups are checked against")
	return cmd
}

// parseMap reads ID=NAME:GROUP[,GROUP…].
func parseMap(s string) (chatconf.Identity, error) {
	id, rest, ok := strings.Cut(s, "=")
	name, groups, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || groups == "" {
		return chatconf.Identity{}, fmt.Errorf("--map %q: want ID=NAME:GROUP[,GROUP…], e.g. slack:T0123/U0456=alice:developers", s)
	}
	return chatconf.Identity{ID: id, Name: name, Groups: strings.Split(groups, ",")}, nil
}

// readExisting parses path if it exists; a missing file is the zero value.
func readExisting[T any](path string, parse func(string, []byte) (T, error)) (T, error) {
	var zero T
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return zero, nil
	}
	if err != nil {
		return zero, err
	}
	return parse(path, b)
}

func appendNew(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}

func orNoneText(l []string, none string) string {
	if len(l) == 0 {
		return none
	}
	return strings.Join(l, ", ")
}
