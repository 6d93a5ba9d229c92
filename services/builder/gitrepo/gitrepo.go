// Package gitrepo gives the builder the tree of one commit of a stack's git
// repository: a bare clone per repository is kept under a cache directory
// and fetched into (never cloned again), and the commit's files are written
// to a directory with their modes and symbolic links, refusing paths and
// links that would leave it.
package gitrepo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/http"
)

// Errors a caller branches on.
var (
	// ErrCommit means the commit is not in the repository (mistyped, or
	// force-pushed away before it was fetched): retrying will not help.
	ErrCommit = errors.New("commit not found")
	// ErrTree means the commit's tree holds a path or link that would
	// leave the checkout: it is refused, not retried.
	ErrTree = errors.New("unsafe tree")
	// ErrBadRequest is a malformed commit id or ref.
	ErrBadRequest = errors.New("bad git request")
)

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Cache keeps one bare clone per repository URL under Dir.
type Cache struct {
	Dir string
	// Progress, if set, receives the server's fetch progress lines.
	Progress io.Writer

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// Fetched says what Checkout had to do.
type Fetched struct {
	// Fetched is false when the commit was already in the cached clone.
	Fetched bool
	Files   int
}

// Request names the commit to check out.
type Request struct {
	URL    string
	Commit string
	// Ref, if given, is fetched besides the branches and tags, so a pull
	// request's head (refs/pull/N/head, refs/merge-requests/N/head) is
	// found too.
	Ref string
	// Token, if set, is sent as the HTTP basic auth password over http(s)
	// (GitHub, GitLab and Gitea ignore the user name for tokens).
	Token string
}

// Checkout writes the tree of the commit into dest (which must not exist
// or be empty), fetching into the cached clone first unless the commit is
// already there. Clones of one URL are fetched one at a time.
func (c *Cache) Checkout(ctx context.Context, req Request, dest string) (Fetched, error) {
	if !commitRE.MatchString(req.Commit) {
		return Fetched{}, fmt.Errorf("%w: commit %q: want 40 lowercase hex digits", ErrBadRequest, req.Commit)
	}
	lock := c.lock(req.URL)
	lock.Lock()
	repo, fetched, err := c.ensure(ctx, req)
	lock.Unlock()
	if err != nil {
		return Fetched{}, err
	}
	co, err := commitOf(repo, req.Commit)
	if err != nil {
		return Fetched{}, fmt.Errorf("commit %s: %w", req.Commit, err)
	}
	n, err := writeTree(co, dest)
	return Fetched{Fetched: fetched, Files: n}, err
}

func (c *Cache) lock(url string) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.locks == nil {
		c.locks = map[string]*sync.Mutex{}
	}
	if c.locks[url] == nil {
		c.locks[url] = &sync.Mutex{}
	}
	return c.locks[url]
}

// ClonePath is the bare clone of url in the cache.
func (c *Cache) ClonePath(url string) string {
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:])[:16]+".git")
}

// ensure opens (or initialises) the bare clone of url and fetches unless
// commit is already there.
func (c *Cache) ensure(ctx context.Context, req Request) (*git.Repository, bool, error) {
	url, commit, ref := req.URL, req.Commit, req.Ref
	dir := c.ClonePath(url)
	repo, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		if err := os.MkdirAll(c.Dir, 0o700); err != nil {
			return nil, false, err
		}
		repo, err = git.PlainInit(dir, true)
		if err == nil {
			_, err = repo.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}})
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("git cache %s: %w", dir, err)
	}
	if _, err := commitOf(repo, commit); err == nil {
		return repo, false, nil
	}
	specs := []config.RefSpec{"+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"}
	if ref != "" && !strings.HasPrefix(ref, "refs/heads/") && !strings.HasPrefix(ref, "refs/tags/") {
		specs = append(specs, config.RefSpec("+"+ref+":refs/ring/"+strings.TrimPrefix(ref, "refs/")))
	}
	opts := &git.FetchOptions{RemoteName: "origin", RefSpecs: specs, Tags: git.NoTags, Force: true, Progress: c.Progress}
	if req.Token != "" && (strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://")) {
		// A forge token is HTTP auth; git:// and file:// take none, ssh
		// its own keys.
		opts.Auth = &http.BasicAuth{Username: "ringmaster", Password: req.Token}
	}
	err = repo.FetchContext(ctx, opts)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return nil, true, fmt.Errorf("%w: %s is an empty repository", ErrCommit, url)
	}
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		// A ref the server lacks (a closed pull request) fails the whole
		// fetch: try once more with branches and tags alone.
		if len(specs) > 2 {
			opts.RefSpecs = specs[:2]
			err = repo.FetchContext(ctx, opts)
		}
		if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
			return nil, true, fmt.Errorf("fetch %s: %w", url, err)
		}
	}
	if _, err := commitOf(repo, commit); err != nil {
		return nil, true, fmt.Errorf("%w: %s is not in %s (mistyped, or force-pushed away?)", ErrCommit, commit, url)
	}
	return repo, true, nil
}

// commitOf is the commit id names, peeling an annotated tag (a forge may
// name a tag push by the tag object).
func commitOf(repo *git.Repository, id string) (*object.Commit, error) {
	h := plumbing.NewHash(id)
	co, err := repo.CommitObject(h)
	if err == nil {
		return co, nil
	}
	if tag, terr := repo.TagObject(h); terr == nil {
		return tag.Commit()
	}
	return nil, err
}

// writeTree writes every file of the commit under dest.
func writeTree(co *object.Commit, dest string) (int, error) {
	tree, err := co.Tree()
	if err != nil {
		return 0, fmt.Errorf("tree of %s: %w", co.Hash, err)
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return 0, err
	}
	n := 0
	err = tree.Files().ForEach(func(f *object.File) error {
		name := f.Name
		if !safePath(name) {
			return fmt.Errorf("%w: path %q", ErrTree, name)
		}
		target := filepath.Join(dest, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		n++
		switch f.Mode {
		case filemode.Symlink:
			link, err := f.Contents()
			if err != nil {
				return err
			}
			// A link may point anywhere inside the tree, never out of it.
			resolved := path.Join(path.Dir(name), link)
			if path.IsAbs(link) || !safePath(resolved) {
				return fmt.Errorf("%w: symbolic link %s points to %q, outside the repository", ErrTree, name, link)
			}
			return os.Symlink(link, target)
		case filemode.Regular, filemode.Executable, filemode.Deprecated:
			mode := os.FileMode(0o644)
			if f.Mode == filemode.Executable {
				mode = 0o755
			}
			r, err := f.Reader()
			if err != nil {
				return err
			}
			defer r.Close()
			out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, r); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
		n-- // submodules and other entries are not part of a stack
		return nil
	})
	return n, err
}

// safePath accepts a relative slash path that stays below its root.
func safePath(p string) bool {
	if p == "" || path.IsAbs(p) || strings.Contains(p, "\\") {
		return false
	}
	clean := path.Clean(p)
	return clean == p && clean != ".." && !strings.HasPrefix(clean, "../") && clean != "."
}
