package platform

import (
	"context"
	"fmt"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/health"
	"ringmaster.dev/kit/metrics"
	"ringmaster.dev/kit/service"
)

// DefaultMetricsListen is where `ring up` serves /metrics, /healthz and
// /readyz unless told otherwise (not Prometheus' own 9090).
const DefaultMetricsListen = "127.0.0.1:9470"

// startTelemetry makes the process's metrics registry and readiness checks
// (NATS and S3; the services add Docker), the collector of every stream's
// depth and consumer lag, and serves them on cfg.MetricsListen, if set.
func (p *Platform) startTelemetry(ctx context.Context, cfg Config, natsURL string, store *blob.Store, as []bus.Option) error {
	p.Metrics, p.Health = metrics.New(), &health.Checks{}
	probe, err := bus.Connect(ctx, natsURL, "ring-metrics", as...)
	if err != nil {
		return err
	}
	p.probe = probe
	p.Health.Add("nats", health.NATS(probe))
	p.Health.Add("s3", health.S3(store))
	if err := p.Metrics.Register(metrics.NewStreams(probe.JS)); err != nil {
		return err
	}
	if cfg.MetricsListen == "" {
		return nil
	}
	p.telemetry, err = service.ServeTelemetry(cfg.MetricsListen, service.Telemetry(p.Metrics, p.Health), cfg.Log)
	if err != nil {
		return fmt.Errorf("%w (is another ring up running? --metrics 127.0.0.1:0 takes any free port, --metrics '' serves none)", err)
	}
	p.Endpoints.Metrics = p.telemetry.URL() + "/metrics"
	return nil
}
