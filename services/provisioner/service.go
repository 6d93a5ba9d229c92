// Package provisioner is the provisioner service: it checks a requested
// cluster against the compatibility policy and, when allowed, creates it in
// Docker — a network per cluster, unprivileged node containers, packages
// installed with apt-get from the signed channel repository, configuration
// rendered from infra/roles, services started and probed — then reports
// cluster.ready with endpoints. It destroys clusters in any state by label.
package provisioner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/dockerhost"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/role"
	"ringmaster.dev/kit/service"
	"ringmaster.dev/policies"
)

// Name is the service name.
const Name = "provisioner"

// Provisioner holds what cluster operations share.
type Provisioner struct {
	Docker *cluster.Provider
	Store  Store
	Policy Checker
	Roles  map[string]*role.Role
	Images Images
	Opts   Options
	Log    zerolog.Logger
	// MachineMB is the Docker host's memory, which the policy holds a
	// cluster's total to (0: the compatibility facts' figure).
	MachineMB int
	// Host is the name of the Docker host this provisioner makes clusters
	// on (Options.Host); Endpoint is where its Docker answers.
	Host, Endpoint string
	// Hosts is the registry of Docker hosts this provisioner places
	// clusters on and keeps its host's record in (nil: this host alone).
	Hosts *dockerhost.Registry
	// Tombstones keep destroyed clusters destroyed (nil: not kept).
	Tombstones Tombstones
	// Lock serializes admissions with other provisioner processes (nil:
	// this process only; see memory.go).
	Lock AdmissionLock

	flights flights
	// admission counts the memory of clusters being made (memory.go).
	admission admission
}

// New is the service's service.Factory with options from the environment.
func New(ctx context.Context, deps service.Deps) (service.Definition, error) {
	return Factory(OptionsFromEnv())(ctx, deps)
}

// Factory makes the provisioner's service.Factory for opts. Without Docker,
// roles or policy data the service still runs and fails its commands with
// what to fix.
func Factory(opts Options) service.Factory {
	return func(ctx context.Context, deps service.Deps) (service.Definition, error) {
		if opts.Host == "" {
			opts.Host = dockerhost.Default
		}
		if err := dockerhost.ValidateName(opts.Host); err != nil {
			return service.Definition{}, fmt.Errorf("%w (--docker-host-name, env %s)", err, EnvHostName)
		}
		deps.Health.Add("docker", health.Docker)
		emitted := newClusterMetrics(deps.Metrics).emitted
		p, err := Open(ctx, opts, deps.Blob, deps.Log)
		if err != nil {
			deps.Log.Warn().Err(err).Msg("provisioner cannot create clusters")
			fail := func(*bus.Delivery) error { return bus.Permanent(fmt.Errorf("the provisioner cannot work: %w", err)) }
			return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
				"cluster.create.requested": fail, "cluster.destroy.requested": fail}, Emitted: emitted}, nil
		}
		if deps.Bus != nil {
			if p.Tombstones, err = OpenTombstones(ctx, deps.Bus.JS); err != nil {
				return service.Definition{}, err
			}
			if p.Lock, err = OpenLeaseLock(ctx, deps.Bus.JS); err != nil {
				return service.Definition{}, err
			}
			if p.Hosts, err = dockerhost.Open(ctx, deps.Bus.JS); err != nil {
				return service.Definition{}, err
			}
		}
		def := service.Definition{Name: Name, Handlers: map[string]bus.Handler{
			"cluster.create.requested":       p.handleCreate,
			"cluster.destroy.requested":      p.handleDestroy,
			"cluster.host.create.requested":  p.handleHostCreate,
			"cluster.host.destroy.requested": p.handleHostDestroy,
		}, Emitted: emitted,
			// The clusters the admissions place on this host, at once.
			Routes: []string{p.Host}, RouteConcurrency: HostConcurrency}
		if p.Hosts != nil {
			def.Serve = p.keepHost
		}
		deps.Log.Info().Str("docker_host", p.Host).Str("endpoint", p.Endpoint).Int("memory_mb", p.MachineMB).Msg("provisioner ready")
		return def, nil
	}
}

