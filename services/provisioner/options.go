package provisioner

import (
	"os"
	"time"

	"ringmaster.dev/kit/config"
)

// Options locate what the provisioner reads from the project and bound its
// waits.
type Options struct {
	// StacksDir holds <stack>/stack.yaml (env RING_STACKS, default infra/stacks).
	StacksDir string
	// RolesDir holds <component>/role.yaml (env RING_ROLES, default infra/roles).
	RolesDir string
	// CompatFile is the compatibility facts (env RING_COMPAT, default infra/compat/compat.json).
	CompatFile string
	// ImagesDir and DebCache are for building a missing node image.
	ImagesDir, DebCache string
	// ReadyTimeout bounds waiting for every probe (env RING_READY_TIMEOUT, default 3m).
	ReadyTimeout time.Duration
	// MemoryMB is the default memory limit of a node.
	MemoryMB int
}

// OptionsFromEnv reads the RING_* variables.
func OptionsFromEnv() Options {
	o := Options{
		StacksDir:    config.ProjectDir("RING_STACKS", "infra/stacks"),
		RolesDir:     config.ProjectDir("RING_ROLES", "infra/roles"),
		CompatFile:   config.ProjectDir("RING_COMPAT", "infra/compat/compat.json"),
		ImagesDir:    config.ProjectDir("RING_IMAGES", "infra/images"),
		ReadyTimeout: 3 * time.Minute,
		MemoryMB:     768,
	}
	if d, err := time.ParseDuration(os.Getenv("RING_READY_TIMEOUT")); err == nil && d > 0 {
		o.ReadyTimeout = d
	}
	o.DebCache = config.DebCache()
	return o
}
