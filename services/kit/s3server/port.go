package s3server

import (
	"context"
	"fmt"
	"net"
)

// resolveAddr returns addr with a concrete port. A zero port is replaced by
// a port that was free a moment ago; the gateway binds it itself, so a
// concurrent process could steal it in between (Start retries in that case).
func resolveAddr(ctx context.Context, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("split %q: %w", addr, err)
	}
	if port != "0" {
		return addr, nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("find a free port on %q: %w", addr, err)
	}
	defer ln.Close()
	_, port, err = net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return "", fmt.Errorf("split %q: %w", ln.Addr(), err)
	}
	return net.JoinHostPort(host, port), nil
}

// endpointHost is the host clients should dial for a listen host: the
// unspecified addresses are reachable through loopback.
func endpointHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}