// HostConcurrency bounds the creates and destroys of clusters placed on
// this host by other provisioners' admissions, handled at once.
const HostConcurrency = 4

// Open connects to Docker and loads roles, policy and image recipes.
func Open(ctx context.Context, opts Options, store Store, log zerolog.Logger) (*Provisioner, error) {
	if opts.Host == "" {
		opts.Host = dockerhost.Default
	}
	if err := dockerhost.ValidateName(opts.Host); err != nil {
		return nil, fmt.Errorf("%w (--docker-host-name, env %s)", err, EnvHostName)
	}
	dc, err := image.Connect(ctx)
	if err != nil {
		return nil, err
	}
	roles, err := role.Load(opts.RolesDir)
	if err != nil {
		return nil, err
	}
	data, err := policies.LoadData(opts.CompatFile)
	if err != nil {
		return nil, fmt.Errorf("compatibility data: %w (set RING_COMPAT)", err)
	}
	checker, err := policies.New(ctx, data)
	if err != nil {
		return nil, err
	}
	recipes, err := image.Load(opts.ImagesDir)
	if err != nil {
		return nil, fmt.Errorf("image recipes: %w (set RING_IMAGES)", err)
	}
	p := &Provisioner{Docker: cluster.New(dc), Store: store, Policy: checker, Roles: roles,
		Images: &image.Builder{Docker: dc, Recipes: recipes, CacheDir: opts.DebCache, Progress: logWriter{log}},
		Opts:   opts, Log: log, Host: opts.Host, Endpoint: dc.DaemonHost()}
	switch info, err := dc.Info(ctx); {
	case opts.HostMemoryMB > 0:
		p.MachineMB = opts.HostMemoryMB
	case err != nil:
		log.Warn().Err(err).Msg("the Docker host's memory is unknown: the policy uses the compatibility facts' figure")
	default:
		p.MachineMB = int(info.MemTotal >> 20)
	}
	return p, nil
}

type logWriter struct{ log zerolog.Logger }

func (w logWriter) Write(b []byte) (int, error) {
	w.log.Info().Msg(string(b))
	return len(b), nil
}

func (p *Provisioner) handleCreate(d *bus.Delivery) error {
	return p.createCommand(d, *d.Payload.(*events.ClusterCreateRequested), false)
}

// handleHostCreate makes a cluster the admission of another provisioner
// placed on this host.
func (p *Provisioner) handleHostCreate(d *bus.Delivery) error {
	cmd := d.Payload.(*events.ClusterHostCreateRequested)
	if cmd.Host != p.Host {
		return bus.Permanent(fmt.Errorf("cluster %s is placed on docker host %s, but this provisioner makes clusters on %s", cmd.Request.Name, cmd.Host, p.Host))
	}
	if p.Hosts != nil {
		// The admission here decides, or the create ends: the claim goes.
		defer func() {
			if err := p.Hosts.Unclaim(context.WithoutCancel(d.Ctx), cmd.Request.Name, d.Envelope.RunID); err != nil {
				d.Log.Warn().Err(err).Msg("claim of a placed cluster")
			}
		}()
	}
	return p.createCommand(d, cmd.Request, true)
}

