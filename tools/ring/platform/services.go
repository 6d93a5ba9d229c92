package platform

import (
	"fmt"
	"slices"
	"strings"

	builder "ringmaster.dev/builder"
	"ringmaster.dev/gateway"
	realm "ringmaster.dev/kerberos-realm"
	"ringmaster.dev/kit/service"
	provisioner "ringmaster.dev/provisioner"
	publisher "ringmaster.dev/repo-publisher"
	tester "ringmaster.dev/tester"
)

// ServiceNames is every service `ring up` runs.
var ServiceNames = []string{builder.Name, gateway.Name, realm.Name, provisioner.Name, publisher.Name, tester.Name}

// factories builds each service's factory. Paths in cfg are absolute: the
// embedded S3 server changes the working directory before services start.
func factories(cfg Config) map[string]service.Factory {
	return map[string]service.Factory{
		builder.Name:     builder.Factory(cfg.Builder),
		publisher.Name:   publisher.New,
		provisioner.Name: provisioner.Factory(cfg.Provisioner),
		tester.Name:      tester.New,
		realm.Name:       realm.Factory(cfg.Provisioner.ImagesDir),
		gateway.Name:     gateway.Factory(cfg.Gateway),
	}
}

// SelectServices checks a --services list: nil or empty means every
// service, "none" none (the servers alone); anything else must name
// services of ServiceNames.
func SelectServices(names []string) ([]string, error) {
	if len(names) == 0 {
		return ServiceNames, nil
	}
	if len(names) == 1 && names[0] == "none" {
		return []string{}, nil
	}
	var out []string
	for _, n := range names {
		if !slices.Contains(ServiceNames, n) {
			return nil, fmt.Errorf("unknown service %q: want some of %s, or none", n, strings.Join(ServiceNames, ", "))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}
