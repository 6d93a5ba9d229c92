// Package realm is the kerberos-realm service: a KDC per cluster and cross-realm trust (issue #7).
//
// Until then it runs a real worker on its command stream that answers pings
// and fails its commands with a clear "not implemented yet": no fake success.
package realm

import (
	"context"

	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/service"
)

// Name is the service name.
const Name = "kerberos-realm"

// New is the service's service.Factory.
func New(_ context.Context, _ service.Deps) (service.Definition, error) {
	return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
		"realm.create.requested": bus.NotImplemented("Kerberos realms arrive with issue #7"),
		"realm.trust.requested":  bus.NotImplemented("cross-realm trust arrives with issue #7"),
	}}, nil
}
