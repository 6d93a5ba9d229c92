package image

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	errdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// Docker is the part of the Docker client images need.
type Docker interface {
	ImageInspect(ctx context.Context, id string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageImport(ctx context.Context, source image.ImportSource, ref string, options image.ImportOptions) (io.ReadCloser, error)
	ImageList(ctx context.Context, options image.ListOptions) ([]image.Summary, error)
	ImageRemove(ctx context.Context, id string, options image.RemoveOptions) ([]image.DeleteResponse, error)
	ImageTag(ctx context.Context, source, target string) error
}

// Builder builds images from recipes.
type Builder struct {
	Docker  Docker
	Recipes *Recipes
	// CacheDir keeps downloaded .debs per distro, so rebuilds fetch nothing.
	CacheDir string
	// Progress receives one line per step (nil: discard).
	Progress io.Writer
}

// Result is one built (or found) image.
type Result struct {
	Spec  Spec
	Built bool
	Took  time.Duration
}

// ErrBuild wraps a failed image build.
var ErrBuild = errors.New("image build failed")

// Build makes sure the image of name for distro exists; it builds it only
// if no image carries its content-hash tag.
func (b *Builder) Build(ctx context.Context, name, distro string) (Result, error) {
	return b.BuildWith(ctx, name, distro, nil)
}

// BuildWith is Build telling onStep (nil: no one) where the build stands:
// every change of phase at once, progress within a phase at most once a
// second, and how it ended (PhaseReady or PhaseFailed).
func (b *Builder) BuildWith(ctx context.Context, name, distro string, onStep func(Step)) (Result, error) {
	start := time.Now()
	spec, err := b.Recipes.Spec(name, distro)
	if err != nil {
		return Result{}, err
	}
	r := &reporter{spec: spec, start: start, fn: onStep}
	res, err := b.build(ctx, spec, r)
	res.Took = time.Since(start)
	switch {
	case err != nil:
		msg, _, _ := strings.Cut(err.Error(), "\n")
		r.report(PhaseFailed, msg, false, true)
	case res.Built:
		r.report(PhaseReady, "built in "+res.Took.Round(100*time.Millisecond).String(), true, true)
	default:
		r.report(PhaseReady, "present", false, true)
	}
	return res, err
}

func (b *Builder) build(ctx context.Context, spec Spec, r *reporter) (Result, error) {
	if _, err := b.Docker.ImageInspect(ctx, spec.Tag); err == nil {
		b.progress("%s: present (%s)", spec.Tag, spec.Current)
		return Result{Spec: spec}, b.Docker.ImageTag(ctx, spec.Tag, spec.Current)
	} else if !errdefs.IsNotFound(err) {
		return Result{}, fmt.Errorf("docker: %w (is the Docker daemon running?)", err)
	}
	if _, err := exec.LookPath("mmdebstrap"); err != nil {
		return Result{}, fmt.Errorf("%w: mmdebstrap is not installed (apt-get install mmdebstrap)", ErrBuild)
	}
	cache, err := filepath.Abs(filepath.Join(b.CacheDir, spec.Distro))
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return Result{}, fmt.Errorf("deb cache: %w", err)
	}
	// One build per cache at a time, across processes: builds share the .deb
	// cache, and a concurrent build of the same image would be wasted work.
	unlock, err := lockDir(ctx, cache, func(holder string) {
		r.report(PhaseWaiting, "for another image build using the "+spec.Distro+" package cache ("+holder+")", false, true)
	})
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	if _, err := b.Docker.ImageInspect(ctx, spec.Tag); err == nil {
		b.progress("%s: built meanwhile by another builder", spec.Tag)
		return Result{Spec: spec}, b.Docker.ImageTag(ctx, spec.Tag, spec.Current)
	}
	b.progress("%s: building %s for %s from %s (%d packages)", spec.Tag, spec.Name, spec.Distro, spec.Source.Mirror, len(spec.Recipe.packages(spec.Distro)))
	if err := b.importRootfs(ctx, spec, cache, r); err != nil {
		return Result{}, err
	}
	if err := b.Docker.ImageTag(ctx, spec.Tag, spec.Current); err != nil {
		return Result{}, fmt.Errorf("tag %s: %w", spec.Current, err)
	}
	b.progress("%s: built in %s", spec.Tag, time.Since(r.start).Round(100*time.Millisecond))
	return Result{Spec: spec, Built: true}, nil
}

