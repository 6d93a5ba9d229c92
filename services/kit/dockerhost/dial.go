package dockerhost

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/docker/client"
)

// Dial connects to the Docker daemon at endpoint (a DOCKER_HOST value such
// as unix:///var/run/docker.sock or tcp://rack2:2375; "": the environment's,
// as the docker CLI), after checking within 5 s that it answers.
func Dial(ctx context.Context, endpoint string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if endpoint != "" {
		opts = append(opts, client.WithHost(endpoint))
	}
	c, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker client for %s: %w", endpoint, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.Ping(pctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("docker daemon does not answer at %s: %w", c.DaemonHost(), err)
	}
	return c, nil
}
