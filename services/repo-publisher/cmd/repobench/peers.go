package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// errMissing marks a peer tool that is not installed.
var errMissing = errors.New("not installed")

func have(tool string) error {
	if _, err := exec.LookPath(tool); err != nil {
		return fmt.Errorf("%s %w (apt-get install -y apt-utils createrepo-c aptly reprepro)", tool, errMissing)
	}
	return nil
}

// sh runs a command in dir, its stdout to outFile when set, and fails with its
// stderr. Every peer command runs under the peer timeout.
func sh(ctx context.Context, dir, outFile string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var errb strings.Builder
	cmd.Stderr = &errb
	if outFile != "" {
		f, err := os.Create(outFile)
		if err != nil {
			return err
		}
		defer f.Close()
		cmd.Stdout = f
	} else {
		cmd.Stdout = &errb
	}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if len(msg) > 600 {
			msg = msg[:600] + "…"
		}
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(shortArgs(args), " "), err, msg)
	}
	return nil
}

func shortArgs(args []string) []string {
	if len(args) > 6 {
		return append(append([]string{}, args[:6]...), fmt.Sprintf("… (%d more)", len(args)-6))
	}
	return args
}

// gpgHome is a throwaway GnuPG home with one Ed25519 signing key, for the
// peer APT pipeline's InRelease and Release.gpg.
type gpgHome struct{ dir string }

