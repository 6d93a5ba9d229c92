package cell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	errdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/docker/pkg/stringid"
)

// removeTimeout bounds the final removal of the container, which runs on a
// fresh context so that it happens even when ctx is cancelled.
const removeTimeout = 30 * time.Second

// logGrace is how long the log stream may trail the container's exit.
const logGrace = 5 * time.Second

// Run builds one cell: it creates the container, streams its combined
// output to log while it runs, and always removes it at the end. A build
// that exits non-zero returns an error matching ErrBuildFailed (an
// *ExitError); one that outlives spec.Timeout is killed and returns
// ErrTimeout; a cancelled ctx kills it too and returns ctx's error.
func Run(ctx context.Context, docker Docker, spec Spec, log io.Writer) (res Result, err error) {
	start := time.Now()
	defer func() { res.Took = time.Since(start) }()
	if log == nil {
		log = io.Discard
	}
	spec, err = spec.validate()
	if err != nil {
		return res, err
	}
	name := spec.Component + "/" + spec.Distro
	if err := checkDirs(spec); err != nil {
		return res, err
	}
	work, err := os.MkdirTemp(filepath.Dir(spec.OutDir), ".build-"+spec.Component+"-")
	if err != nil {
		return res, fmt.Errorf("cell %s: work dir: %w", name, err)
	}
	defer os.RemoveAll(work)

	cfg, host := containerConfig(spec, work)
	created, err := docker.ContainerCreate(ctx, cfg, host, nil, nil, "")
	if err != nil {
		if errdefs.IsNotFound(err) {
			return res, fmt.Errorf("cell %s: image %s is not built (builds never pull): %w", name, spec.Image, err)
		}
		return res, fmt.Errorf("cell %s: create container: %w", name, err)
	}
	id := created.ID
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
		defer cancel()
		if rerr := docker.ContainerRemove(rctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true}); rerr != nil && !errdefs.IsNotFound(rerr) {
			err = errors.Join(err, fmt.Errorf("cell %s: remove container %s: %w", name, stringid.TruncateID(id), rerr))
		}
	}()
	fmt.Fprintf(log, "ringmaster: building %s in %s (container %s)\n", name, spec.Image, stringid.TruncateID(id))
	for _, w := range created.Warnings { // e.g. a limit the kernel cannot enforce
		fmt.Fprintf(log, "ringmaster: docker warning: %s\n", w)
	}

	runCtx, cancel := context.WithCancel(ctx)
	if spec.Timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, spec.Timeout)
	}
	defer cancel()
	if err := docker.ContainerStart(runCtx, id, container.StartOptions{}); err != nil {
		return res, fmt.Errorf("cell %s: start container: %w", name, err)
	}
	logs := follow(ctx, docker, id, log)
	defer logs.stop()

	waitC, errC := docker.ContainerWait(runCtx, id, container.WaitConditionNotRunning)
	select {
	case w := <-waitC:
		logs.drain()
		if w.Error != nil && w.Error.Message != "" {
			return res, fmt.Errorf("cell %s: wait: %s", name, w.Error.Message)
		}
		res.ExitCode = int(w.StatusCode)
		if res.ExitCode != 0 {
			return res, fmt.Errorf("cell %s: %w", name, &ExitError{Code: res.ExitCode})
		}
		return res, nil
	case err = <-errC:
		if runCtx.Err() == nil {
			return res, fmt.Errorf("cell %s: wait: %w", name, err)
		}
	case <-runCtx.Done():
	}
	// Timed out or cancelled: kill now, removal follows in the defer.
	kctx, kcancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer kcancel()
	if kerr := docker.ContainerKill(kctx, id, "KILL"); kerr != nil && !errdefs.IsNotFound(kerr) && !errdefs.IsConflict(kerr) {
		err = fmt.Errorf("kill: %w", kerr)
	} else {
		err = nil
	}
	logs.drain()
	res.ExitCode = -1
	if ctx.Err() != nil {
		return res, errors.Join(fmt.Errorf("cell %s: %w", name, context.Cause(ctx)), err)
	}
	fmt.Fprintf(log, "ringmaster: %s killed after %s\n", name, spec.Timeout)
	return res, errors.Join(fmt.Errorf("cell %s: %w after %s", name, ErrTimeout, spec.Timeout), err)
}

