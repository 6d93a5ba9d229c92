package cell

import (
	"context"
	"errors"
	"fmt"
	"strings"

	errdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/pkg/stringid"
)

// Cleanup force-removes every container, running or not, that matches
// labelSelector ("key" or "key=value", e.g. LabelRole+"="+RoleBuild for
// everything a killed predecessor left, or LabelRun+"="+id for one run).
// Only ringmaster.* labels are accepted, so it never touches containers
// it does not own. It returns how many containers it removed.
func Cleanup(ctx context.Context, docker Docker, labelSelector string) (int, error) {
	if !strings.HasPrefix(labelSelector, "ringmaster.") {
		return 0, fmt.Errorf("%w: label selector %q: want ringmaster.<key>[=<value>]", ErrSpec, labelSelector)
	}
	list, err := docker.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", labelSelector))})
	if err != nil {
		return 0, fmt.Errorf("cleanup %s: list containers: %w", labelSelector, err)
	}
	n := 0
	var errs []error
	for _, c := range list {
		err := docker.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		switch {
		case err == nil:
			n++
		case errdefs.IsNotFound(err): // gone meanwhile
		default:
			errs = append(errs, fmt.Errorf("remove %s: %w", stringid.TruncateID(c.ID), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return n, fmt.Errorf("cleanup %s: %w", labelSelector, err)
	}
	return n, nil
}
