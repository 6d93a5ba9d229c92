package provisioner

import (
	"flag"
	"os"
	"strconv"
	"time"

	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/dockerhost"
)

// Env var names of the provisioner's own settings.
const (
	EnvHostName     = "RING_DOCKER_HOST_NAME"
	EnvHostMemoryMB = "RING_DOCKER_HOST_MEMORY_MB"
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
	// Host names the Docker host this provisioner creates clusters on, the
	// one its Docker client reaches (DOCKER_HOST): clusters the admission
	// places there come to it (env RING_DOCKER_HOST_NAME, default "local").
	Host string
	// HostMemoryMB declares the host's memory the policy counts clusters
	// against, instead of what Docker measures (env
	// RING_DOCKER_HOST_MEMORY_MB; 0: measured).
	HostMemoryMB int
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
	o.Host = config.Env(EnvHostName, dockerhost.Default)
	if n, err := strconv.Atoi(os.Getenv(EnvHostMemoryMB)); err == nil && n > 0 {
		o.HostMemoryMB = n
	}
	return o
}

// Flags registers the provisioner's own flags of a standalone provisioner,
// with the values OptionsFromEnv read as defaults.
func (o *Options) Flags(fs *flag.FlagSet) {
	fs.StringVar(&o.Host, "docker-host-name", o.Host, "name of the Docker host this provisioner creates clusters on (its DOCKER_HOST); one provisioner per host, each with its own name (env "+EnvHostName+")")
	fs.IntVar(&o.HostMemoryMB, "host-memory-mb", o.HostMemoryMB, "memory of the Docker host in MB the compatibility policy counts clusters against (env "+EnvHostMemoryMB+"; default: as Docker measures it)")
}