// checkDirs makes sure the mounted host paths exist (Docker would refuse
// with a less clear message) and creates OutDir.
func checkDirs(s Spec) error {
	if err := os.MkdirAll(s.OutDir, 0o755); err != nil {
		return fmt.Errorf("%w: OutDir: %w", ErrSpec, err)
	}
	check := func(what, p string, dir bool) error {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrSpec, what, err)
		}
		if fi.IsDir() != dir {
			return fmt.Errorf("%w: %s: %s is a directory: %v", ErrSpec, what, p, fi.IsDir())
		}
		return nil
	}
	if err := check("SourceDir", s.SourceDir, true); err != nil {
		return err
	}
	for c, d := range s.DepsDirs {
		if err := check("DepsDirs["+c+"]", d, true); err != nil {
			return err
		}
	}
	for i, p := range s.PatchFiles {
		if err := check(fmt.Sprintf("PatchFiles[%d]", i), p, false); err != nil {
			return err
		}
	}
	return nil
}

// containerConfig is the locked-down container of a cell; work is the
// host dir mounted at /build.
func containerConfig(s Spec, work string) (*container.Config, *container.HostConfig) {
	mounts := []mount.Mount{
		{Type: mount.TypeBind, Source: s.SourceDir, Target: SrcPath, ReadOnly: true},
		{Type: mount.TypeBind, Source: work, Target: BuildPath},
		{Type: mount.TypeBind, Source: s.OutDir, Target: OutPath},
	}
	for i, target := range patchTargets(s.PatchFiles) {
		mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: s.PatchFiles[i], Target: target, ReadOnly: true})
	}
	for _, c := range sortedKeys(s.DepsDirs) {
		mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: s.DepsDirs[c], Target: path.Join(DepsPath, c), ReadOnly: true})
	}
	pids := s.PidsLimit
	init := true
	cfg := &container.Config{
		Image:      s.Image,
		Cmd:        []string{"/bin/sh", "-c", script(s.Commands)},
		Env:        env(s),
		WorkingDir: BuildPath,
		// A fixed host name: builds that record it stay reproducible.
		Hostname: "ringmaster-build",
		// The caller's uid/gid: output files belong to it, and the build
		// needs no capability to write /build and /out.
		User:            strconv.Itoa(os.Getuid()) + ":" + strconv.Itoa(os.Getgid()),
		NetworkDisabled: true,
		Labels: map[string]string{
			LabelRun: s.RunID, LabelStack: s.Stack, LabelComponent: s.Component,
			LabelDistro: s.Distro, LabelRole: RoleBuild, LabelOwner: s.Owner,
		},
	}
	host := &container.HostConfig{
		NetworkMode: "none",
		Privileged:  false,
		CapDrop:     []string{"ALL"},
		SecurityOpt: []string{"no-new-privileges"},
		Init:        &init, // reaps make's orphans; KILL takes the whole tree
		Mounts:      mounts,
		Resources: container.Resources{
			Memory:     s.MemoryBytes,
			MemorySwap: s.MemoryBytes, // no swap
			PidsLimit:  &pids,
		},
	}
	return cfg, host
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// logStream copies the container's followed logs to a writer.
type logStream struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func follow(ctx context.Context, docker Docker, id string, w io.Writer) *logStream {
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ls := &logStream{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(ls.done)
		rc, err := docker.ContainerLogs(lctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
		if err != nil {
			if lctx.Err() == nil {
				fmt.Fprintf(w, "ringmaster: cannot follow the logs: %v\n", err)
			}
			return
		}
		defer rc.Close()
		_, _ = stdcopy.StdCopy(w, w, rc)
	}()
	return ls
}

// drain waits a little for the stream to end after the container stopped.
func (l *logStream) drain() {
	select {
	case <-l.done:
	case <-time.After(logGrace):
	}
}

// stop ends the stream and waits until nothing writes to w any more.
func (l *logStream) stop() {
	l.cancel()
	<-l.done
}