// importRootfs streams mmdebstrap's tarball straight into docker import.
func (b *Builder) importRootfs(ctx context.Context, spec Spec, cache string, r *reporter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	args := []string{
		"--variant=minbase", "--mode=root", "--format=tar", "--skip=output/dev",
		// apt's and dpkg's own lines instead of progress bars: what the
		// build's steps are counted from.
		"--verbose",
		"--include=" + strings.Join(spec.Recipe.packages(spec.Distro), ","),
		// Containers need no manuals, docs or translations (copyrights stay).
		"--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/locale/*",
		"--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-include=/usr/share/doc/*/copyright",
		// Reuse and refill the .deb cache; keep the debs out of the image.
		// Without manuals, update-alternatives still needs man1 (JREs link java.1.gz there).
		"--setup-hook=mkdir -p \"$1\"/usr/share/man/man1",
		"--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives && find '" + cache + "' -maxdepth 1 -name '*.deb' -exec cp -t \"$1\"/var/cache/apt/archives {} +",
		"--skip=essential/unlink",
		"--customize-hook=sync-out /var/cache/apt/archives " + cache,
		"--customize-hook=rm -f \"$1\"/var/cache/apt/archives/*.deb; rm -rf \"$1\"/var/lib/apt/lists/*",
		spec.Source.Suite, "-", spec.Source.Mirror,
	}
	cmd := exec.CommandContext(ctx, "mmdebstrap", args...)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=0", "LC_ALL=C")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%w: start mmdebstrap: %v", ErrBuild, err)
	}
	tail := make(chan []string, 1)
	go func() { tail <- b.follow(spec, stderr, r) }()

	changes := []string{
		"LABEL " + LabelImage + "=" + spec.Name + " " + LabelDistro + "=" + spec.Distro + " " + LabelHash + "=" + spec.Hash,
		"ENV LANG=C.UTF-8",
		`CMD ["/bin/bash"]`,
	}
	for _, k := range sortedKeys(spec.Recipe.Env) {
		changes = append(changes, fmt.Sprintf("ENV %s=%q", k, spec.Recipe.Env[k]))
	}
	rc, ierr := b.Docker.ImageImport(ctx, image.ImportSource{Source: stdout, SourceName: "-"}, spec.Tag,
		image.ImportOptions{Message: "ringmaster " + spec.Name + " " + spec.Distro, Changes: changes})
	if ierr == nil {
		_, ierr = io.Copy(io.Discard, rc)
		rc.Close()
	}
	if ierr != nil {
		cancel()
	}
	werr := cmd.Wait()
	lines := <-tail
	if werr != nil {
		_, _ = b.Docker.ImageRemove(context.WithoutCancel(ctx), spec.Tag, image.RemoveOptions{Force: true})
		return fmt.Errorf("%w: %s: mmdebstrap: %v\n%s", ErrBuild, spec.Tag, werr, strings.Join(lines, "\n"))
	}
	if ierr != nil {
		return fmt.Errorf("%w: %s: docker import: %v", ErrBuild, spec.Tag, ierr)
	}
	return nil
}

// follow reports mmdebstrap's progress and keeps its last lines for errors.
func (b *Builder) follow(spec Spec, rd io.Reader, r *reporter) []string {
	var last []string
	var st stepper
	sc := bufio.NewScanner(rd)
	for sc.Scan() {
		line := sc.Text()
		last = append(last, line)
		if len(last) > 30 {
			last = last[1:]
		}
		if strings.HasPrefix(line, "I: ") || strings.HasPrefix(line, "E: ") || strings.HasPrefix(line, "W: ") {
			b.progress("%s: %s", spec.Tag, line)
		}
		if st.line(line) {
			r.report(st.phase, st.detail(), false, false)
		}
	}
	return last
}

// reporter hands steps to a callback: phase changes and endings at once,
// progress within a phase at most once a second.
type reporter struct {
	spec  Spec
	start time.Time
	fn    func(Step)
	mu    sync.Mutex
	phase string
	last  time.Time
}

func (r *reporter) report(phase, detail string, built, always bool) {
	if r.fn == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if !always && phase == r.phase && now.Sub(r.last) < time.Second {
		return
	}
	r.phase, r.last = phase, now
	r.fn(Step{Spec: r.spec, Phase: phase, Detail: detail, Elapsed: now.Sub(r.start), Built: built})
}

func (b *Builder) progress(format string, args ...any) {
	if b.Progress != nil {
		fmt.Fprintf(b.Progress, format+"\n", args...)
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
