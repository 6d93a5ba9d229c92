// Command tester runs the tester service alone against external NATS and S3.
package main

import (
	"ringmaster.dev/kit/service"
	tester "ringmaster.dev/tester"
)

func main() { service.Main(tester.Name, tester.New) }
