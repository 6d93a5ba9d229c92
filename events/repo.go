package events

// RepoPublishRequested asks repo-publisher to publish packages into a channel.
type RepoPublishRequested struct {
	Channel  string       `json:"channel" doc:"nightly, stable, ..."`
	Distros  []string     `json:"distros"`
	Packages []PackageRef `json:"packages"`
	// Inspected, when set, is a claim check: the key of one object the
	// uploader wrote (uploads/inspected/sha256/<sha256>.json.gz) holding the
	// index metadata of the .debs it placed at their pool keys, so the
	// publisher need not read them back (it confirms size and MD5 with the
	// S3 server). Optional: without it every package is read.
	Inspected string `json:"inspected,omitempty" doc:"optional: blob key of the uploader's index metadata for packages at their pool keys (claim check; older clients leave it out)"`
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

// RepoPromoteRequested asks repo-publisher to add packages already published
// in one channel to another, e.g. nightly → stable. Pool files are shared:
// only the target's indexes change.
type RepoPromoteRequested struct {
	From     string   `json:"from" doc:"source channel, e.g. nightly"`
	To       string   `json:"to" doc:"target channel, e.g. stable"`
	Distros  []string `json:"distros,omitempty" doc:"only these distros of the source channel (default: every distro holding a match)"`
	Packages []string `json:"packages" doc:"name@version as ring repo list shows it, e.g. ringhello@1.0.0-1 (every architecture)"`
}

// RepoGCRequested asks repo-publisher to delete repository objects retired
// longer than the grace period, and stale uploads.
type RepoGCRequested struct {
	Channel string `json:"channel,omitempty" doc:"one channel; empty means every channel"`
	Grace   string `json:"grace,omitempty" doc:"Go duration, default 1h: objects retired (or uploaded) less than this long ago are kept"`
	DryRun  bool   `json:"dry_run,omitempty" doc:"report what would be deleted, delete nothing"`
	// Retire and RetireIdle end channels nobody reads any more: a pull or
	// merge request's pr-<n> once the request closed, or after an age.
	Retire     []string `json:"retire,omitempty" doc:"channels to retire first: every index they publish is retired (deleted once older than the grace) and their package lists emptied; pool files stay; a channel that does not exist is skipped"`
	RetireIdle string   `json:"retire_idle,omitempty" doc:"Go duration: pr-<n> channels not published to for at least this long are retired too, e.g. 720h; empty retires none by age"`
}

// RepoGCFinished reports what a garbage collection deleted (or would delete).
type RepoGCFinished struct {
	Channel      string   `json:"channel" doc:"as requested; empty means every channel"`
	Channels     []string `json:"channels" doc:"the channels collected"`
	Deleted      []string `json:"deleted" doc:"keys deleted (or that would be), at most the first 1000"`
	DeletedCount int      `json:"deleted_count" doc:"how many keys were deleted (or would be), uploads included"`
	Uploads      int      `json:"uploads" doc:"how many of them were stale uploads under uploads/"`
	Kept         int      `json:"kept" doc:"retired objects still within the grace period"`
	Retired      []string `json:"retired,omitempty" doc:"channels this gc retired (or would): asked for, or pr-<n> idle longer than retire_idle"`
	Removed      []string `json:"removed,omitempty" doc:"retired channels whose last object went: their manifest is deleted, the channel no longer exists"`
	DryRun       bool     `json:"dry_run"`
}
