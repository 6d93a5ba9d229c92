// Command builder runs the builder service alone against external NATS and S3.
package main

import (
	"ringmaster.dev/builder"
	"ringmaster.dev/kit/service"
)

func main() { service.Main(builder.Name, builder.New) }