func newGPG(ctx context.Context) (*gpgHome, error) {
	if err := have("gpg"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rbgpg")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	g := &gpgHome{dir: dir}
	err = sh(ctx, dir, "", nil, "gpg", "--homedir", dir, "--batch", "--passphrase", "", "--quick-gen-key", "repobench <repobench@ringmaster.invalid>", "ed25519", "sign", "never")
	if err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

func (g *gpgHome) sign(ctx context.Context, release string) error {
	dir := filepath.Dir(release)
	base := []string{"--homedir", g.dir, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", ""}
	if err := sh(ctx, dir, "", nil, "gpg", append(base, "--clearsign", "-o", filepath.Join(dir, "InRelease"), release)...); err != nil {
		return err
	}
	return sh(ctx, dir, "", nil, "gpg", append(base, "--armor", "--detach-sign", "-o", filepath.Join(dir, "Release.gpg"), release)...)
}

func (g *gpgHome) close() {
	_ = exec.Command("gpgconf", "--homedir", g.dir, "--kill", "gpg-agent").Run()
	os.RemoveAll(g.dir)
}

// ftparchiveResult is one run of the peer APT pipeline, by step.
type ftparchiveResult struct {
	index, compress, xz, rest, total time.Duration
}

// ftparchive runs the classic APT pipeline on root (which holds pool/):
// apt-ftparchive packages → Packages; gzip -6 -n and xz -6 run concurrently
// (two cores, as our builder uses); apt-ftparchive release; by-hash copies
// (sha256 + copy, in Go); gpg --clearsign (InRelease) and --detach-sign
// --armor (Release.gpg) with a throwaway Ed25519 key.
func ftparchive(ctx context.Context, root string, g *gpgHome) (ftparchiveResult, error) {
	var r ftparchiveResult
	dists := filepath.Join(root, "dists", "bench")
	bin := filepath.Join(dists, "main", "binary-amd64")
	if err := os.RemoveAll(filepath.Join(root, "dists")); err != nil {
		return r, err
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return r, err
	}
	packages := filepath.Join(bin, "Packages")
	t0 := time.Now()
	if err := sh(ctx, root, packages, nil, "apt-ftparchive", "packages", "pool"); err != nil {
		return r, err
	}
	t1 := time.Now()
	var wg sync.WaitGroup
	var gzErr, xzErr error
	var xzDone time.Time
	wg.Go(func() { gzErr = sh(ctx, bin, packages+".gz", nil, "gzip", "-6", "-n", "-c", packages) })
	wg.Go(func() { xzErr = sh(ctx, bin, "", nil, "xz", "-6", "-k", "-f", packages); xzDone = time.Now() })
	wg.Wait()
	if err := errors.Join(gzErr, xzErr); err != nil {
		return r, err
	}
	t2 := time.Now()
	if err := sh(ctx, root, filepath.Join(dists, "Release"), nil, "apt-ftparchive",
		"-o", "APT::FTPArchive::Release::Codename=bench", "-o", "APT::FTPArchive::Release::Suite=bench",
		"-o", "APT::FTPArchive::Release::Architectures=amd64", "-o", "APT::FTPArchive::Release::Components=main",
		"release", filepath.Join("dists", "bench")); err != nil {
		return r, err
	}
	for _, name := range []string{"Packages", "Packages.gz", "Packages.xz"} {
		b, err := os.ReadFile(filepath.Join(bin, name))
		if err != nil {
			return r, err
		}
		s := sha256.Sum256(b)
		dir := filepath.Join(bin, "by-hash", "SHA256")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return r, err
		}
		if err := os.WriteFile(filepath.Join(dir, hex.EncodeToString(s[:])), b, 0o644); err != nil {
			return r, err
		}
	}
	if err := g.sign(ctx, filepath.Join(dists, "Release")); err != nil {
		return r, err
	}
	t3 := time.Now()
	r.index, r.compress, r.xz, r.rest, r.total = t1.Sub(t0), t2.Sub(t1), xzDone.Sub(t1), t3.Sub(t2), t3.Sub(t0)
	return r, nil
}

// createrepo runs createrepo_c --no-database on dir (repodata removed first, untimed).
func createrepo(ctx context.Context, dir string) (time.Duration, error) {
	if err := os.RemoveAll(filepath.Join(dir, "repodata")); err != nil {
		return 0, err
	}
	t := time.Now()
	err := sh(ctx, dir, "", nil, "createrepo_c", "-q", "--no-database", dir)
	return time.Since(t), err
}

// aptly is a throwaway aptly root (rootDir in a temporary config) with one
// local repo "bench", published unsigned (-skip-signing) to the local
// filesystem under rootDir/public.
type aptly struct{ root, config string }

func newAptly(ctx context.Context, root string) (*aptly, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	a := &aptly{root: root, config: filepath.Join(root, "aptly.conf")}
	conf := fmt.Sprintf(`{"rootDir": %q, "architectures": ["amd64"], "gpgDisableSign": true, "gpgDisableVerify": true}`, root)
	if err := os.WriteFile(a.config, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	return a, a.run(ctx, "repo", "create", "-distribution=bench", "-component=main", "bench")
}

func (a *aptly) run(ctx context.Context, args ...string) error {
	return sh(ctx, a.root, "", nil, "aptly", append([]string{"-config=" + a.config}, args...)...)
}

// addPublish times `aptly repo add` of paths, then the publish (first time:
// publish repo, later: publish update).
func (a *aptly) addPublish(ctx context.Context, first bool, paths ...string) (add, pub time.Duration, err error) {
	t0 := time.Now()
	if err := a.run(ctx, append([]string{"repo", "add", "bench"}, paths...)...); err != nil {
		return 0, 0, err
	}
	t1 := time.Now()
	if first {
		err = a.run(ctx, "publish", "repo", "-skip-signing", "bench")
	} else {
		err = a.run(ctx, "publish", "update", "-skip-signing", "bench")
	}
	return t1.Sub(t0), time.Since(t1), err
}

// reprepro is a throwaway reprepro base directory with one distribution
// "bench" (amd64, main; no SignWith: unsigned; default DebIndices: Packages
// and Packages.gz, no .xz, no by-hash).
type reprepro struct{ root string }

func newReprepro(root string) (*reprepro, error) {
	if err := os.MkdirAll(filepath.Join(root, "conf"), 0o755); err != nil {
		return nil, err
	}
	conf := "Codename: bench\nArchitectures: amd64\nComponents: main\n"
	return &reprepro{root: root}, os.WriteFile(filepath.Join(root, "conf", "distributions"), []byte(conf), 0o644)
}

// includeAll runs includedeb for every path (in batches of 2,000 with
// --export=never, then one export; one call when there are fewer).
func (r *reprepro) includeAll(ctx context.Context, paths []string) error {
	const batch = 2000
	if len(paths) <= batch {
		return sh(ctx, r.root, "", nil, "reprepro", append([]string{"-b", r.root, "includedeb", "bench"}, paths...)...)
	}
	for i := 0; i < len(paths); i += batch {
		if err := sh(ctx, r.root, "", nil, "reprepro", append([]string{"-b", r.root, "--export=never", "includedeb", "bench"}, paths[i:min(i+batch, len(paths))]...)...); err != nil {
			return err
		}
	}
	return sh(ctx, r.root, "", nil, "reprepro", "-b", r.root, "export", "bench")
}

func (r *reprepro) include(ctx context.Context, path string) error {
	return sh(ctx, r.root, "", nil, "reprepro", "-b", r.root, "includedeb", "bench", path)
}

func toolVersion(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return "?"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
