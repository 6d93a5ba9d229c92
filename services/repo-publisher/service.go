// Package publisher is the repo-publisher service: it publishes packages as signed APT and YUM repositories in S3 (issue #4).
//
// Until then it runs a real worker on its command stream that answers pings
// and fails its commands with a clear "not implemented yet": no fake success.
package publisher

import (
	"context"

	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/service"
)

// Name is the service name.
const Name = "repo-publisher"

// New is the service's service.Factory.
func New(_ context.Context, _ service.Deps) (service.Definition, error) {
	return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
		"repo.publish.requested": bus.NotImplemented("signed APT and YUM repositories arrive with issue #4"),
	}}, nil
}
