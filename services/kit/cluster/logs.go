package cluster

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Logs copies a node's container output (its boot script and services
// started from it) to w; tail < 0 means all.
func (p *Provider) Logs(ctx context.Context, n Node, w io.Writer, follow bool, tail int) error {
	t := "all"
	if tail >= 0 {
		t = strconv.Itoa(tail)
	}
	rc, err := p.c.ContainerLogs(ctx, n.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow, Tail: t})
	if err != nil {
		return fmt.Errorf("%s: logs: %w", n.Name, err)
	}
	defer rc.Close()
	_, err = stdcopy.StdCopy(w, w, rc)
	return err
}
