// Command builder runs the builder service alone against external NATS and S3.
//
// Several builders share the work: any of them coordinates a build request,
// and each builds the cells of the distros it declares (--distros).
package main

import (
	"context"
	"flag"

	"ringmaster.dev/builder"
	"ringmaster.dev/kit/service"
)

func main() {
	opts := builder.OptionsFromEnv()
	factory := func(ctx context.Context, deps service.Deps) (service.Definition, error) {
		return builder.Factory(opts)(ctx, deps) // opts as the flags left them
	}
	service.Main(builder.Name, factory, func(fs *flag.FlagSet) { opts.Flags(fs) })
}
