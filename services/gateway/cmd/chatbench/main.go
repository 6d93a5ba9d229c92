// Command chatbench measures chat-ops intake: signed Slack slash commands
// at a fixed rate against the gateway on an embedded NATS with file
// storage — verify the signature, refuse replays, read the command,
// decide it with the authorization policy, record the audit fact, store
// the run record and the commands in JetStream — to the ephemeral answer.
// Two mixes: builds a developer may ask ("accepted, run R"), and the same
// from a reader ("denied by rule …"). It prints latency percentiles.
//
//	go run ./cmd/chatbench --rate 50 --duration 20s
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/gateway"
	"ringmaster.dev/gateway/internal/benchrig"
	"ringmaster.dev/kit/chatconf"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/kit/inventory"
	"ringmaster.dev/kit/service"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// noClusters: the benchmark asks nothing of Docker.
type noClusters struct{}

func (noClusters) List(context.Context) ([]inventory.Cluster, error) { return nil, nil }
func (noClusters) Get(_ context.Context, name string) (inventory.Cluster, error) {
	return inventory.Cluster{}, fmt.Errorf("cluster %s: %w", name, inventory.ErrNotFound)
}

func main() {
	rate := flag.Int("rate", 50, "slash commands per second (open loop: sent on schedule whatever the answers)")
	dur := flag.Duration("duration", 20*time.Second, "how long each mix is sent")
	roles := flag.String("roles", "../../infra/authz/roles.yaml", "the roles file")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "chatbench — Slack slash command to ephemeral answer, authorization included.\n\nExample:\n  go run ./cmd/chatbench --rate 50 --duration 20s\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*rate, *dur, *roles); err != nil {
		fmt.Fprintln(os.Stderr, "chatbench:", err)
		os.Exit(1)
	}
}

func run(rate int, dur time.Duration, roles string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rig, err := benchrig.Start(ctx, "chatbench")
	if err != nil {
		return err
	}
	defer rig.Close()
	conn := rig.Conn
	keys := filepath.Join(rig.Dir, "keys")
	if err := gitstack.WriteSecret(chatconf.SlackSecretPath(keys), []byte(secret)); err != nil {
		return err
	}
	if err := chatconf.WriteYAML(chatconf.IdentitiesPath(keys), "", chatconf.Identities{Version: 1, Identities: []chatconf.Identity{
		{ID: "slack:T1/UDEV", Name: "alice", Groups: []string{"developers"}}, {ID: "slack:T1/*", Groups: []string{"readers"}}}}); err != nil {
		return err
	}
	g, err := gateway.Open(ctx, service.Deps{Bus: conn, KeyDir: keys, Log: zerolog.Nop()},
		gateway.Options{HTTP: "127.0.0.1:0", RolesFile: roles, Clusters: noClusters{}})
	if err != nil {
		return err
	}
	go g.Serve(ctx)
	fmt.Printf("slash command → ephemeral answer, %d requests/s for %s each, %d cores, GOMAXPROCS %d\n", rate, dur, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	url := "http://" + g.Addr() + "/chat/slack"
	load("developer: build (accepted, run R)", url, "UDEV", "accepted, run", rate, dur)
	load("reader: build (denied by the policy)", url, "UREADER", "denied by rule role-required", rate, dur)
	return nil
}

// load sends rate signed slash commands a second for dur, each distinct
// (its own trigger_id, so no two signatures are alike), and prints the
// latency of the answers; an answer without want is an error.
func load(name, target, user, want string, rate int, dur time.Duration) {
	run := strconv.FormatInt(time.Now().UnixNano(), 10)
	benchrig.Open(name, benchrig.Client(), rate, dur, func(i int) *http.Request {
		v := url.Values{"token": {"x"}, "team_id": {"T1"}, "team_domain": {"acme"}, "channel_id": {"C1"}, "channel_name": {"ci"},
			"user_id": {user}, "user_name": {strings.ToLower(user)}, "command": {"/ring"}, "text": {"build fixture --distro debian-12 --channel bench"},
			"response_url": {"https://hooks.slack.com/commands/T1/" + strconv.Itoa(i) + "/x"}, "trigger_id": {strconv.Itoa(i) + "." + run}}
		form := v.Encode()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte("v0:" + ts + ":" + form))
		req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		return req
	}, func(resp *http.Response, b []byte) bool {
		return resp.StatusCode == http.StatusOK && strings.Contains(string(b), want)
	})
}
