package natsserver

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"ringmaster.dev/events"
)

// matches is NATS subject matching: '*' one token, '>' one or more.
func matches(pattern, subject string) bool {
	p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, tok := range p {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || (tok != "*" && tok != s[i]) {
			return false
		}
	}
	return len(p) == len(s)
}

func allowed(allow, deny []string, subject string) bool {
	ok := false
	for _, a := range allow {
		ok = ok || matches(a, subject)
	}
	for _, d := range deny {
		if matches(d, subject) {
			return false
		}
	}
	return ok
}

func TestPermissions(t *testing.T) {
	for _, tc := range []struct {
		user, subject string
		sub, want     bool
	}{
		// A service consumes its own command stream only.
		{"builder", "$JS.API.CONSUMER.CREATE.CMD_BUILDER.builder.ringmaster.cmd.builder.>", false, true},
		{"builder", "$JS.API.CONSUMER.MSG.NEXT.CMD_BUILDER.builder", false, true},
		{"builder", "$JS.ACK.CMD_BUILDER.builder.1.2.3.4.5", false, true},
		{"builder", "$JS.API.CONSUMER.CREATE.CMD_REPO_PUBLISHER.repo-publisher.ringmaster.cmd.repo-publisher.>", false, false},
		{"builder", "$JS.API.CONSUMER.MSG.NEXT.CMD_REPO_PUBLISHER.repo-publisher", false, false},
		{"builder", "$JS.API.STREAM.MSG.GET.CMD_REPO_PUBLISHER", false, false},
		{"builder", "$JS.API.STREAM.PURGE.CMD_REPO_PUBLISHER", false, false},
		{"builder", "$JS.API.STREAM.UPDATE.CMD_REPO_PUBLISHER", false, false},
		{"builder", "$JS.API.STREAM.DELETE.FACTS", false, false},
		// Sends the commands it declares, its facts, its own dead letters.
		{"builder", "ringmaster.cmd.repo-publisher.repo.publish.requested", false, true},
		{"builder", "ringmaster.fact.build.finished", false, true},
		{"builder", "ringmaster.dlq.builder", false, true},
		{"builder", "ringmaster.dlq.tester", false, false},
		// Only the commands it sends and the facts it emits (events catalog:
		// Spec.Senders, Spec.Service), plus command.failed and service.pong.
		{"builder", "ringmaster.cmd.builder.cell.build.requested.debian-12.amd64", false, true},
		{"builder", "ringmaster.cmd.builder.cell.build.requested.rocky-9.arm64", false, true},
		{"builder", "ringmaster.cmd.builder.build.requested", false, false},
		{"builder", "ringmaster.cmd.provisioner.cluster.create.requested", false, false},
		{"builder", "ringmaster.fact.build.succeeded", false, true},
		{"builder", "ringmaster.fact.image.progress", false, true},
		{"builder", "ringmaster.fact.command.failed", false, true},
		{"builder", "ringmaster.fact.service.pong", false, true},
		{"builder", "ringmaster.fact.repo.published", false, false},
		{"builder", "ringmaster.fact.cluster.ready", false, false},
		{"builder", "ringmaster.fact.unknown.thing", false, false},
		{"tester", "ringmaster.cmd.repo-publisher.repo.publish.requested", false, false},
		{"tester", "ringmaster.cmd.repo-publisher.repo.gc.requested", false, false},
		{"tester", "ringmaster.cmd.provisioner.cluster.create.requested", false, true},
		{"tester", "ringmaster.cmd.provisioner.cluster.destroy.requested", false, true},
		{"tester", "ringmaster.cmd.tester.test.run.requested", false, false},
		{"tester", "ringmaster.cmd.builder.service.ping.requested", false, false},
		{"tester", "ringmaster.fact.test.finished", false, true},
		{"tester", "ringmaster.fact.repo.published", false, false},
		{"tester", "ringmaster.fact.build.succeeded", false, false},
		{"tester", "ringmaster.fact.cluster.ready", false, false},
		{"repo-publisher", "ringmaster.fact.repo.published", false, true},
		{"repo-publisher", "ringmaster.cmd.repo-publisher.repo.publish.requested", false, false},
		{"provisioner", "ringmaster.cmd.provisioner.cluster.host.create.requested.docker-2", false, true},
		{"provisioner", "ringmaster.cmd.kerberos-realm.realm.create.requested", false, true},
		{"provisioner", "ringmaster.cmd.builder.cell.build.requested.debian-12.amd64", false, false},
		{"kerberos-realm", "ringmaster.fact.realm.ready", false, true},
		{"kerberos-realm", "ringmaster.cmd.kerberos-realm.realm.trust.requested", false, false},
		{"gateway", "ringmaster.cmd.builder.build.requested", false, true},
		{"gateway", "ringmaster.fact.pipeline.finished", false, true},
		{"gateway", "ringmaster.fact.build.finished", false, false},
		// The gateway puts a dead letter back on its subject: any command's.
		{"gateway", "ringmaster.cmd.repo-publisher.repo.publish.requested", false, true},
		{"gateway", "ringmaster.fact.repo.published", false, false},
		// Its own done markers and heartbeat; only its buckets.
		{"builder", "$KV.ring_done.builder.00ff", false, true},
		{"builder", "$KV.ring_done.repo-publisher.00ff", false, false},
		{"builder", "$KV.ring_services.builder.abcd", false, true},
		{"builder", "$KV.ring_services.tester.abcd", false, false},
		{"builder", "$KV.ring_buildnums.demo", false, true},
		{"builder", "$KV.ring_tokens.x", false, false},
		{"repo-publisher", "$KV.ring_leases.channel", false, true},
		{"tester", "$KV.ring_leases.channel", false, false},
		{"gateway", "$KV.ring_tokens.x", false, true},
		{"gateway", "$JS.API.DIRECT.GET.KV_ring_runs.$KV.ring_runs.abc", false, true},
		// The registry of Docker hosts: the provisioner keeps it; the tester
		// and kerberos-realm only read it (to find a cluster's host).
		{"provisioner", "$KV.ring_docker_hosts.host.local", false, true},
		{"tester", "$JS.API.DIRECT.GET.KV_ring_docker_hosts.$KV.ring_docker_hosts.host.local", false, true},
		{"tester", "$JS.API.STREAM.INFO.KV_ring_docker_hosts", false, true},
		{"tester", "$JS.API.CONSUMER.CREATE.KV_ring_docker_hosts.abc.$KV.ring_docker_hosts.host.>", false, true},
		{"tester", "$JS.FC.KV_ring_docker_hosts.abc.1.2.3", false, true},
		{"kerberos-realm", "$JS.API.DIRECT.GET.KV_ring_docker_hosts.$KV.ring_docker_hosts.claim.zk", false, true},
		{"kerberos-realm", "$JS.API.STREAM.MSG.GET.KV_ring_docker_hosts", false, true},
		{"tester", "$KV.ring_docker_hosts.host.local", false, false},
		{"tester", "$KV.ring_docker_hosts.claim.zk", false, false},
		{"kerberos-realm", "$KV.ring_docker_hosts.host.local", false, false},
		{"tester", "$JS.API.STREAM.CREATE.KV_ring_docker_hosts", false, false},
		{"tester", "$JS.API.STREAM.UPDATE.KV_ring_docker_hosts", false, false},
		{"tester", "$JS.API.STREAM.PURGE.KV_ring_docker_hosts", false, false},
		{"tester", "$JS.API.STREAM.MSG.DELETE.KV_ring_docker_hosts", false, false},
		{"tester", "$JS.API.CONSUMER.DURABLE.CREATE.KV_ring_docker_hosts.x", false, false},
		{"kerberos-realm", "$JS.API.STREAM.PURGE.KV_ring_docker_hosts", false, false},
		{"tester", "$JS.API.DIRECT.GET.KV_ring_leases.$KV.ring_leases.x", false, false},
		{"builder", "$JS.API.DIRECT.GET.KV_ring_docker_hosts.$KV.ring_docker_hosts.host.local", false, false},
		{"repo-publisher", "$JS.API.CONSUMER.CREATE.KV_ring_docker_hosts", false, false},
		// Dead letters: the gateway lists them and takes one out on retry; a
		// service only writes its own.
		{"gateway", "$JS.API.STREAM.MSG.GET.DLQ", false, true},
		{"gateway", "$JS.API.STREAM.MSG.DELETE.DLQ", false, true},
		{"gateway", "$JS.API.STREAM.PURGE.DLQ", false, false},
		{"builder", "$JS.API.STREAM.MSG.GET.DLQ", false, false},
		{"builder", "$JS.API.STREAM.MSG.DELETE.DLQ", false, false},
		// Replies: its own inbox only; facts live.
		{"builder", "_INBOX_builder.abc", true, true},
		{"builder", "_INBOX_tester.abc", true, false},
		{"builder", "_INBOX.abc", true, false},
		{"builder", "ringmaster.fact.build.finished", true, true},
		{"builder", "ringmaster.cmd.repo-publisher.repo.publish.requested", true, false},
		// The CLI: anything but a service's stream or its replies.
		{"ring", "$JS.API.STREAM.CREATE.CMD_BUILDER", false, true},
		{"ring", "$JS.API.STREAM.UPDATE.CMD_BUILDER", false, true},
		{"ring", "ringmaster.cmd.repo-publisher.repo.publish.requested", false, true},
		{"ring", "$JS.API.CONSUMER.INFO.CMD_BUILDER.builder", false, true},
		{"ring", "$JS.API.CONSUMER.MSG.NEXT.CMD_BUILDER.builder", false, false},
		{"ring", "$JS.API.STREAM.PURGE.CMD_BUILDER", false, false},
		{"ring", "$JS.API.STREAM.PURGE.DLQ", false, true},
		{"ring", "$JS.API.STREAM.DELETE.FACTS", false, false},
		{"ring", "_INBOX_builder.abc", true, false},
		{"ring", "ringmaster.cmd.builder.build.requested", true, true},
		// Anyone else: nothing.
		{"mallory", "ringmaster.fact.x", false, false},
	} {
		p := Permissions(tc.user)
		got := false
		if p != nil {
			sp := p.Publish
			if tc.sub {
				sp = p.Subscribe
			}
			got = allowed(sp.Allow, sp.Deny, tc.subject)
		}
		if got != tc.want {
			verb := "publish"
			if tc.sub {
				verb = "subscribe"
			}
			t.Errorf("%s %s %s: allowed %v, want %v", tc.user, verb, tc.subject, got, tc.want)
		}
	}
}

