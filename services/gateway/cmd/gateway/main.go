// Command gateway runs the gateway service alone against external NATS and
// S3: the HTTP front door (webhooks, run pages) and the pipeline runs.
package main

import (
	"context"
	"flag"

	"ringmaster.dev/gateway"
	"ringmaster.dev/kit/service"
)

func main() {
	opts := gateway.OptionsFromEnv()
	service.Main(gateway.Name, func(ctx context.Context, deps service.Deps) (service.Definition, error) {
		return gateway.Factory(opts)(ctx, deps)
	}, func(fs *flag.FlagSet) {
		fs.StringVar(&opts.HTTP, "http", opts.HTTP, "address the HTTP server listens on; port 0: any free port (env "+gateway.EnvHTTP+")")
		fs.StringVar(&opts.PublicURL, "public-url", opts.PublicURL, "base URL forges and people reach the gateway at, for links in commit statuses (env "+gateway.EnvPublicURL+"; default http://<listen address>)")
	})
}
