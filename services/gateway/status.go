package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"ringmaster.dev/events"
	"ringmaster.dev/gateway/forge"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/gitstack"
)

var statusStates = map[string]bool{"pending": true, "success": true, "failure": true, "error": true}

// handleStatus sets a commit status on the stack's forge with the stack's
// token. A forge that is down or rate-limits is tried again (with backoff,
// then the command is dead-lettered with the reason); a refusal (bad token,
// unknown repository) is dead-lettered at once. Never is the token logged.
func (g *Gateway) handleStatus(d *bus.Delivery) error {
	req := d.Payload.(*events.ForgeStatusRequested)
	if !commitRE.MatchString(req.Commit) || !statusStates[req.State] || req.Context == "" {
		return bus.Permanent(fmt.Errorf("status %q on commit %q (context %q): want pending, success, failure or error on a 40-hex commit", req.State, req.Commit, req.Context))
	}
	rec, err := g.Stacks.Get(d.Ctx, req.Stack)
	if errors.Is(err, gitstack.ErrNotFound) {
		return bus.Permanent(err)
	}
	if err != nil {
		return err
	}
	if rec.Forge == "" {
		return bus.Permanent(fmt.Errorf("stack %s names no forge (ring stack add --forge github|gitlab|gitea)", rec.Name))
	}
	token, err := gitstack.ReadSecret(gitstack.TokenPath(g.KeyDir, rec.Name))
	if err != nil {
		return bus.Permanent(fmt.Errorf("stack %s: forge token: %w (ring stack add --token-file)", rec.Name, err))
	}
	api := rec.API
	if api == "" {
		api = forge.DefaultAPI(rec.Forge, rec.Git)
	}
	// A status the forge took is marked at once, so a redelivery (the
	// process died before the command was acknowledged) does not post it
	// again.
	mark := deliveryKey(d.Envelope.ID)
	if _, err := g.Posted.Get(d.Ctx, mark); err == nil {
		d.Log.Info().Str("context", req.Context).Str("state", req.State).Msg("commit status posted before")
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return err
	} else {
		poster, err := forge.NewPoster(rec.Forge, api, token, nil)
		if err != nil {
			return bus.Permanent(err)
		}
		err = poster.Post(d.Ctx, forge.Status{Repo: gitstack.FullName(rec.Git), Commit: req.Commit, Ref: req.Ref, State: req.State,
			Context: req.Context, Description: req.Description, TargetURL: req.TargetURL})
		var pe *forge.PostError
		if errors.As(err, &pe) && !pe.Retryable {
			return bus.Permanent(err)
		}
		if err != nil {
			return err
		}
		if _, err := g.Posted.Put(context.WithoutCancel(d.Ctx), mark, []byte(req.Context+" "+req.State)); err != nil {
			d.Log.Warn().Err(err).Msg("commit status: mark not kept")
		}
		d.Log.Info().Str("stack", rec.Name).Str("commit", short(req.Commit)).Str("context", req.Context).Str("state", req.State).Msg("commit status posted")
	}
	return d.Emit(&events.ForgeStatusPosted{Stack: rec.Name, Forge: rec.Forge, Commit: req.Commit, Context: req.Context, State: req.State})
}
