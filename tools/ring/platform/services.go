package platform

import (
	builder "ringmaster.dev/builder"
	realm "ringmaster.dev/kerberos-realm"
	"ringmaster.dev/kit/service"
	provisioner "ringmaster.dev/provisioner"
	publisher "ringmaster.dev/repo-publisher"
	tester "ringmaster.dev/tester"
)

// ServiceNames is every service `ring up` runs.
var ServiceNames = []string{builder.Name, realm.Name, provisioner.Name, publisher.Name, tester.Name}

// factories builds each service's factory. Paths in cfg are absolute: the
// embedded S3 server changes the working directory before services start.
func factories(cfg Config) map[string]service.Factory {
	return map[string]service.Factory{
		builder.Name:     builder.Factory(cfg.Builder),
		publisher.Name:   publisher.New,
		provisioner.Name: provisioner.Factory(cfg.Provisioner),
		tester.Name:      tester.New,
		realm.Name:       realm.Factory(cfg.Provisioner.ImagesDir),
	}
}
