// Command kerberos-realm runs the kerberos-realm service alone against external NATS and S3.
package main

import (
	realm "ringmaster.dev/kerberos-realm"
	"ringmaster.dev/kit/service"
)

func main() { service.Main(realm.Name, realm.New) }
