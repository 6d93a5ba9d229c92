package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/kit/file"
	"ringmaster.dev/kit/tokens"
	"ringmaster.dev/ring/platform"
)

func newToken(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "REST API tokens: each stands for a user and a role; only its hash is kept",
		Long: `A token lets a program or a laptop use the gateway's REST API (and
ring --server URL --token-file F <verb>) as a user with a role of the
authorization policy (infra/authz/roles.yaml: reader, developer, release).
The token is written once, to a 0400 file; Ringmaster keeps only its SHA-256
(NATS KV ring_tokens). Revoking takes effect at once.`,
		Example: `  ring token create alice --role developer --out ~/.ring-token
  ring token list
  ring token revoke 3f2a9c1e0b7d`,
	}
	cmd.AddCommand(newTokenCreate(g), newTokenList(g), newTokenRevoke(g))
	return cmd
}

func newTokenCreate(g *globals) *cobra.Command {
	var role, out string
	cmd := &cobra.Command{
		Use:   "create USER --role ROLE [--out FILE]",
		Short: "Make a token for USER with ROLE, written to a 0400 file",
		Example: `  ring token create alice --role developer --out ~/.ring-token
  ring token create ci-bot --role reader        # file under $RING_HOME/tokens/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if out == "" {
				home, err := platform.Home()
				if err != nil {
					return err
				}
				out = filepath.Join(home, "tokens", args[0]+".token")
			}
			if _, err := os.Stat(out); err == nil {
				return fmt.Errorf("--out %s exists: give another file, or remove it (ring token revoke the token it holds)", out)
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
				return err
			}
			return withTokens(ctx, g, func(store *tokens.Store) error {
				return createToken(cmd, store, args[0], role, out)
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the role the token has: reader, developer or release (required)")
	cmd.Flags().StringVar(&out, "out", "", "file to write the token to, mode 0400 (default $RING_HOME/tokens/USER.token)")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

// createToken makes the token and writes it to out (0400); a token that
// cannot be written is revoked.
func createToken(cmd *cobra.Command, store *tokens.Store, user, role, out string) error {
	ctx := cmd.Context()
	token, rec, err := store.Create(ctx, user, role)
	if err != nil {
		return err
	}
	if err := file.WriteAtomic(out, 0o400, func(w io.Writer) error { _, err := io.WriteString(w, token+"\n"); return err }); err != nil {
		_, _ = store.Revoke(ctx, rec.ID)
		return fmt.Errorf("write the token: %w (it was revoked)", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "token %s for %s (role %s) in %s (mode 0400)\nuse it: ring --server URL --token-file %s status\n", rec.ID, rec.User, rec.Role, out, out)
	return nil
}

// withTokens connects and opens the token store for do.
func withTokens(ctx context.Context, g *globals, do func(*tokens.Store) error) error {
	conn, err := g.connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	store, err := tokens.Open(ctx, conn.JS)
	if err != nil {
		return err
	}
	return do(store)
}

func newTokenList(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List the tokens: id, user, role, age (never the token)", Example: "  ring token list", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withTokens(cmd.Context(), g, func(store *tokens.Store) error { return listTokens(cmd, store) })
		},
	}
}

func listTokens(cmd *cobra.Command, store *tokens.Store) error {
	all, err := store.List(cmd.Context())
	if err != nil {
		return err
	}
	if len(all) == 0 {
		fmt.Fprintln(cmd.OutOrStdout(), "no tokens (ring token create USER --role ROLE)")
		return nil
	}
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	defer w.Flush()
	fmt.Fprintln(w, "ID\tUSER\tROLE\tCREATED")
	for _, r := range all {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s ago\n", r.ID, r.User, r.Role, time.Since(r.Created).Round(time.Second))
	}
	return nil
}

func newTokenRevoke(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "revoke ID|USER", Short: "Revoke a token (by its id) or every token of a user, at once",
		Example: "  ring token revoke 3f2a9c1e0b7d\n  ring token revoke alice", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withTokens(cmd.Context(), g, func(store *tokens.Store) error {
				gone, err := store.Revoke(cmd.Context(), args[0])
				for _, r := range gone {
					fmt.Fprintf(cmd.OutOrStdout(), "revoked %s (%s, role %s)\n", r.ID, r.User, r.Role)
				}
				return err
			})
		},
	}
}
