// Package tester is the tester service: it runs smoke and integration suites against clusters (issue #6).
//
// Until then it runs a real worker on its command stream that answers pings
// and fails its commands with a clear "not implemented yet": no fake success.
package tester

import (
	"context"

	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/service"
)

// Name is the service name.
const Name = "tester"

// New is the service's service.Factory.
func New(_ context.Context, _ service.Deps) (service.Definition, error) {
	return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
		"test.run.requested":  bus.NotImplemented("test suites arrive with issue #6"),
		"sweep.run.requested": bus.NotImplemented("compatibility sweeps arrive after issue #6"),
	}}, nil
}
