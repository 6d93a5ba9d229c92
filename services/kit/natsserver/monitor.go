package natsserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// RoutedTo are the servers a server has routes to now, sorted, as its
// monitoring says (/routez): what shows a partition is real.
func (p *Processes) RoutedTo(ctx context.Context, name string) ([]string, error) {
	var rz server.Routez
	if err := p.monitor(ctx, name, "/routez", &rz); err != nil {
		return nil, err
	}
	var to []string
	for _, r := range rz.Routes {
		if r.RemoteName != "" && !slices.Contains(to, r.RemoteName) {
			to = append(to, r.RemoteName)
		}
	}
	slices.Sort(to)
	return to, nil
}

// StreamState is a server's own copy of a stream (/jsz), whether or not
// it leads it: what shows a server that was cut off has caught up.
func (p *Processes) StreamState(ctx context.Context, name, stream string) (server.StreamState, error) {
	var jz server.JSInfo
	if err := p.monitor(ctx, name, "/jsz?accounts=true&streams=true", &jz); err != nil {
		return server.StreamState{}, err
	}
	for _, a := range jz.AccountDetails {
		for _, s := range a.Streams {
			if s.Name == stream {
				return s.State, nil
			}
		}
	}
	return server.StreamState{}, fmt.Errorf("%w: %s holds no stream %s", ErrProcesses, name, stream)
}

// monitor GETs path from a server's monitoring and decodes its JSON.
func (p *Processes) monitor(ctx context.Context, name, path string, v any) error {
	if _, ok := p.monitorPort[name]; !ok {
		return fmt.Errorf("%w: no server %q (have %v)", ErrProcesses, name, p.names)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.MonitorURL(name)+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s%s: %v", ErrProcesses, name, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s%s: %s", ErrProcesses, name, path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("%w: %s%s: %v", ErrProcesses, name, path, err)
	}
	return nil
}
