// Command provisioner runs the provisioner service alone against external NATS and S3.
//
// Run one per Docker host, each with its own --docker-host-name: any of them
// admits a cluster and places it on a host with the memory for it, and
// that host's provisioner creates it.
package main

import (
	"context"
	"flag"

	"ringmaster.dev/kit/service"
	provisioner "ringmaster.dev/provisioner"
)

func main() {
	opts := provisioner.OptionsFromEnv()
	factory := func(ctx context.Context, deps service.Deps) (service.Definition, error) {
		return provisioner.Factory(opts)(ctx, deps) // opts as the flags left them
	}
	service.Main(provisioner.Name, factory, func(fs *flag.FlagSet) { opts.Flags(fs) })
}
