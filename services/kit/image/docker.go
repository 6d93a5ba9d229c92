package image

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/docker/client"
)

// Connect returns a Docker client for the local daemon (DOCKER_HOST etc.
// are honoured), after checking within 5 s that the daemon answers.
func Connect(ctx context.Context) (*client.Client, error) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.Ping(pctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("docker daemon does not answer at %s: %w (is it running? is DOCKER_HOST right?)", c.DaemonHost(), err)
	}
	return c, nil
}
