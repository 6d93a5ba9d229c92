package cli

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"ringmaster.dev/builder/gitrepo"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/stack"
	"ringmaster.dev/ring/platform"
)

// gitRef names the commit of a registered stack from git.
func gitRef(ctx context.Context, g *globals, name, commit string) (*events.GitRef, error) {
	if err := validateCommit(commit); err != nil {
		return nil, err
	}
	conn, reg, err := openStacks(ctx, g)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rec, err := reg.Get(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("--commit builds a stack from git: %w", err)
	}
	return &events.GitRef{Repo: rec.Git, Commit: commit, Path: rec.Path}, nil
}

// stackAtCommit reads the stack as the commit has it, here, so that a
// broken stack.yaml is refused before anything is sent and the live matrix
// knows its cells. The CLI keeps its own clone cache under RING_HOME.
func stackAtCommit(ctx context.Context, req *events.BuildRequested) (*stack.Stack, error) {
	home, err := platform.Home()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "ring-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	token, _ := gitstack.ReadSecret(gitstack.TokenPath(filepath.Join(home, "keys"), req.Stack))
	cache := &gitrepo.Cache{Dir: filepath.Join(home, "cache", "git")}
	dir := filepath.Join(tmp, "tree")
	if _, err := cache.Checkout(ctx, gitrepo.Request{URL: req.Git.Repo, Commit: req.Git.Commit, Ref: req.Git.Ref, Token: string(token)}, dir); err != nil {
		return nil, err
	}
	name := path.Join(req.Git.Path, "stack.yaml")
	st, err := stack.LoadAs(filepath.Join(dir, filepath.FromSlash(name)), name)
	if err != nil {
		return nil, fmt.Errorf("stack %s at commit %s: %w", req.Stack, shortCommit(req.Git.Commit), err)
	}
	return st, nil
}
