package events

// RepoPublishRequested asks repo-publisher to publish packages into a channel.
type RepoPublishRequested struct {
	Channel  string       `json:"channel" doc:"nightly, stable, ..."`
	Distros  []string     `json:"distros"`
	Packages []PackageRef `json:"packages"`
}

// RepoPublished reports signed repository metadata that is live for readers.
type RepoPublished struct {
	Channel string            `json:"channel"`
	Distros []string          `json:"distros"`
	URLs    map[string]string `json:"urls" doc:"repository base URL per format (apt, yum)"`
	Hashes  map[string]string `json:"hashes" doc:"sha256 of InRelease and repomd.xml per distro"`
}

// MirrorSynced reports a mirror made current with a published repository.
type MirrorSynced struct {
	Source  string `json:"source"`
	Dest    string `json:"dest"`
	Fetched int    `json:"fetched"`
	Skipped int    `json:"skipped"`
	Bytes   int64  `json:"bytes"`
}