// createCommand carries out a create command: placed, it came from the
// admission of another provisioner (the cluster is made here or not at
// all); else a cluster the admission places elsewhere is handed to that
// host's provisioner.
func (p *Provisioner) createCommand(d *bus.Delivery, req events.ClusterCreateRequested, placed bool) error {
	imageSteps := 0 // the node image's steps come one at a time
	progress := func(e events.ClusterProgress) {
		d.Log.Info().Str("cluster", e.Name).Str("node", e.Node).Str("step", e.Step).Msg(e.Detail)
		// One id per step, node and subject (a node's probes run per
		// component): a redelivery re-emits the same ids, nothing twice.
		subject, _, _ := strings.Cut(e.Detail, " ")
		key := e.Step + "/" + e.Node + "/" + subject
		if e.Step == "image" {
			key = fmt.Sprintf("image/%d", imageSteps)
			imageSteps++
		}
		if err := d.EmitAs(key, &e); err != nil {
			d.Log.Warn().Err(err).Msg("progress event")
		}
	}
	run := d.Envelope.RunID
	// Registered before the tombstone is read, as a destroy buries before it
	// looks for running creates: either the destroy stops this create or
	// this create sees the tombstone.
	ctx, finish := p.flights.start(d.Ctx, req.Name, run)
	if buried, err := p.buried(d.Ctx, req.Name, run); err != nil {
		finish()
		return err
	} else if buried {
		finish()
		return d.Emit(&events.ClusterFailed{Name: req.Name, Reason: errBuried.Error()})
	}
	ready, err := p.create(ctx, req, run, placed, progress, d.Emit)
	finish()
	var elsewhere *PlacedError
	if errors.As(err, &elsewhere) {
		return d.Emit(&events.ClusterHostCreateRequested{Host: elsewhere.Host, Request: req})
	}
	if buried, berr := p.buried(d.Ctx, req.Name, run); berr == nil && buried {
		// Destroyed while it was being made: whatever this create added
		// after the destroy goes too.
		p.cleanupRun(d.Ctx, req.Name, run)
		return d.Emit(&events.ClusterFailed{Name: req.Name, Reason: errBuried.Error()})
	}
	var rej *RejectedError
	switch {
	case err == nil:
		if !d.Envelope.Time.IsZero() { // from the command, as the benchmarks measure, fresh or --from
			ready.Seconds = time.Since(d.Envelope.Time).Seconds()
		}
		return d.Emit(&ready)
	case errors.As(err, &rej):
		reasons := make([]events.DenyReason, len(rej.Reasons))
		for i, r := range rej.Reasons {
			reasons[i] = events.DenyReason{Rule: r.Rule, Message: r.Message}
		}
		return d.Emit(&events.ClusterRejected{Name: req.Name, Reasons: reasons})
	case d.Ctx.Err() != nil:
		return err // shutting down: handed back, the next provisioner completes it
	case transient(err) && d.Attempt < 3:
		return bus.Retryable(err, 5*time.Second)
	}
	kept := req.KeepFailed
	if !kept && !errors.Is(err, cluster.ErrExists) {
		p.cleanupRun(d.Ctx, req.Name, d.Envelope.RunID)
		if err := p.publishHost(d.Ctx); err != nil {
			d.Log.Warn().Err(err).Msg("docker host record")
		}
	}
	return d.Emit(&events.ClusterFailed{Name: req.Name, Reason: err.Error(), Kept: kept})
}

// transient errors may go away on a retry (Docker or the store hiccuped);
// the rest are the request's or the software's and would fail again.
func transient(err error) bool {
	for _, final := range []error{ErrSpec, cluster.ErrExists, cluster.ErrInvalid, cluster.ErrNotFound, errRepo, errInstall, ErrNotReady, role.ErrInvalid} {
		if errors.Is(err, final) {
			return false
		}
	}
	var ee *cluster.ExecError
	return !errors.As(err, &ee)
}

// cleanupRun removes what a failed create of this run made — never a
// cluster of the same name made by another run.
func (p *Provisioner) cleanupRun(ctx context.Context, name, runID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	c, err := p.Docker.Get(ctx, name)
	if err != nil || (c.Spec.RunID != "" && c.Spec.RunID != runID) {
		return
	}
	if err := p.Docker.Destroy(ctx, name); err != nil {
		p.Log.Warn().Err(err).Str("cluster", name).Msg("cleanup of a failed cluster")
	}
}

// errBuried is the reason a create of a destroyed cluster's run gives.
var errBuried = errors.New("the cluster was destroyed while this create was pending; a late create command of the same run does not bring it back")

// buried reports whether the cluster name of run was destroyed.
func (p *Provisioner) buried(ctx context.Context, name, run string) (bool, error) {
	if p.Tombstones == nil || run == "" {
		return false, nil
	}
	return p.Tombstones.Buried(ctx, name, run)
}

