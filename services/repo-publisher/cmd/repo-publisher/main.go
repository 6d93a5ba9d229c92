// Command repo-publisher runs the repo-publisher service alone against external NATS and S3.
package main

import (
	"ringmaster.dev/kit/service"
	publisher "ringmaster.dev/repo-publisher"
)

func main() { service.Main(publisher.Name, publisher.New) }
