package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"ringmaster.dev/builder/cell"
	"ringmaster.dev/builder/matrix"
	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/builder/unpack"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/stack"
)

// job is one cell being built: its stack, its dependencies' results and
// the image steps it reported.
type job struct {
	d       *bus.Delivery
	st      *stack.Stack
	b       *Builder
	work    string
	request string // id of the build.requested the cell belongs to
	mu      sync.Mutex
	steps   map[string]int    // image.progress facts per image and step
	keys    map[string]string // cell → build key
	results map[string]*result
}

func (j *job) comp(name string) *stack.Component {
	for _, c := range j.st.Components {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// reportImage emits an image's step as an image.progress fact. Its id is
// keyed by image, step and count: a redelivered command that goes through
// the same steps again adds nothing, and the ending (ready or failed)
// always gets through.
func (j *job) reportImage(s image.Step) {
	k := s.Spec.Name + "@" + s.Spec.Distro + "/" + s.Phase
	j.mu.Lock()
	n := j.steps[k]
	j.steps[k]++
	j.mu.Unlock()
	_ = j.d.EmitAs(fmt.Sprintf("image/%s/%d", k, n), s.Fact())
}

func (j *job) build(ctx context.Context, c matrix.Cell, comp *stack.Component, key, img string) (*result, error) {
	name := c.Name()
	start := time.Now()
	base := filepath.Join(j.work, c.Component+"_"+c.Distro)
	srcDir, pkgDir, outDir := filepath.Join(base, "src"), filepath.Join(base, "pkg"), filepath.Join(base, "out")
	for _, d := range []string{base, outDir, pkgDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	logPath := filepath.Join(base, "build.log")
	logs, err := newLogStream(logPath, func(seq int, lines []string) {
		_ = j.d.EmitAs(fmt.Sprintf("%s/%d", name, seq), logEvent(j.st.Name, c.Component, c.Distro, seq, lines))
	})
	if err != nil {
		return nil, err
	}
	// fail reports the cell failed, with its log, unless the builder is
	// stopping or the store or the bus did not answer (errUnavailable):
	// then the command is tried again.
	fail := func(err error) (*result, error) {
		logs.Close()
		if ctx.Err() != nil || errors.Is(err, errUnavailable) {
			return nil, err
		}
		logKey := "logs/" + j.d.Envelope.RunID + "/" + c.Component + "_" + c.Distro + ".log"
		if data, rerr := os.ReadFile(logPath); rerr == nil {
			_, _ = j.b.Store.Put(context.WithoutCancel(ctx), logKey, strings.NewReader(string(data)), int64(len(data)), putText)
		}
		reason := err.Error()
		if t := logs.Tail(); t != "" {
			reason += "\n--- last lines of the log:\n" + t
		}
		_ = j.d.EmitAs(name, &events.BuildFailed{Stack: j.st.Name, Component: c.Component, Distro: c.Distro, Reason: reason, LogKey: logKey,
			Request: j.request, Builder: j.b.ID, Seconds: time.Since(start).Seconds()})
		return nil, &cellFailure{err}
	}
	fmt.Fprintf(logs, "ringmaster: building %s in %s (build key %s)\n", name, img, key[:16])
	if err := j.sources(ctx, comp, srcDir, logs); err != nil {
		return fail(err)
	}
	deps, err := j.installDeps(ctx, c.Distro, c.Deps, filepath.Join(base, "deps"))
	if err != nil {
		return fail(err)
	}
	patches := make([]string, len(comp.Patches))
	for i, p := range comp.Patches {
		patches[i] = comp.Path(p)
	}
	spec := cell.Spec{
		RunID: j.d.Envelope.RunID, Owner: j.b.Owner, Stack: j.st.Name, Component: c.Component, Distro: c.Distro, Image: img,
		SourceDir: srcDir, PatchFiles: patches, Commands: comp.Build.Commands, Env: comp.Build.Env,
		DepsDirs: deps, OutDir: outDir, Timeout: 30 * time.Minute,
	}
	if _, err := cell.Run(ctx, j.b.Docker, spec, logs); err != nil {
		return fail(err)
	}
	// The build number is the bus's to give (a bus that does not answer is
	// no failure of the cell); it is taken after the build, so a build that
	// fails takes no number.
	number := 1
	if j.b.Numbers != nil {
		if number, err = j.b.Numbers.Of(ctx, comp.Name, c.Distro, comp.Version+"-"+comp.Release, key); err != nil {
			return fail(fmt.Errorf("%w: %w", errUnavailable, err))
		}
		if number > 1 {
			fmt.Fprintf(logs, "ringmaster: build %d of %s %s-%s on %s (earlier builds had other inputs)\n", number, comp.Name, comp.Version, comp.Release, c.Distro)
		}
	}
	art, err := packaging.Deb.Package(ctx, comp, outDir, c.Distro, "amd64", packaging.Options{OutDir: pkgDir, Rebuild: number})
	if err != nil {
		return fail(fmt.Errorf("package: %w", err))
	}
	fmt.Fprintf(logs, "ringmaster: packaged %s (%d bytes, sha256 %s)\n", art.Filename, art.Size, art.SHA256)
	logs.Close()
	r, err := saveOutputs(ctx, j.b.Store, result{Component: c.Component, Distro: c.Distro, Key: key}, []packaging.Artifact{art}, logPath)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// sources puts a component's sources into dir: local trees are copied,
// archives are fetched into the content-addressed cache and unpacked safely.
func (j *job) sources(ctx context.Context, comp *stack.Component, dir string, log io.Writer) error {
	for i, s := range comp.Sources {
		dest := dir
		if i > 0 {
			dest = filepath.Join(dir, fmt.Sprintf("source%d", i))
		}
		if s.Dir != "" {
			fmt.Fprintf(log, "ringmaster: source %s (local tree)\n", s.Dir)
			if err := copyTree(comp.Path(s.Dir), dest); err != nil {
				return fmt.Errorf("source %s: %w", s.Dir, err)
			}
			continue
		}
		res, err := j.b.Fetcher.Fetch(ctx, s.URL, s.SHA256)
		if err != nil {
			return fmt.Errorf("source %s: %w", s.URL, err)
		}
		fmt.Fprintf(log, "ringmaster: source %s (sha256 %s, %s)\n", s.URL, s.SHA256, map[bool]string{true: "cached", false: "downloaded"}[res.Cached])
		archive := filepath.Join(filepath.Dir(dir), "archive-"+s.SHA256)
		if err := download(ctx, j.b.Store, res.Key, archive); err != nil {
			return err
		}
		if i == 0 {
			_ = os.Remove(dest) // Extract creates dest
		}
		if err := unpack.Extract(ctx, archive, dest, unpack.Options{}); err != nil {
			return fmt.Errorf("unpack %s: %w", s.URL, err)
		}
	}
	return nil
}

// ErrDocker means builds cannot run on this host.
var ErrDocker = errors.New("docker is not available to the builder")
