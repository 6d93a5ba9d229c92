package events

// ImageProgress reports where the build of a container image a command
// needs stands, live: the toolchain images a build's cells run in are made
// before the cells that need them start.
type ImageProgress struct {
	Image  string `json:"image" doc:"recipe name under infra/images, e.g. toolchain"`
	Distro string `json:"distro"`
	Tag    string `json:"tag" doc:"content-hash tag, ringmaster/<image>:<distro>-<hash12>"`
	Step   string `json:"step" doc:"waiting, apt-get update, downloading, extracting, installing, importing, then ready or failed"`
	// Detail says how far the step is, e.g. "12/69 packages", or how it ended.
	Detail string `json:"detail,omitempty" doc:"e.g. 12/69 packages; with ready: built in 1m32s or present; with failed: the reason"`
	// Seconds is the time since the image was asked for.
	Seconds float64 `json:"seconds"`
	Built   bool    `json:"built,omitempty" doc:"with ready: built now (false: it existed)"`
}

// RepoWaiting reports a publication that waits for another writer of the
// same channel (one writer per channel at a time); sent once, when the wait
// has lasted a second.
type RepoWaiting struct {
	Channel string   `json:"channel"`
	Distros []string `json:"distros,omitempty" doc:"what the waiting command publishes"`
	Holder  string   `json:"holder" doc:"who writes the channel now: <service>/<command id>"`
}
