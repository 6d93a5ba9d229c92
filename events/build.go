package events

// BuildRequested asks the builder to build a stack's matrix of components × distros.
type BuildRequested struct {
	Stack      string   `json:"stack" doc:"stack name under infra/stacks/"`
	Components []string `json:"components,omitempty" doc:"components to build; empty means all"`
	Distros    []string `json:"distros,omitempty" doc:"distros to build for; empty means all"`
	Channel    string   `json:"channel,omitempty" doc:"repository channel to publish into (default: the stack's channel)"`
}

// BuildSucceeded reports one built matrix cell and its packages.
type BuildSucceeded struct {
	Stack     string       `json:"stack"`
	Component string       `json:"component"`
	Distro    string       `json:"distro"`
	BuildKey  string       `json:"build_key" doc:"hash of recipe, sources, patches and toolchain image"`
	Cached    bool         `json:"cached" doc:"artifacts already existed for this build key"`
	Packages  []PackageRef `json:"packages"`
	LogKey    string       `json:"log_key,omitempty" doc:"object key of the full build log"`
}

// BuildFailed reports a matrix cell that failed or was skipped.
type BuildFailed struct {
	Stack     string `json:"stack"`
	Component string `json:"component"`
	Distro    string `json:"distro"`
	Reason    string `json:"reason"`
	Skipped   bool   `json:"skipped" doc:"not attempted because a dependency failed"`
	LogKey    string `json:"log_key,omitempty"`
}

// PackageRef names a package file in the blob store.
type PackageRef struct {
	Key    string `json:"key" doc:"object key in the blob store"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// SourceFetchRequested asks the builder to download a source archive into the
// content-addressed source cache.
type SourceFetchRequested struct {
	URL    string `json:"url" doc:"http(s) URL of the source archive"`
	SHA256 string `json:"sha256" doc:"expected sha256 of the archive (64 hex digits)"`
}

// SourceFetched reports a verified source archive in the cache.
type SourceFetched struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	Key    string `json:"key" doc:"object key: sources/sha256/<hash>"`
	Size   int64  `json:"size"`
	Cached bool   `json:"cached" doc:"the archive was already in the cache; nothing was downloaded"`
}

// BuildLog carries a batch of a build cell's log lines, live.
type BuildLog struct {
	Stack     string   `json:"stack"`
	Component string   `json:"component"`
	Distro    string   `json:"distro"`
	Seq       int      `json:"seq" doc:"batch number, from 0"`
	Lines     []string `json:"lines"`
}

// BuildFinished summarizes a whole build request.
type BuildFinished struct {
	Stack   string       `json:"stack"`
	Channel string       `json:"channel"`
	Cells   []CellResult `json:"cells"`
}

// CellResult is how one matrix cell ended.
type CellResult struct {
	Component string  `json:"component"`
	Distro    string  `json:"distro"`
	State     string  `json:"state" doc:"ok, failed or skipped"`
	Reason    string  `json:"reason,omitempty"`
	Cached    bool    `json:"cached"`
	Seconds   float64 `json:"seconds"`
	LogKey    string  `json:"log_key,omitempty"`
}
