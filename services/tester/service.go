// Package tester is the tester service: on test.run.requested it runs the
// suites that apply to a cluster (or the named ones) against its nodes,
// stores JUnit XML in the blob store and reports test.finished with every
// case's outcome.
package tester

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/dockerhost"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/repository"
	"ringmaster.dev/kit/service"
	"ringmaster.dev/tester/suite"
)

// Name is the service name.
const Name = "tester"

// Store is the part of the blob store the tester uses.
type Store interface {
	repository.Store
	Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error)
}

// Tester runs suites, and sweeps.
type Tester struct {
	// Hosts reaches the Docker host of each cluster: the registry's on the
	// service's NATS (read-only), else the local Docker.
	Hosts  *dockerhost.Fleet
	Store  Store
	Log    zerolog.Logger
	Sweeps SweepOptions
}

// New is the service's service.Factory.
func New(ctx context.Context, deps service.Deps) (service.Definition, error) {
	deps.Health.Add("docker", health.Docker)
	emitted := newTestMetrics(deps.Metrics).emitted
	t := &Tester{Hosts: deps.Hosts(), Store: deps.Blob, Log: deps.Log,
		Sweeps: SweepOptions{StacksDir: config.ProjectDir("RING_STACKS", "infra/stacks"), RolesDir: config.ProjectDir("RING_ROLES", "infra/roles")}}
	return service.Definition{Name: Name, Handlers: map[string]bus.Handler{
		"test.run.requested": t.handleRun,
		"sweep.run.requested": func(d *bus.Delivery) error {
			return t.handleSweep(d, deliveryRun{d: d, conn: deps.Bus})
		},
	}, Emitted: emitted}, nil
}

func (t *Tester) handleSweep(d *bus.Delivery, run Run) error {
	req := d.Payload.(*events.SweepRunRequested)
	fin, err := t.Sweep(d.Ctx, *req, run, d.Log)
	if err != nil {
		if errors.Is(err, errSweep) {
			return bus.Permanent(err)
		}
		return err
	}
	return d.Emit(&fin)
}

// deliveryRun is a sweep's Run on a bus delivery.
type deliveryRun struct {
	d    *bus.Delivery
	conn *bus.Conn
}

func (r deliveryRun) EmitAs(key string, payload any) error { return r.d.EmitAs(key, payload) }
func (r deliveryRun) Watch() (*bus.Watch, error)           { return r.conn.WatchRun(r.d.Envelope.RunID, 1024) }
func (r deliveryRun) RunID() string                        { return r.d.Envelope.RunID }
func (r deliveryRun) Attempt() int                         { return r.d.Attempt }

// JUnitKey is where a run's JUnit XML is stored.
func JUnitKey(clusterName, runID string) string {
	return path.Join("tests", clusterName, runID, "junit.xml")
}

func (t *Tester) handleRun(d *bus.Delivery) error {
	req := d.Payload.(*events.TestRunRequested)
	fin, err := t.Run(d.Ctx, *req, d.Envelope.RunID, d.Log, func(c events.TestCase) {
		if err := d.EmitAs(c.Suite+"/"+c.Name, &c); err != nil {
			d.Log.Warn().Err(err).Msg("test case event")
		}
	})
	if err != nil {
		if errors.Is(err, cluster.ErrNotFound) || errors.Is(err, errSelect) {
			return bus.Permanent(err)
		}
		return err
	}
	return d.Emit(&fin)
}

var errSelect = errors.New("no such suite")

// Run runs the suites of one request and stores the JUnit XML.
func (t *Tester) Run(ctx context.Context, req events.TestRunRequested, runID string, log zerolog.Logger, each func(events.TestCase)) (events.TestFinished, error) {
	host, c, err := t.Hosts.Locate(ctx, req.Cluster)
	if err != nil {
		return events.TestFinished{}, err
	}
	suites, err := suite.Select(c, req.Suites)
	if err != nil {
		return events.TestFinished{}, fmt.Errorf("%w: %w", errSelect, err)
	}
	start := time.Now()
	log = log.With().Str("docker_host", host.Record.Name).Logger()
	env := &suite.Env{Cluster: c, Docker: host.Docker(), Repo: repo{t}, RunID: events.ShortRunID(runID), Log: log}
	fin := events.TestFinished{Cluster: req.Cluster}
	results := suite.Run(ctx, env, suites, func(r suite.Result) {
		tc := events.TestCase{Suite: r.Suite, Name: r.Case, Outcome: r.Outcome, Message: r.Message, Seconds: r.Took.Seconds()}
		log.Info().Str("suite", r.Suite).Str("case", r.Case).Str("outcome", r.Outcome).Str("message", r.Message).Msg("test case")
		fin.Cases = append(fin.Cases, tc)
		switch r.Outcome {
		case suite.Passed:
			fin.Passed++
		case suite.Skipped:
			fin.Skipped++
		default:
			fin.Failed++
		}
		if each != nil {
			each(tc)
		}
	})
	if ctx.Err() != nil {
		return events.TestFinished{}, ctx.Err()
	}
	xml, err := suite.JUnit(req.Cluster, start, results)
	if err != nil {
		return events.TestFinished{}, err
	}
	fin.JUnitKey = JUnitKey(req.Cluster, runID)
	if _, err := t.Store.Put(ctx, fin.JUnitKey, bytes.NewReader(xml), int64(len(xml)), blob.PutOptions{ContentType: "application/xml"}); err != nil {
		return events.TestFinished{}, fmt.Errorf("store JUnit XML: %w", err)
	}
	fin.Seconds = time.Since(start).Seconds()
	return fin, nil
}

// repo opens the cluster's channel repository through a relay.
type repo struct{ t *Tester }

func (r repo) Open(ctx context.Context, c cluster.Cluster) ([]byte, []byte, func(), error) {
	rs, rl, err := repository.ForCluster(ctx, r.t.Store, r.t.Log, c)
	if err != nil {
		return nil, nil, nil, err
	}
	return rs.Sources(), rs.Keyring, func() { _ = rl.Close() }, nil
}
