package platform

import (
	builder "ringmaster.dev/builder"
	realm "ringmaster.dev/kerberos-realm"
	"ringmaster.dev/kit/service"
	provisioner "ringmaster.dev/provisioner"
	publisher "ringmaster.dev/repo-publisher"
	tester "ringmaster.dev/tester"
)

// Factories is every service `ring up` runs, by name.
var Factories = map[string]service.Factory{
	builder.Name:     builder.New,
	publisher.Name:   publisher.New,
	provisioner.Name: provisioner.New,
	tester.Name:      tester.New,
	realm.Name:       realm.New,
}
