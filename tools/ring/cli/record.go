package cli

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/rs/zerolog"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/runs"
)

// follower is the service that keeps the run records of runs started
// outside its doors: it follows each run on the bus (chat.reply.requested
// with platform cli or schedule), so a record ends even when the CLI that
// started the run is stopped with Ctrl-C.
const follower = "gateway"

// recordRun writes the run record of a command sent straight onto the bus
// (trigger events.TriggerCLI or events.TriggerSchedule) and asks the
// gateway to follow the run. It is best effort: without a gateway, or for
// a command no verb of the grammar sends, nothing is written, and a
// failure is logged at debug level — the command is sent all the same.
// It reports whether the record was written (false: one of that id
// existed, or none was made).
func recordRun(ctx context.Context, conn *bus.Conn, log zerolog.Logger, runID, trigger, who string, cmd any) bool {
	rec, follow, ok := runRecord(runID, trigger, who, cmd, time.Now().UTC())
	if !ok {
		return false
	}
	log = log.With().Str("run", runID).Str("trigger", trigger).Logger()
	if _, err := conn.JS.Consumer(ctx, events.CommandStream(follower), follower); err != nil {
		log.Debug().Err(err).Msg("no run record: no gateway to follow the run")
		return false
	}
	st, err := runs.Open(ctx, conn.JS)
	if err != nil {
		log.Debug().Err(err).Msg("no run record")
		return false
	}
	created, err := st.Create(ctx, rec)
	if err != nil || !created {
		log.Debug().Err(err).Bool("existed", !created).Msg("no run record written")
		return false
	}
	if _, err := conn.Publish(ctx, follow, bus.WithID(trigger+"/"+runID+"/follow"), bus.WithRunID(runID)); err != nil {
		log.Debug().Err(err).Msg("run record written, but the gateway was not asked to follow the run")
	}
	return true
}

// runRecord is the queued record of a command sent straight onto the bus
// and the request that has the gateway follow it; ok is false for a
// command the grammar has no verb for.
func runRecord(runID, trigger, who string, cmd any, now time.Time) (*runs.Record, *events.ChatReplyRequested, bool) {
	req, ok := command.FromEvent(cmd)
	if !ok {
		return nil, nil, false
	}
	rec := &runs.Record{ID: runID, Kind: req.Verb, Trigger: trigger, State: runs.Queued, Stack: req.Stack, Cluster: req.Cluster,
		Channel: req.Channel, Command: req.Line(), Sender: who, Created: now}
	switch c := cmd.(type) {
	case *events.RepoPromoteRequested:
		rec.Channel = c.To
	case *events.BuildRequested:
		if c.Git != nil {
			rec.Repo, rec.Commit, rec.Ref = c.Git.Repo, c.Git.Commit, c.Git.Ref
		}
	case *events.ClusterCreateRequested:
		rec.Commit = c.Commit
	}
	return rec, &events.ChatReplyRequested{Platform: trigger, Command: req.Line()}, true
}

// osUser is who runs the CLI: the OS user's login name.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}
