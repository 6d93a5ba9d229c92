// Command stackschema writes the JSON Schema of stack.yaml:
//
//	go run ./services/kit/stack/cmd/stackschema docs/stack.schema.json
package main

import (
	"fmt"
	"os"

	"ringmaster.dev/kit/stack"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: stackschema OUTPUT.json")
		os.Exit(2)
	}
	data, err := stack.Schema()
	if err == nil {
		err = os.WriteFile(os.Args[1], data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stackschema:", err)
		os.Exit(1)
	}
}
