// Command ring is Ringmaster's CLI and its all-in-one `ring up`.
package main

import (
	"os"

	"ringmaster.dev/ring/cli"
)

func main() { os.Exit(cli.Execute()) }
