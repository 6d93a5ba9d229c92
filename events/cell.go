package events

// DefaultArch is the architecture cells are built for when a request names none.
const DefaultArch = "amd64"

// CellBuildRequested asks a builder serving the cell's distro and
// architecture to build one cell of a build request's matrix. The build's
// coordinator (the builder handling build.requested) sends it once the
// cell's dependencies are built, with their results.
type CellBuildRequested struct {
	Request   string    `json:"request" doc:"id of the build.requested this cell belongs to"`
	Stack     string    `json:"stack" doc:"stack name under infra/stacks/ (or in Git)"`
	Git       *GitRef   `json:"git,omitempty" doc:"the commit of the stack's git repository, for a stack from git"`
	Component string    `json:"component"`
	Distro    string    `json:"distro"`
	Arch      string    `json:"arch" doc:"Debian architecture, e.g. amd64"`
	Deps      []CellDep `json:"deps,omitempty" doc:"the cell's build dependencies as built in this request (same distro)"`
}

// Route is "<distro>.<arch>": builders consume the routes they serve.
func (c CellBuildRequested) Route() string { return c.Distro + "." + c.Arch }

// Name is "component/distro", as the matrix names cells.
func (c CellBuildRequested) Name() string { return c.Component + "/" + c.Distro }

// CellDep is a built dependency of a cell.
type CellDep struct {
	Component string       `json:"component"`
	BuildKey  string       `json:"build_key"`
	Packages  []PackageRef `json:"packages"`
}

// CellWaiting reports a sent cell that no running builder serves: it waits
// in its route's queue until one that declares the distro and
// architecture starts.
type CellWaiting struct {
	Request   string `json:"request" doc:"id of the build.requested"`
	Stack     string `json:"stack"`
	Component string `json:"component"`
	Distro    string `json:"distro"`
	Arch      string `json:"arch"`
	Reason    string `json:"reason" doc:"what is missing and how to provide it"`
}
