package events

import (
	"errors"
	"testing"
)

func TestCheckRoute(t *testing.T) {
	for _, tc := range []struct {
		route string
		ok    bool
	}{
		{"debian-12.amd64", true},
		{"rocky_9.x86_64", true},
		{"solo", true},
		{"", false},
		{"debian-12.", false},
		{".amd64", false},
		{"debian 12.amd64", false},
		{"debian-12.*", false},
		{"debian-12.>", false},
	} {
		err := CheckRoute(tc.route)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrBadRoute)) {
			t.Errorf("CheckRoute(%q) = %v, want ok=%v", tc.route, err, tc.ok)
		}
	}
}

func TestRoutedCellSubject(t *testing.T) {
	s, ok := ByName("cell.build.requested")
	if !ok || !s.Routed {
		t.Fatal("cell.build.requested is not a routed command")
	}
	c := CellBuildRequested{Component: "ringhello", Distro: "debian-12", Arch: "amd64"}
	if got := s.RoutedSubject(c.Route()); got != "ringmaster.cmd.builder.cell.build.requested.debian-12.amd64" {
		t.Errorf("subject %s", got)
	}
	if got := RouteConsumer("builder", s.Name, c.Route()); got != "builder-cell-build-requested-debian-12_amd64" {
		t.Errorf("consumer %s", got)
	}
	if r := RoutedCommandsOf("builder"); len(r) != 1 || r[0].Name != "cell.build.requested" {
		t.Errorf("routed commands of builder: %v", r)
	}
	if r := RoutedCommandsOf("tester"); len(r) != 0 {
		t.Errorf("routed commands of tester: %v", r)
	}
}
