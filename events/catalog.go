package events

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
)

// catalog is every event Ringmaster knows. Add an event here and run
// `make docs` to regenerate docs/events.md.
var catalog = []Spec{
	{Name: "build.requested", Version: 1, Kind: Command, Senders: []string{"gateway"}, Service: "builder", payload: BuildRequested{},
		Doc: "Build a stack's components × distros matrix and publish the packages."},
	{Name: "cell.build.requested", Version: 1, Kind: Command, Senders: []string{"builder"}, Service: "builder", Routed: true, payload: CellBuildRequested{},
		Doc: "Build one cell of a build request's matrix; routed by `<distro>.<arch>` to the builders that serve it, answered by `build.succeeded` or `build.failed`."},
	{Name: "source.fetch.requested", Version: 1, Kind: Command, Service: "builder", payload: SourceFetchRequested{},
		Doc: "Download a source archive, verify its sha256 and keep it in the content-addressed cache."},
	{Name: "repo.publish.requested", Version: 1, Kind: Command, Senders: []string{"builder"}, Service: "repo-publisher", payload: RepoPublishRequested{},
		Doc: "Publish packages into a channel's signed APT and YUM repositories."},
	{Name: "repo.promote.requested", Version: 1, Kind: Command, Senders: []string{"gateway"}, Service: "repo-publisher", payload: RepoPromoteRequested{},
		Doc: "Add packages published in one channel to another (e.g. nightly → stable), sharing pool files; answered by `repo.published` for the target."},
	{Name: "repo.gc.requested", Version: 1, Kind: Command, Service: "repo-publisher", payload: RepoGCRequested{},
		Doc: "Delete repository objects retired longer than a grace period, and stale uploads, under each channel's lease."},
	{Name: "cluster.create.requested", Version: 1, Kind: Command, Senders: []string{"gateway", "tester"}, Service: "provisioner", payload: ClusterCreateRequested{},
		Doc: "Check a cluster spec against the compatibility policy and create the cluster."},
	{Name: "cluster.destroy.requested", Version: 1, Kind: Command, Senders: []string{"gateway", "tester"}, Service: "provisioner", payload: ClusterDestroyRequested{},
		Doc: "Remove a cluster in any state, found by label."},
	{Name: "cluster.host.create.requested", Version: 1, Kind: Command, Senders: []string{"provisioner"}, Service: "provisioner", Routed: true, payload: ClusterHostCreateRequested{},
		Doc: "Create an admitted cluster on the Docker host the admission placed it on; routed by host name to that host's provisioner, answered like `cluster.create.requested`."},
	{Name: "cluster.host.destroy.requested", Version: 1, Kind: Command, Senders: []string{"provisioner"}, Service: "provisioner", Routed: true, payload: ClusterHostDestroyRequested{},
		Doc: "Remove a cluster from the Docker host that holds it; routed by host name to that host's provisioner, answered by `cluster.destroyed`."},
	{Name: "test.run.requested", Version: 1, Kind: Command, Senders: []string{"gateway"}, Service: "tester", payload: TestRunRequested{},
		Doc: "Run test suites against a cluster."},
	{Name: "sweep.run.requested", Version: 1, Kind: Command, Senders: []string{"gateway"}, Service: "tester", payload: SweepRunRequested{},
		Doc: "Run a compatibility sweep: a cluster and the smoke suites for every combination of published versions."},
	{Name: "realm.create.requested", Version: 1, Kind: Command, Senders: []string{"provisioner"}, Service: "kerberos-realm", payload: RealmCreateRequested{},
		Doc: "Start a KDC for a cluster, create its realm, principals and keytabs."},
	{Name: "realm.trust.requested", Version: 1, Kind: Command, Senders: []string{"gateway"}, Service: "kerberos-realm", payload: RealmTrustRequested{},
		Doc: "Set up or remove cross-realm trust between realms."},
	{Name: "pipeline.run.requested", Version: 1, Kind: Command, Senders: []string{"gateway"}, Service: "gateway", payload: PipelineRunRequested{},
		Doc: "Take one commit of a stack from git through build, publish, a test cluster, the suites and its removal, with commit statuses."},
	{Name: "forge.status.requested", Version: 1, Kind: Command, Senders: []string{"gateway"}, Service: "gateway", payload: ForgeStatusRequested{},
		Doc: "Set a commit status on the stack's forge (GitHub, GitLab or Gitea); retried, then dead-lettered."},
	{Name: "chat.reply.requested", Version: 1, Kind: Command, Senders: []string{"gateway"}, Service: "gateway", payload: ChatReplyRequested{},
		Doc: "Follow the run a chat-ops, REST or CLI request or a scheduled sweep started: keep its run record, post its progress and result where it came from."},
	{Name: "repo.list.requested", Version: 1, Kind: Command, Senders: []string{"gateway"}, Service: "repo-publisher", payload: RepoListRequested{},
		Doc: "List what the channels publish, per distro (answered by `repo.listed`)."},
	{Name: "service.ping.requested", Version: 1, Kind: Command, Service: AnyService, payload: ServicePingRequested{},
		Doc: "Ask a service to answer through its worker loop (`ring ping`)."},

	{Name: "build.succeeded", Version: 1, Kind: Fact, Service: "builder", payload: BuildSucceeded{},
		Doc: "A matrix cell built; its packages are in the blob store."},
	{Name: "build.failed", Version: 1, Kind: Fact, Service: "builder", payload: BuildFailed{},
		Doc: "A matrix cell failed, or was skipped because a dependency failed."},
	{Name: "cell.waiting", Version: 1, Kind: Fact, Service: "builder", payload: CellWaiting{},
		Doc: "A build cell waits for a builder: none running serves its distro and architecture (`ring build` shows it)."},
	{Name: "build.log", Version: 1, Kind: Fact, Service: "builder", payload: BuildLog{},
		Doc: "A batch of a build cell's log lines, live (`ring build logs --follow`)."},
	{Name: "build.finished", Version: 1, Kind: Fact, Service: "builder", payload: BuildFinished{},
		Doc: "A build request finished: how every matrix cell ended."},
	{Name: "image.progress", Version: 1, Kind: Fact, Service: "builder", payload: ImageProgress{},
		Doc: "A step of building (or finding) a toolchain image a build needs, live (`ring build` shows a row per image)."},
	{Name: "source.fetched", Version: 1, Kind: Fact, Service: "builder", payload: SourceFetched{},
		Doc: "A verified source archive is in the cache."},
	{Name: "repo.published", Version: 1, Kind: Fact, Service: "repo-publisher", payload: RepoPublished{},
		Doc: "Signed repository metadata is live for readers."},
	{Name: "repo.waiting", Version: 1, Kind: Fact, Service: "repo-publisher", payload: RepoWaiting{},
		Doc: "A publication has waited a second for the channel's lease (another publication writes it); it goes on when the lease is free."},
	{Name: "repo.gc.finished", Version: 1, Kind: Fact, Service: "repo-publisher", payload: RepoGCFinished{},
		Doc: "Retired repository objects and stale uploads were deleted (or, in a dry run, listed)."},
	{Name: "mirror.synced", Version: 1, Kind: Fact, Service: "ring", payload: MirrorSynced{},
		Doc: "A mirror was verified and made current."},
	{Name: "cluster.ready", Version: 1, Kind: Fact, Service: "provisioner", payload: ClusterReady{},
		Doc: "A cluster's services answered their readiness probes."},
	{Name: "cluster.progress", Version: 1, Kind: Fact, Service: "provisioner", payload: ClusterProgress{},
		Doc: "One step of creating a cluster (`ring cluster create` shows them live)."},
	{Name: "cluster.rejected", Version: 1, Kind: Fact, Service: "provisioner", payload: ClusterRejected{},
		Doc: "The compatibility policy denied a cluster spec; nothing was created."},
	{Name: "cluster.failed", Version: 1, Kind: Fact, Service: "provisioner", payload: ClusterFailed{},
		Doc: "A cluster could not be created."},
	{Name: "cluster.destroyed", Version: 1, Kind: Fact, Service: "provisioner", payload: ClusterDestroyed{},
		Doc: "A cluster and everything labelled with it are gone."},
	{Name: "test.case.finished", Version: 1, Kind: Fact, Service: "tester", payload: TestCase{},
		Doc: "One test case ended (`ring test run` shows them live)."},
	{Name: "test.finished", Version: 1, Kind: Fact, Service: "tester", payload: TestFinished{},
		Doc: "A test run finished; JUnit XML is in the blob store."},
	{Name: "sweep.finished", Version: 1, Kind: Fact, Service: "tester", payload: SweepFinished{},
		Doc: "A compatibility sweep finished; its results document is in the blob store."},
	{Name: "realm.ready", Version: 1, Kind: Fact, Service: "kerberos-realm", payload: RealmReady{},
		Doc: "A realm's KDC runs and every node has its keytabs and krb5.conf."},
	{Name: "realm.trusted", Version: 1, Kind: Fact, Service: "kerberos-realm", payload: RealmTrusted{},
		Doc: "Cross-realm trust was set up or removed."},
	{Name: "webhook.received", Version: 1, Kind: Fact, Service: "gateway", payload: WebhookReceived{},
		Doc: "A verified webhook delivery was accepted (and the pipeline run it started, if any)."},
	{Name: "webhook.rejected", Version: 1, Kind: Fact, Service: "gateway", payload: WebhookRejected{},
		Doc: "A webhook delivery was refused, with the HTTP status and the reason (never the secret)."},
	{Name: "pipeline.stage", Version: 1, Kind: Fact, Service: "gateway", payload: PipelineStage{},
		Doc: "A stage of a pipeline run (build, publish, promote, cluster, test, destroy) changed state."},
	{Name: "pipeline.finished", Version: 1, Kind: Fact, Service: "gateway", payload: PipelineFinished{},
		Doc: "A pipeline run ended: success or failure, with the reason."},
	{Name: "forge.status.posted", Version: 1, Kind: Fact, Service: "gateway", payload: ForgeStatusPosted{},
		Doc: "The forge accepted a commit status."},
	{Name: "audit.recorded", Version: 1, Kind: Fact, Service: "gateway", payload: AuditRecorded{},
		Doc: "A chat-ops, forge comment or REST request was allowed, denied by the authorization policy, or refused (who, what, from where, the rule)."},
	{Name: "repo.listed", Version: 1, Kind: Fact, Service: "repo-publisher", payload: RepoListed{},
		Doc: "What the channels publish, per distro: the answer to `repo.list.requested`."},
	{Name: "service.pong", Version: 1, Kind: Fact, Service: AnyService, payload: ServicePong{},
		Doc: "A service answered a ping."},
	{Name: "command.failed", Version: 1, Kind: Fact, Service: AnyService, payload: CommandFailed{},
		Doc: "A service gave up on a command; the message is in the dead-letter stream."},
}

