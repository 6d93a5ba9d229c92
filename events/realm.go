package events

// RealmCreateRequested asks kerberos-realm for a KDC and realm for a cluster.
type RealmCreateRequested struct {
	Realm   string `json:"realm"`
	Cluster string `json:"cluster"`
}

// RealmTrustRequested asks for cross-realm trust between realms.
type RealmTrustRequested struct {
	Realms   []string `json:"realms"`
	Topology string   `json:"topology,omitempty" doc:"mesh or chain"`
	Remove   bool     `json:"remove,omitempty" doc:"remove the trust instead"`
}

// RealmReady reports a realm with principals and keytabs installed.
type RealmReady struct {
	Realm   string `json:"realm"`
	Cluster string `json:"cluster"`
	KDC     string `json:"kdc"`
}

// RealmTrusted reports trust set up (or removed) between realms.
type RealmTrusted struct {
	Realms   []string `json:"realms"`
	Topology string   `json:"topology"`
	Removed  bool     `json:"removed,omitempty"`
}
