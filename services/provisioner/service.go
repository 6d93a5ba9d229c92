// Package provisioner is the provisioner service: it checks cluster specs against the compatibility policy and creates clusters in Docker (issue #6).
//
// Until then it runs a real worker on its command stream that answers pings
// and fails its commands with a clear "not implemented yet": no fake success.
package provisioner

import (
	"context"

	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/service"
)

// Name is the service name.
const Name = "provisioner"

// New is the service's service.Factory.
func New(_ context.Context, _ service.Deps) (service.Definition, error) {
	return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
		"cluster.create.requested":  bus.NotImplemented("clusters arrive with issue #6 (OPA gate, provisioner)"),
		"cluster.destroy.requested": bus.NotImplemented("clusters arrive with issue #6 (OPA gate, provisioner)"),
	}}, nil
}