var (
	byName = map[string]Spec{}
	byGo   = map[reflect.Type]Spec{}
)

func init() {
	for _, s := range catalog {
		if _, dup := byName[s.Name]; dup {
			panic("events: duplicate event name " + s.Name)
		}
		if _, ok := s.payload.(Router); s.Routed && (!ok || s.Kind != Command) {
			panic("events: routed event " + s.Name + " must be a command whose payload has Route()")
		}
		if s.Kind == Fact && len(s.Senders) > 0 {
			panic("events: fact " + s.Name + " has Senders: a fact is emitted by its Service")
		}
		for _, svc := range s.Senders {
			if !slices.Contains(Services, svc) {
				panic("events: command " + s.Name + " is sent by unknown service " + svc)
			}
		}
		byName[s.Name] = s
		byGo[reflect.TypeOf(s.payload)] = s
	}
}

// All returns the catalog sorted by kind, then name.
func All() []Spec {
	out := append([]Spec(nil), catalog...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Lookup finds the spec of a CloudEvents type. An unknown name wraps
// ErrUnknownType; a known name with another major version wraps ErrUnknownVersion.
func Lookup(ceType string) (Spec, error) {
	name, major, err := ParseType(ceType)
	if err != nil {
		return Spec{}, err
	}
	s, ok := byName[name]
	if !ok {
		return Spec{}, fmt.Errorf("event type %q: %w", ceType, ErrUnknownType)
	}
	if s.Version != major {
		return Spec{}, fmt.Errorf("event type %q: %w (this build knows v%d)", ceType, ErrUnknownVersion, s.Version)
	}
	return s, nil
}

// ByName finds a spec by its dotted name, e.g. "build.requested".
func ByName(name string) (Spec, bool) {
	s, ok := byName[name]
	return s, ok
}

// Of finds the spec of a payload value (a struct of the catalog or a pointer to one).
func Of(payload any) (Spec, error) {
	t := reflect.TypeOf(payload)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s, ok := byGo[t]
	if !ok {
		return Spec{}, fmt.Errorf("%v: %w", t, ErrNotRegistered)
	}
	return s, nil
}

// RoutedCommandsOf lists the routed commands of a service.
func RoutedCommandsOf(service string) []Spec {
	var out []Spec
	for _, s := range CommandsOf(service) {
		if s.Routed {
			out = append(out, s)
		}
	}
	return out
}

// CommandsOf lists the commands a service consumes, including those every service answers.
func CommandsOf(service string) []Spec {
	var out []Spec
	for _, s := range All() {
		if s.Kind == Command && (s.Service == service || s.Service == AnyService) {
			out = append(out, s)
		}
	}
	return out
}

// SentBy lists the commands a service sends (their Senders name it).
func SentBy(service string) []Spec {
	var out []Spec
	for _, s := range All() {
		if s.Kind == Command && slices.Contains(s.Senders, service) {
			out = append(out, s)
		}
	}
	return out
}

// EmittedBy lists the facts a service emits: its own and those every
// service emits (command.failed, service.pong).
func EmittedBy(service string) []Spec {
	var out []Spec
	for _, s := range All() {
		if s.Kind == Fact && (s.Service == service || s.Service == AnyService) {
			out = append(out, s)
		}
	}
	return out
}
