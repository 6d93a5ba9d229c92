// Command provisioner runs the provisioner service alone against external NATS and S3.
package main

import (
	"ringmaster.dev/kit/service"
	provisioner "ringmaster.dev/provisioner"
)

func main() { service.Main(provisioner.Name, provisioner.New) }
