package events

// BuildRequested asks the builder to build a stack's matrix of components × distros.
type BuildRequested struct {
	Stack      string   `json:"stack" doc:"stack name under infra/stacks/"`
	Components []string `json:"components,omitempty" doc:"components to build; empty means all"`
	Distros    []string `json:"distros,omitempty" doc:"distros to build for; empty means all"`
	Channel    string   `json:"channel,omitempty" doc:"repository channel to publish into (default: the stack's channel)"`
	// Git names the commit to build a stack from git at; empty means the
	// stack directory on the builder's disk.
	Git *GitRef `json:"git,omitempty" doc:"build the stack from this commit of its git repository"`
}

// GitRef is one commit of a stack's git repository.
type GitRef struct {
	Repo   string `json:"repo" doc:"clone URL (no credentials; a token comes from the builder's key directory)"`
	Commit string `json:"commit" doc:"full 40-hex commit id"`
	// Ref is the branch, tag or pull-request ref the commit was pushed to.
	Ref  string `json:"ref,omitempty" doc:"refs/heads/…, refs/tags/…, refs/pull/N/head or refs/merge-requests/N/head"`
	Path string `json:"path,omitempty" doc:"directory of stack.yaml in the repository (default: the repository's root)"`
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
	// Request is the id of the build.requested the cell was built for.
	Request string  `json:"request,omitempty" doc:"id of the build.requested whose matrix the cell belongs to"`
	Builder string  `json:"builder,omitempty" doc:"the builder that built (or found) it: host and work directory hash"`
	Seconds float64 `json:"seconds,omitempty" doc:"time the cell took on its builder"`
}

// BuildFailed reports a matrix cell that failed or was skipped.
type BuildFailed struct {
	Stack     string `json:"stack"`
	Component string `json:"component"`
	Distro    string `json:"distro"`
	Reason    string `json:"reason"`
	Skipped   bool   `json:"skipped" doc:"not attempted because a dependency failed"`
	LogKey    string `json:"log_key,omitempty"`
	// Request is the id of the build.requested the cell was built for.
	Request string  `json:"request,omitempty" doc:"id of the build.requested whose matrix the cell belongs to"`
	Builder string  `json:"builder,omitempty" doc:"the builder that tried it (empty: decided by the build's coordinator)"`
	Seconds float64 `json:"seconds,omitempty" doc:"time the cell took on its builder"`
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
	// Commit is the commit built, for a stack from git.
	Commit string `json:"commit,omitempty"`
	// Distros are the distros whose packages were sent to be published,
	// each answered by one repo.published (or command.failed).
	Published []string `json:"published,omitempty" doc:"distros whose packages were sent to the repo-publisher"`
	// Test is the stack's test section, as the commit has it.
	Test *TestSpec `json:"test,omitempty" doc:"the stack's test: section (cluster and suites a pipeline runs)"`
}

// TestSpec is the cluster and the suites a pipeline runs against a build.
type TestSpec struct {
	Distro   string         `json:"distro,omitempty" doc:"default: the stack's first distro"`
	Nodes    int            `json:"nodes,omitempty" doc:"default: the largest role count, at least 1"`
	Roles    map[string]int `json:"roles,omitempty" doc:"role → node count (default: one node of each role)"`
	Suites   []string       `json:"suites,omitempty" doc:"default: every suite that applies"`
	MemoryMB int            `json:"memory_mb,omitempty"`
	// Skip runs no cluster: the pipeline ends after the build.
	Skip bool `json:"skip,omitempty" doc:"no cluster and no suites: the pipeline ends after publishing"`
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
	// BuildKey is the hash of everything the cell's packages depend on
	// (empty for a cell that failed before its key was known).
	BuildKey string `json:"build_key,omitempty"`
	// Packages are the cell's package files in the blob store.
	Packages []PackageRef `json:"packages,omitempty"`
	Builder  string       `json:"builder,omitempty" doc:"the builder that built it"`
}
