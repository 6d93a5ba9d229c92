// Package failpoint lets crash tests kill a real service process at a named
// point: when RING_FAILPOINT equals the point's name, Hit sends SIGKILL to
// its own process. Unset (always, outside tests), Hit does nothing.
package failpoint

import (
	"os"
	"syscall"
)

// Env names the failpoint that kills the process.
const Env = "RING_FAILPOINT"

// Hit kills the process if the failpoint name is armed.
func Hit(name string) {
	if v := os.Getenv(Env); v != "" && v == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // never returns: the signal ends the process
	}
}
