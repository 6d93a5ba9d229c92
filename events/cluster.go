package events

// ClusterCreateRequested asks the provisioner for a cluster built from a signed repository.
type ClusterCreateRequested struct {
	Name     string         `json:"name"`
	Stack    string         `json:"stack"`
	Channel  string         `json:"channel,omitempty"`
	Distro   string         `json:"distro,omitempty"`
	Nodes    int            `json:"nodes"`
	Roles    map[string]int `json:"roles,omitempty" doc:"role → node count"`
	Kerberos string         `json:"kerberos,omitempty" doc:"realm to kerberize the cluster with"`
	From     string         `json:"from,omitempty" doc:"snapshot tag to start from"`
}

// ClusterDestroyRequested asks the provisioner to remove a cluster, whatever its state.
type ClusterDestroyRequested struct {
	Name string `json:"name"`
}

// ClusterReady reports a cluster whose services answered their readiness probes.
type ClusterReady struct {
	Name      string            `json:"name"`
	Nodes     []string          `json:"nodes"`
	Endpoints map[string]string `json:"endpoints"`
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
}

// ClusterDestroyed reports a cluster that is gone.
type ClusterDestroyed struct {
	Name string `json:"name"`
}