// Every service's user may publish exactly the events the catalog declares
// for it: each declared subject is allowed, and of every event in the
// catalog, on any route and to any service, nothing else.
func TestPermissionsFollowCatalog(t *testing.T) {
	for _, svc := range events.Services {
		p := Permissions(svc)
		var sends, emits []string
		for _, s := range events.SentBy(svc) {
			sends = append(sends, s.Name)
		}
		for _, s := range events.EmittedBy(svc) {
			emits = append(emits, s.Name)
		}
		for _, s := range events.All() {
			declared := slices.Contains(sends, s.Name)
			if s.Kind == events.Fact {
				declared = slices.Contains(emits, s.Name)
			}
			for _, target := range events.Services {
				subject := s.Subject(target)
				if s.Routed {
					subject = s.RoutedSubject("debian-12.amd64")
				}
				want := declared || (s.Kind == events.Command && slices.Contains(DeadLetterReaders, svc))
				if got := allowed(p.Publish.Allow, p.Publish.Deny, subject); got != want {
					t.Errorf("%s publish %s: allowed %v, want %v (declared %v)", svc, subject, got, want, declared)
				}
			}
		}
	}
	// Shared facts every worker loop emits.
	for _, svc := range events.Services {
		for _, name := range []string{"command.failed", "service.pong"} {
			if !slices.ContainsFunc(events.EmittedBy(svc), func(s events.Spec) bool { return s.Name == name }) {
				t.Errorf("%s does not emit %s", svc, name)
			}
		}
	}
}

