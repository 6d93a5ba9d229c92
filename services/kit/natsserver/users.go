package natsserver

import (
	"maps"
	"slices"

	"github.com/nats-io/nats-server/v2/server"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/natsauth"
)

// CLIUser is the NATS user of the `ring` CLI and of `ring up` itself (it
// declares the streams). Every service is a user of its own name.
const CLIUser = "ring"

// Users are every NATS user `ring up` makes: each service, then the CLI.
func Users() []string { return append(slices.Clone(events.Services), CLIUser) }

// KV buckets by name. The packages that own them (kit/bus, lease, runs,
// tokens, gitstack, dockerhost) import kit/natsserver in their tests, so it cannot
// import them; TestBucketNames holds these names to theirs.
const (
	doneBucket     = "ring_done"         // bus.DoneBucket
	serviceBucket  = "ring_services"     // bus.ServiceBucket
	leaseBucket    = "ring_leases"       // lease.Bucket
	runsBucket     = "ring_runs"         // runs.Bucket
	tokensBucket   = "ring_tokens"       // tokens.Bucket
	stacksBucket   = "ring_stacks"       // gitstack.Bucket
	requestsBucket = "ring_requests"     // gitstack.RequestBucket
	hostsBucket    = "ring_docker_hosts" // dockerhost.Bucket
)

// Buckets are the KV buckets each service reads and writes beside the done
// markers and heartbeats every service keeps (under its own name only).
// Found by grepping the services for CreateOrUpdateKeyValue; a service
// touching a bucket not listed here is refused by the server and logs the
// subject (bus.ErrRefused).
var Buckets = map[string][]string{
	"builder":        {stacksBucket, requestsBucket, "ring_buildnums", leaseBucket},
	"repo-publisher": {leaseBucket},
	"provisioner":    {leaseBucket, stacksBucket, requestsBucket, "ring_destroyed", hostsBucket},
	"tester":         {},
	"kerberos-realm": {},
	"gateway": {runsBucket, tokensBucket, stacksBucket, requestsBucket,
		"ring_chat_seen", "ring_replies", "ring_deliveries", "ring_tested", "ring_statuses"},
}

// ReadBuckets are the KV buckets a service only reads: it gets and lists
// keys, and may neither write, purge nor declare them. The tester and
// kerberos-realm find the Docker host of each cluster in the registry of
// Docker hosts (kit/dockerhost.Fleet), which the provisioners keep.
var ReadBuckets = map[string][]string{
	"tester":         {hostsBucket},
	"kerberos-realm": {hostsBucket},
}

// DeadLetterReaders may list dead letters and take one out when it is put
// back on its subject: the gateway's dashboard retries them (behind the
// authorization policy's "dlq retry"). The CLI may anyway.
var DeadLetterReaders = []string{"gateway"}

// catalogStreams are the streams kit/bus declares (bus.StreamConfigs).
func catalogStreams() []string {
	var out []string
	for _, svc := range events.Services {
		out = append(out, events.CommandStream(svc))
	}
	return append(out, events.FactStream, events.DeadLetterStream)
}

// Permissions are what user may publish and subscribe to, least privilege:
//   - a service consumes only its own command stream; publishes only the
//     commands the events catalog names it a sender of (Spec.Senders; a
//     routed command on every route), the facts it emits (its own, and
//     command.failed and service.pong, which every worker loop emits) and
//     its own dead letters (EventSubjects); reads facts, writes its own
//     done markers and heartbeat, reads and writes only the KV buckets
//     Buckets names for it, and only reads those ReadBuckets names;
//   - a dead-letter reader (the gateway) may also put a dead letter back on
//     its subject, which is any command's;
//   - the CLI (and `ring up`) may do anything but consume, read or purge a
//     service's command stream or delete a stream.
//
// An unknown user gets nil: no permissions at all.
func Permissions(user string) *server.Permissions {
	if user == CLIUser {
		return cliPermissions()
	}
	if !slices.Contains(events.Services, user) {
		return nil
	}
	cmd := events.CommandStream(user)
	pub := []string{
		"$JS.API.INFO",
		"$JS.API.STREAM.INFO.*", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST",
		"$JS.API.CONSUMER.INFO.>", "$JS.API.CONSUMER.NAMES.*", "$JS.API.CONSUMER.LIST.*",
		events.DeadLetterSubject(user),
	}
	pub = append(pub, EventSubjects(user)...)
	pub = append(pub, consume(cmd)...)
	pub = append(pub, consume(events.FactStream)...)
	pub = append(pub, read(events.FactStream)...)
	// A service may declare the catalog's streams and the shared buckets
	// when they are missing (ring up normally has), never change them.
	for _, s := range catalogStreams() {
		pub = append(pub, "$JS.API.STREAM.CREATE."+s)
	}
	for _, b := range []string{doneBucket, serviceBucket} {
		kv := "KV_" + b
		pub = append(pub, "$JS.API.STREAM.CREATE."+kv, "$KV."+b+"."+user+".>")
		pub = append(pub, read(kv)...)
		pub = append(pub, consume(kv)...)
	}
	for _, b := range Buckets[user] {
		pub = append(pub, bucket(b)...)
	}
	for _, b := range ReadBuckets[user] {
		pub = append(pub, readBucket(b)...)
	}
	if slices.Contains(DeadLetterReaders, user) {
		pub = append(pub, read(events.DeadLetterStream)...)
		pub = append(pub, "$JS.API.STREAM.MSG.DELETE."+events.DeadLetterStream, events.Prefix+".cmd.>")
	}
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: pub},
		Subscribe: &server.SubjectPermission{Allow: []string{natsauth.InboxPrefix(user) + ".>", events.FactSubjects()}},
	}
}

