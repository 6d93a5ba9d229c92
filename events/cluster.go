package events

// ClusterCreateRequested asks the provisioner for a cluster built from a signed repository.
type ClusterCreateRequested struct {
	Name  string `json:"name"`
	Stack string `json:"stack"`
	// Commit reads the stack as that commit has it (a stack from git: the
	// builder keeps each built commit's stack.yaml in the blob store).
	Commit   string         `json:"commit,omitempty" doc:"the stack as this commit has it (a stack from git)"`
	Channel  string         `json:"channel,omitempty"`
	Distro   string         `json:"distro,omitempty"`
	Nodes    int            `json:"nodes" doc:"0: the smallest cluster the compatibility policy allows"`
	Roles    map[string]int `json:"roles,omitempty" doc:"role → node count"`
	Kerberos string         `json:"kerberos,omitempty" doc:"realm to kerberize the cluster with"`
	From     string         `json:"from,omitempty" doc:"snapshot tag to start from"`
	MemoryMB int            `json:"memory_mb,omitempty" doc:"memory limit per node (default 768)"`
	// Versions pins components to other upstream versions than the stack's,
	// from the same channel.
	Versions map[string]string `json:"versions,omitempty" doc:"component → upstream version to install instead of the stack's"`
	// Builds pins packages to exact versions: a pipeline's cluster runs
	// the packages that pipeline built, not the newest in the channel.
	Builds map[string]string `json:"builds,omitempty" doc:"package → exact version to install (a pipeline's own build), pinned with apt preferences"`
	// KeepFailed leaves a cluster that failed to come up for inspection
	// instead of removing it.
	KeepFailed bool `json:"keep_failed,omitempty" doc:"keep a cluster that failed to come up, for inspection"`
	// Protected labels the cluster so that no chat-ops or REST request may
	// destroy it (the authorization policy's cluster-protected rule).
	Protected bool `json:"protected,omitempty" doc:"label the cluster protected: no chat-ops or REST request may destroy it"`
}

// ClusterProgress reports one step of creating a cluster, live.
type ClusterProgress struct {
	Name string `json:"name"`
	Node string `json:"node,omitempty"`
	Step string `json:"step" doc:"policy, network, image (the node image being built), node, install, configure, start, probe"`
	// Detail says what happened in a sentence.
	Detail string `json:"detail"`
}

// ClusterDestroyRequested asks the provisioner to remove a cluster, whatever its state.
type ClusterDestroyRequested struct {
	Name string `json:"name"`
}

// ClusterReady reports a cluster whose services answered their readiness probes.
type ClusterReady struct {
	Name      string            `json:"name"`
	Nodes     []string          `json:"nodes"`
	Endpoints map[string]string `json:"endpoints" doc:"<node>/<component> → host:port on the cluster network"`
	// Seconds is how long creation took, from the command to the last probe.
	Seconds float64 `json:"seconds"`
	From    string  `json:"from,omitempty" doc:"the snapshot it started from"`
	Host    string  `json:"host,omitempty" doc:"the Docker host it runs on (its provisioner's --docker-host-name)"`
}

// ClusterRejected reports a cluster spec the compatibility policy denied; nothing was created.
type ClusterRejected struct {
	Name    string       `json:"name"`
	Reasons []DenyReason `json:"reasons"`
}

// DenyReason is one policy rule that said no.
type DenyReason struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// ClusterFailed reports a cluster that could not be created.
type ClusterFailed struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	// Kept is true when the half-made cluster was left for inspection.
	Kept bool `json:"kept"`
}

// ClusterDestroyed reports a cluster that is gone.
type ClusterDestroyed struct {
	Name string `json:"name"`
}

// ClusterHostCreateRequested hands an admitted create to the provisioner
// of the Docker host the admission placed the cluster on (any provisioner
// admits a cluster.create.requested; this one creates it there). It carries
// the run of the original request, and is answered by the same facts.
type ClusterHostCreateRequested struct {
	Host    string                 `json:"host" doc:"name of the Docker host (its provisioner's --docker-host-name)"`
	Request ClusterCreateRequested `json:"request"`
}

// Route is the host's name: only that host's provisioners take it.
func (c ClusterHostCreateRequested) Route() string { return c.Host }

// ClusterHostDestroyRequested asks the provisioner of the Docker host that
// holds a cluster to remove it (cluster.destroy.requested is taken by any
// provisioner, which hands it on).
type ClusterHostDestroyRequested struct {
	Host string `json:"host" doc:"name of the Docker host holding the cluster"`
	Name string `json:"name"`
}

// Route is the host's name.
func (c ClusterHostDestroyRequested) Route() string { return c.Host }
