package events

import (
	"fmt"
	"strings"
)

// Router is the payload of a routed command: Route names who may take it,
// as dot-separated tokens (a build cell: "<distro>.<arch>").
type Router interface {
	Route() string
}

// CheckRoute tells whether route can end a subject: one or more
// dot-separated tokens of letters, digits, '-' and '_'.
func CheckRoute(route string) error {
	if route == "" {
		return fmt.Errorf("%w: empty route", ErrBadRoute)
	}
	for _, tok := range strings.Split(route, ".") {
		if tok == "" {
			return fmt.Errorf("%w: %q has an empty token", ErrBadRoute, route)
		}
		for _, r := range tok {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("%w: %q: %q is not allowed (letters, digits, '-', '_' and '.' between tokens)", ErrBadRoute, route, r)
			}
		}
	}
	return nil
}

// RouteName is a route as one name token (durable consumer names allow no
// dots): "debian-12.amd64" → "debian-12_amd64".
func RouteName(route string) string { return strings.ReplaceAll(route, ".", "_") }

// RouteConsumer is the durable consumer of one route of a routed command,
// shared by every instance of the service that serves the route, e.g.
// "builder-cell-build-requested-debian-12_amd64".
func RouteConsumer(service, command, route string) string {
	return service + "-" + strings.ReplaceAll(command, ".", "-") + "-" + RouteName(route)
}