// EventSubjects are the subjects of the events a service publishes, as the
// events catalog declares them: the commands it sends (a routed command's
// subject on every route, `<subject>.>`) and the facts it emits. Sorted.
func EventSubjects(service string) []string {
	var out []string
	for _, s := range events.SentBy(service) {
		subject := s.Subject("*") // a command every service answers: to any of them
		if s.Routed {
			subject += ".>"
		}
		out = append(out, subject)
	}
	for _, s := range events.EmittedBy(service) {
		out = append(out, s.Subject(""))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// consume: create and use consumers of a stream.
func consume(stream string) []string {
	return []string{
		"$JS.API.CONSUMER.CREATE." + stream, "$JS.API.CONSUMER.CREATE." + stream + ".>",
		"$JS.API.CONSUMER.DURABLE.CREATE." + stream + ".>",
		"$JS.API.CONSUMER.DELETE." + stream + ".>",
		"$JS.API.CONSUMER.MSG.NEXT." + stream + ".>",
		"$JS.ACK." + stream + ".>", "$JS.FC." + stream + ".>",
	}
}

// read: get single messages of a stream.
func read(stream string) []string {
	return []string{"$JS.API.STREAM.MSG.GET." + stream, "$JS.API.DIRECT.GET." + stream, "$JS.API.DIRECT.GET." + stream + ".>"}
}

// bucket: everything a KV bucket's user does, on that bucket only.
func bucket(b string) []string {
	kv := "KV_" + b
	out := []string{"$KV." + b + ".>", "$JS.API.STREAM.CREATE." + kv, "$JS.API.STREAM.UPDATE." + kv, "$JS.API.STREAM.PURGE." + kv}
	out = append(out, read(kv)...)
	return append(out, consume(kv)...)
}

// readBucket: what reading a KV bucket takes — its info (every service
// may ask any stream's), gets (direct and API) and the ordered consumer
// that lists keys (made, deleted, its flow control answered); never a put
// ($KV.<bucket>.>), purge, or a change of the bucket.
func readBucket(b string) []string {
	kv := "KV_" + b
	out := read(kv)
	return append(out, "$JS.API.CONSUMER.CREATE."+kv, "$JS.API.CONSUMER.CREATE."+kv+".>",
		"$JS.API.CONSUMER.DELETE."+kv+".>", "$JS.FC."+kv+".>")
}

func cliPermissions() *server.Permissions {
	var deny []string
	var denySub []string
	for _, svc := range events.Services {
		cmd := events.CommandStream(svc)
		deny = append(deny, consume(cmd)...)
		deny = append(deny, read(cmd)...)
		deny = append(deny, "$JS.API.STREAM.PURGE."+cmd, "$JS.API.STREAM.MSG.DELETE."+cmd)
		denySub = append(denySub, natsauth.InboxPrefix(svc)+".>")
	}
	deny = append(deny, "$JS.API.STREAM.DELETE.*", "$JS.API.ACCOUNT.PURGE.>")
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: []string{">"}, Deny: deny},
		Subscribe: &server.SubjectPermission{Allow: []string{">"}, Deny: denySub},
	}
}

// ServerUsers are the server's users for the given credentials, each with
// its Permissions.
func ServerUsers(passwords map[string]string) []*server.User {
	var out []*server.User
	for _, u := range slices.Sorted(maps.Keys(passwords)) {
		out = append(out, &server.User{Username: u, Password: passwords[u], Permissions: Permissions(u)})
	}
	return out
}
