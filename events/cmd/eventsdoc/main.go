// Command eventsdoc writes docs/events.md from the event catalog.
//
//	go run ./events/cmd/eventsdoc docs/events.md
package main

import (
	"fmt"
	"os"

	"ringmaster.dev/events"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: eventsdoc PATH   (example: go run ./events/cmd/eventsdoc docs/events.md)")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], []byte(events.Markdown()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "eventsdoc:", err)
		os.Exit(1)
	}
}
