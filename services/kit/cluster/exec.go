package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// ExecResult is a finished command in a node.
type ExecResult struct {
	ExitCode       int
	Stdout, Stderr []byte
}

// ExecError is a command that exited non-zero; it carries the output tail.
type ExecError struct {
	Node   string
	Cmd    []string
	Result ExecResult
}

func (e *ExecError) Error() string {
	tail := strings.TrimSpace(string(e.Result.Stderr))
	if tail == "" {
		tail = strings.TrimSpace(string(e.Result.Stdout))
	}
	if len(tail) > 2000 {
		tail = "…" + tail[len(tail)-2000:]
	}
	return fmt.Sprintf("%s: %s: exit code %d: %s", e.Node, strings.Join(e.Cmd, " "), e.Result.ExitCode, tail)
}

// ExecOptions shape one command.
type ExecOptions struct {
	Stdin io.Reader
	Env   []string
	User  string
	// Stdout and Stderr, when set, receive the output as it comes (it is
	// then not kept in the result).
	Stdout, Stderr io.Writer
	TTY            bool
}

// Exec runs cmd in the node and waits for it. A non-zero exit is not an
// error here; Run makes it one.
func (p *Provider) Exec(ctx context.Context, n Node, cmd []string, o ExecOptions) (ExecResult, error) {
	ex, err := p.c.ContainerExecCreate(ctx, n.ID, container.ExecOptions{
		Cmd: cmd, Env: o.Env, User: o.User, AttachStdout: true, AttachStderr: true,
		AttachStdin: o.Stdin != nil, Tty: o.TTY,
	})
	if err != nil {
		return ExecResult{}, fmt.Errorf("%s: exec %s: %w", n.Name, strings.Join(cmd, " "), err)
	}
	att, err := p.c.ContainerExecAttach(ctx, ex.ID, container.ExecAttachOptions{Tty: o.TTY})
	if err != nil {
		return ExecResult{}, fmt.Errorf("%s: attach: %w", n.Name, err)
	}
	defer att.Close()
	if o.Stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, o.Stdin)
			_ = att.CloseWrite()
		}()
	}
	var stdout, stderr bytes.Buffer
	var wo, we io.Writer = &stdout, &stderr
	if o.Stdout != nil {
		wo = o.Stdout
	}
	if o.Stderr != nil {
		we = o.Stderr
	}
	done := make(chan error, 1)
	go func() {
		if o.TTY {
			_, err := io.Copy(wo, att.Reader)
			done <- err
			return
		}
		_, err := stdcopy.StdCopy(wo, we, att.Reader)
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		att.Close()
		return ExecResult{}, fmt.Errorf("%s: %s: %w", n.Name, strings.Join(cmd, " "), ctx.Err())
	}
	if err != nil {
		return ExecResult{}, fmt.Errorf("%s: read output: %w", n.Name, err)
	}
	in, err := p.c.ContainerExecInspect(ctx, ex.ID)
	if err != nil {
		return ExecResult{}, fmt.Errorf("%s: exec inspect: %w", n.Name, err)
	}
	return ExecResult{ExitCode: in.ExitCode, Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}, nil
}

// Run is Exec that turns a non-zero exit into an *ExecError.
func (p *Provider) Run(ctx context.Context, n Node, cmd ...string) (ExecResult, error) {
	r, err := p.Exec(ctx, n, cmd, ExecOptions{})
	if err != nil {
		return r, err
	}
	if r.ExitCode != 0 {
		return r, &ExecError{Node: n.Name, Cmd: cmd, Result: r}
	}
	return r, nil
}
