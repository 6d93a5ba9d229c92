package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/gateway/forge"
	"ringmaster.dev/kit/command"
	"ringmaster.dev/kit/gitstack"
	"ringmaster.dev/policies"
)

// comment takes a verified comment delivery of a stack's repository: the
// first line starting /ring is a command, decided and recorded like a chat
// one, answered with a reply comment (edited in place as the run goes on).
// A forge's redelivery answers the same run and starts nothing again.
func (g *Gateway) comment(w http.ResponseWriter, r *http.Request, rec gitstack.Record, d forge.Delivery) {
	c := d.Comment
	if !c.Created {
		writeJSON(w, http.StatusOK, hookAnswer{Ignored: "an edited or deleted comment asks nothing"})
		return
	}
	line, ok := ringLine(c.Body)
	if !ok {
		writeJSON(w, http.StatusOK, hookAnswer{Ignored: "no line starting /ring"})
		return
	}
	thread := forge.Thread{Repo: d.RepoName, Issue: c.Issue, PullRequest: c.PullRequest, Commit: c.Commit}
	room := d.RepoName
	if c.Issue > 0 {
		room += fmt.Sprintf("#%d", c.Issue)
	} else if c.Commit != "" {
		room += "@" + short(c.Commit)
	}
	a := ask{door: command.Comment, platform: d.Forge, user: c.Author, room: policies.Room{ID: room, Name: room}, remote: r.RemoteAddr,
		text: line, delivery: d.ID, stack: rec.Name, reply: reply{Kind: "forge", Stack: rec.Name, Forge: d.Forge, Thread: thread}}
	ans := g.handle(r.Context(), a)
	if ans.run != "" {
		writeJSON(w, http.StatusAccepted, hookAnswer{Run: ans.run})
	} else {
		writeJSON(w, http.StatusOK, hookAnswer{Ignored: "answered: " + cutText(ans.text, 200)})
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	// The answer goes back as a reply comment, after the forge has its 2xx.
	text := chatText(ans)
	if ans.usage != "" && !strings.Contains(text, "usage:") {
		text += "\nusage: " + ans.usage
	}
	go g.answerComment(ans.run, a.reply, c.Author, line, text)
}

// answerComment posts the first reply comment; a run's later progress
// edits it (the reply handler finds its id in the reply bucket).
func (g *Gateway) answerComment(runID string, target reply, author, line, text string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	target.Command, target.Author = line, author
	if runID != "" {
		if cur, err := g.replyTarget(ctx, runID); err == nil && cur.Kind != "" {
			if cur.Comment != 0 {
				return // a redelivery: the run has its comment
			}
			target = cur
		}
	}
	rep, err := g.replier(ctx, target.Stack)
	if err != nil {
		g.Log.Warn().Err(err).Msg("chat-ops: no reply comment")
		return
	}
	id, err := rep.Create(ctx, target.Thread, forge.ReplyBody(author, line, text))
	if err != nil {
		g.Log.Warn().Err(err).Msg("chat-ops: reply comment not posted")
		return
	}
	if runID != "" && id != 0 {
		target.Comment = id
		if b, err := json.Marshal(target); err == nil {
			_, _ = g.ops.replies.Put(ctx, runID, b)
		}
	}
	g.Log.Debug().Str("run", events.ShortRunID(runID)).Msg("reply comment posted")
}

// ringLine is the first line of a comment that starts with /ring.
func ringLine(body string) (string, bool) {
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(l)
		if l == "/ring" || strings.HasPrefix(l, "/ring ") {
			return l, true
		}
	}
	return "", false
}
