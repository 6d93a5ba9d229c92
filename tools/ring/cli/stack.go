package cli

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/ring/platform"
)

func newStack(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stack",
		Short: "Stacks from git: a push to their repository builds, tests and reports back",
		Long: `A stack from git lives in a git repository (GitHub, GitLab, Gitea or any git
server) instead of infra/stacks. Register it with ring stack add, point the
forge's webhook at the gateway's /hooks/<name>, and every push builds that
commit, publishes it (default branch → the stack's channel, other branches →
branch-<name>, pull requests → pr-<n>, v* tags promoted to stable), creates
the stack's test cluster, runs the suites and sets commit statuses.
(ring source is the source-archive cache; it has nothing to do with this.)`,
		Example: `  ring stack add fixture --git https://github.com/acme/stacks.git --path infra/stacks/fixture --token-file ~/.gh-token
  ring stack list
  ring stack remove fixture`,
	}
	cmd.AddCommand(newStackAdd(g), newStackList(g), newStackRemove(g))
	return cmd
}

func newStackAdd(g *globals) *cobra.Command {
	var rec gitstack.Record
	var secretFile, tokenFile string
	cmd := &cobra.Command{
		Use:   "add NAME --git URL",
		Short: "Register a stack whose stack.yaml lives in a git repository",
		Long: `Register a stack from git. NAME must be the name its stack.yaml gives. The
webhook secret comes from --secret-file, or is made here; either way it is
kept in $RING_HOME/keys/stacks/NAME/webhook.secret (mode 0400) and never
sent anywhere but to the gateway's checks. A forge token (--token-file,
kept the same way) lets the gateway set commit statuses and the builder
fetch a private repository. The forge is guessed from github.com,
gitlab.com, codeberg.org and gitea.com URLs; name it with --forge otherwise.`,
		Example: `  ring stack add fixture --git https://github.com/acme/stacks.git --path infra/stacks/fixture \
      --secret-file ~/secrets/hook --token-file ~/secrets/gh-token
  ring stack add demo --git https://gitlab.example.org/data/demo.git --forge gitlab --api https://gitlab.example.org/api/v4 --token-file tok
  ring stack add local --git git://127.0.0.1:9418/stacks.git --branch trunk`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rec.Name = args[0]
			if rec.Forge == "" {
				rec.Forge = guessForge(rec.Git)
			}
			rec.Token = tokenFile != ""
			rec.Added = time.Now().UTC()
			if err := rec.Validate(); err != nil {
				return err
			}
			// Everything is read and checked before anything is written.
			secret, made, err := readOrMakeSecret(secretFile)
			if err != nil {
				return err
			}
			var token []byte
			if tokenFile != "" {
				if token, err = readSecretFile(tokenFile, "--token-file"); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			conn, reg, err := openStacks(ctx, g)
			if err != nil {
				return err
			}
			defer conn.Close()
			home, err := platform.Home()
			if err != nil {
				return err
			}
			keys := filepath.Join(home, "keys")
			if err := gitstack.WriteSecret(gitstack.SecretPath(keys, rec.Name), secret); err != nil {
				return fmt.Errorf("keep the webhook secret: %w", err)
			}
			tokenPath := gitstack.TokenPath(keys, rec.Name)
			if token != nil {
				err = gitstack.WriteSecret(tokenPath, token)
			} else {
				err = os.Remove(tokenPath)
				if errors.Is(err, os.ErrNotExist) {
					err = nil
				}
			}
			if err != nil {
				return fmt.Errorf("keep the forge token: %w", err)
			}
			if err := reg.Put(ctx, rec); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "stack %s from %s (branch %s, stack.yaml in %s)\n", rec.Name, rec.Git, rec.Branch, orRoot(rec.Path))
			fmt.Fprintf(out, "  webhook   %s  (content type application/json; events: push, pull requests, tags)\n", webhookURL(home, rec.Name))
			if made {
				fmt.Fprintf(out, "  secret    made here, in %s: give it to the forge (cat it once)\n", gitstack.SecretPath(keys, rec.Name))
			} else {
				fmt.Fprintf(out, "  secret    in %s\n", gitstack.SecretPath(keys, rec.Name))
			}
			switch {
			case rec.Forge == "":
				fmt.Fprintln(out, "  statuses  none: name the forge with --forge github|gitlab|gitea to get commit statuses")
			case !rec.Token:
				fmt.Fprintf(out, "  statuses  none: give a %s token with --token-file to get commit statuses\n", rec.Forge)
			default:
				fmt.Fprintf(out, "  statuses  on %s (token in %s)\n", rec.Forge, tokenPath)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&rec.Git, "git", "", "clone URL of the repository (no credentials in it: use --token-file)")
	cmd.Flags().StringVar(&rec.Branch, "branch", gitstack.DefaultBranch, "default branch: pushes to it publish to the stack's channel")
	cmd.Flags().StringVar(&rec.Path, "path", "", "directory of stack.yaml in the repository (default: its root)")
	cmd.Flags().StringVar(&secretFile, "secret-file", "", "file holding the webhook secret (default: make one)")
	cmd.Flags().StringVar(&tokenFile, "token-file", "", "file holding a forge API token, for commit statuses and private repositories")
	cmd.Flags().StringVar(&rec.Forge, "forge", "", "github, gitlab or gitea (default: guessed from the URL)")
	cmd.Flags().StringVar(&rec.API, "api", "", "the forge's API base URL (default: the forge's public one, or the repository's host)")
	_ = cmd.MarkFlagRequired("git")
	return cmd
}

func newStackList(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the stacks from git and their webhook URLs",
		Example: "  ring stack list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			conn, reg, err := openStacks(ctx, g)
			if err != nil {
				return err
			}
			defer conn.Close()
			all, err := reg.List(ctx)
			if err != nil {
				return err
			}
			if len(all) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no stacks from git (ring stack add registers one)")
				return nil
			}
			home, _ := platform.Home()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer w.Flush()
			fmt.Fprintln(w, "NAME\tGIT\tBRANCH\tPATH\tFORGE\tSTATUSES\tWEBHOOK")
			for _, r := range all {
				statuses := "no"
				if r.Forge != "" && r.Token {
					statuses = "yes"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Git, r.Branch, cmp.Or(r.Path, "."), orDash(r.Forge), statuses, webhookURL(home, r.Name))
			}
			return nil
		},
	}
}