// docs/security.md's table of what each service publishes is the catalog's.
func TestSecurityDocListsEachServicesEvents(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(data), "### Events a service publishes\n")
	section, _, _ = strings.Cut(section, "\n#")
	names := regexp.MustCompile("`([a-z.]+)`")
	rows := map[string][2][]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 {
			continue
		}
		svc := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if !slices.Contains(events.Services, svc) {
			continue
		}
		var cols [2][]string
		for i, cell := range cells[2:4] {
			for _, m := range names.FindAllStringSubmatch(cell, -1) {
				if _, ok := events.ByName(m[1]); ok {
					cols[i] = append(cols[i], m[1])
				}
			}
			slices.Sort(cols[i])
		}
		rows[svc] = cols
	}
	for _, svc := range events.Services {
		row, ok := rows[svc]
		if !ok {
			t.Errorf("docs/security.md: no row for %s in the table of events a service publishes", svc)
			continue
		}
		var sends, emits []string
		for _, s := range events.SentBy(svc) {
			sends = append(sends, s.Name)
		}
		for _, s := range events.EmittedBy(svc) {
			if s.Service != events.AnyService {
				emits = append(emits, s.Name)
			}
		}
		slices.Sort(sends)
		slices.Sort(emits)
		if !slices.Equal(row[0], sends) || !slices.Equal(row[1], emits) {
			t.Errorf("docs/security.md, %s: sends %v, emits %v; the catalog says sends %v, emits %v", svc, row[0], row[1], sends, emits)
		}
	}
}