// handleDestroy removes a cluster in any state. With a registry of Docker
// hosts, a cluster on another host — or claimed there, its create waiting
// for that host's provisioner — is handed to that host's provisioner,
// after the runs only this one knows of are buried; one on this host, or
// on none, is removed here (destroyHere).
func (p *Provisioner) handleDestroy(d *bus.Delivery) error {
	req := d.Payload.(*events.ClusterDestroyRequested)
	if err := cluster.ValidateName("cluster", req.Name); err != nil {
		return bus.Permanent(err)
	}
	if p.Hosts != nil {
		hosts, claims, err := p.registry(d.Ctx)
		if err != nil {
			return err
		}
		here, handed := false, false
		for _, w := range dockerhost.Locate(hosts, claims, req.Name, time.Now()) {
			if w.Host == p.Host {
				here = true
				continue
			}
			if p.Tombstones != nil {
				for _, run := range []string{d.Envelope.RunID, w.Run} {
					if run == "" {
						continue
					}
					if err := p.Tombstones.Bury(d.Ctx, req.Name, run); err != nil {
						return fmt.Errorf("tombstone of %s: %w", req.Name, err)
					}
				}
			}
			if err := d.EmitAs(w.Host, &events.ClusterHostDestroyRequested{Host: w.Host, Name: req.Name}); err != nil {
				return err
			}
			d.Log.Info().Str("cluster", req.Name).Str("docker_host", w.Host).Msg("destroy handed to the cluster's docker host")
			handed = true
		}
		if handed && !here {
			return nil
		}
	}
	return p.destroyHere(d, req.Name)
}

// handleHostDestroy removes a cluster of this host another provisioner
// was asked to destroy.
func (p *Provisioner) handleHostDestroy(d *bus.Delivery) error {
	cmd := d.Payload.(*events.ClusterHostDestroyRequested)
	if cmd.Host != p.Host {
		return bus.Permanent(fmt.Errorf("cluster %s is on docker host %s, but this provisioner destroys clusters on %s", cmd.Name, cmd.Host, p.Host))
	}
	if err := cluster.ValidateName("cluster", cmd.Name); err != nil {
		return bus.Permanent(err)
	}
	return p.destroyHere(d, cmd.Name)
}

// destroyHere removes a cluster of this host in any state. The runs of the
// cluster, of the creates of it running here and of the destroy itself are
// buried first (so no late create command of them brings it back), those
// creates are stopped and waited for, then everything labelled with the
// cluster goes.
func (p *Provisioner) destroyHere(d *bus.Delivery, name string) error {
	if p.Tombstones != nil {
		// The destroy's own run too: a create of that run still on its way
		// (a sweep destroying what its earlier attempt asked for) is refused.
		runs := map[string]bool{d.Envelope.RunID: d.Envelope.RunID != ""}
		if c, err := p.Docker.Get(d.Ctx, name); err == nil && c.Spec.RunID != "" {
			runs[c.Spec.RunID] = true
		}
		for _, f := range p.flights.of(name) {
			runs[f.run] = true
		}
		for run, ok := range runs {
			if !ok {
				continue
			}
			if err := p.Tombstones.Bury(d.Ctx, name, run); err != nil {
				return fmt.Errorf("tombstone of %s: %w", name, err)
			}
		}
	}
	for _, f := range p.flights.of(name) {
		f.cancel()
		select {
		case <-f.done:
		case <-time.After(time.Minute):
			d.Log.Warn().Str("cluster", name).Msg("a create of the cluster did not stop within a minute")
		case <-d.Ctx.Done():
			return d.Ctx.Err()
		}
	}
	if err := p.Docker.Destroy(d.Ctx, name); err != nil && !errors.Is(err, cluster.ErrNotFound) {
		return err
	}
	if err := p.publishHost(d.Ctx); err != nil {
		d.Log.Warn().Err(err).Msg("docker host record after a destroy")
	}
	return d.Emit(&events.ClusterDestroyed{Name: name})
}