func newStackRemove(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "remove NAME",
		Short:   "Forget a stack from git, its webhook secret and its token",
		Example: "  ring stack remove fixture",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			conn, reg, err := openStacks(ctx, g)
			if err != nil {
				return err
			}
			defer conn.Close()
			if err := reg.Delete(ctx, args[0]); err != nil {
				return err
			}
			if home, err := platform.Home(); err == nil {
				_ = os.RemoveAll(filepath.Dir(gitstack.SecretPath(filepath.Join(home, "keys"), args[0])))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stack %s removed: its webhook now answers 404 (packages already published stay)\n", args[0])
			return nil
		},
	}
}

// openStacks connects and opens the registry of stacks from git; the
// caller closes the connection.
func openStacks(ctx context.Context, g *globals) (*bus.Conn, *gitstack.Registry, error) {
	conn, err := g.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	reg, err := gitstack.Open(ctx, conn.JS)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, reg, nil
}

// guessForge names the forge of well-known hosts.
func guessForge(gitURL string) string {
	host := gitstack.RepoKey(gitURL)
	host, _, _ = strings.Cut(host, "/")
	switch host {
	case "github.com":
		return gitstack.GitHub
	case "gitlab.com":
		return gitstack.GitLab
	case "codeberg.org", "gitea.com":
		return gitstack.Gitea
	}
	return ""
}

// readOrMakeSecret reads the webhook secret from file, or makes a random one.
func readOrMakeSecret(file string) (secret []byte, made bool, err error) {
	if file != "" {
		s, err := readSecretFile(file, "--secret-file")
		return s, false, err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, false, err
	}
	return []byte(hex.EncodeToString(b)), true, nil
}

// readSecretFile reads a secret given on the command line, without its
// trailing newline; an empty one is an error.
func readSecretFile(file, flag string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return nil, fmt.Errorf("%s %s is empty", flag, file)
	}
	return []byte(s), nil
}

// webhookURL is where a forge delivers the stack's webhooks.
func webhookURL(home, name string) string {
	base := "http://127.0.0.1:8080"
	if e, err := platform.ReadEndpoints(home); err == nil && e.HTTP != "" {
		base = e.HTTP
	}
	return base + "/hooks/" + url.PathEscape(name)
}

func orRoot(p string) string {
	if p == "" {
		return "the repository's root"
	}
	return p
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
