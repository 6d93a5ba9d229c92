package builder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"ringmaster.dev/builder/gitrepo"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/stack"
)

// stackAt checks out the commit req.Git names into work/git and loads the
// stack from it. Problems of the commit (it does not exist, its stack.yaml
// is broken, its tree links out of the repository) are permanent errors
// naming the file and line; a fetch that failed on the network is retried.
// The stack.yaml of the commit is kept in the blob store (SnapshotKey) for
// the provisioner.
func (b *Builder) stackAt(ctx context.Context, req *events.BuildRequested, work string) (*stack.Stack, error) {
	g := req.Git
	short := g.Commit[:min(12, len(g.Commit))]
	if err := gitstack.CheckURL(g.Repo); err != nil {
		return nil, bus.Permanent(fmt.Errorf("stack %s: %w", req.Stack, err))
	}
	if g.Ref != "" {
		if err := gitstack.CheckRefName(g.Ref); err != nil {
			return nil, bus.Permanent(fmt.Errorf("stack %s: %w", req.Stack, err))
		}
	}
	rel := path.Clean("/" + g.Path)[1:] // inside the repository, whatever was sent
	token, err := gitstack.ReadSecret(gitstack.TokenPath(b.KeyDir, req.Stack))
	if err != nil && !errors.Is(err, gitstack.ErrNoSecret) {
		return nil, bus.Permanent(fmt.Errorf("stack %s: forge token: %w", req.Stack, err))
	}
	dir := filepath.Join(work, "git")
	res, err := b.Git.Checkout(ctx, gitrepo.Request{URL: g.Repo, Commit: g.Commit, Ref: g.Ref, Token: string(token)}, dir)
	switch {
	case errors.Is(err, gitrepo.ErrCommit), errors.Is(err, gitrepo.ErrTree), errors.Is(err, gitrepo.ErrBadRequest):
		return nil, bus.Permanent(fmt.Errorf("stack %s: %w", req.Stack, err))
	case err != nil:
		return nil, fmt.Errorf("stack %s: %w", req.Stack, err)
	}
	b.Log.Info().Str("stack", req.Stack).Str("commit", short).Bool("fetched", res.Fetched).Int("files", res.Files).Msg("checked out")
	name := path.Join(rel, "stack.yaml")
	file := filepath.Join(dir, filepath.FromSlash(name))
	if _, err := os.Stat(file); err != nil {
		return nil, bus.Permanent(fmt.Errorf("stack %s at commit %s: the repository has no %s (ring stack add --path names the directory of stack.yaml)", req.Stack, short, name))
	}
	st, err := stack.LoadAs(file, name)
	if err != nil {
		return nil, bus.Permanent(fmt.Errorf("stack %s at commit %s: %w", req.Stack, short, err))
	}
	if st.Name != req.Stack {
		return nil, bus.Permanent(fmt.Errorf("stack %s at commit %s: %s names the stack %q: register the repository under that name (ring stack add %s …) or rename it there", req.Stack, short, name, st.Name, st.Name))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if _, err := b.Store.Put(ctx, gitstack.SnapshotKey(st.Name, g.Commit), bytes.NewReader(data), int64(len(data)), blob.PutOptions{ContentType: "application/yaml"}); err != nil {
		return nil, fmt.Errorf("keep the stack of commit %s: %w", short, err)
	}
	return st, nil
}

// testSpec is the stack's test: section as the pipeline reads it.
func testSpec(st *stack.Stack) *events.TestSpec {
	if st.Test == nil {
		return nil
	}
	t := st.Test
	return &events.TestSpec{Distro: t.Distro, Nodes: t.Nodes, Roles: t.Roles, Suites: t.Suites, MemoryMB: t.MemoryMB, Skip: t.Skip}
}
