//go:build integration

package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"ringmaster.dev/kit/cluster"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/runs"
	"ringmaster.dev/ring/platform"
)

const (
	stackPath = "infra/stacks/fixture"
	ctxBuild  = "ringmaster/build"
	ctxTest   = "ringmaster/test"
)

// awaitRun polls ring runs show until the run has ended.
func awaitRun(t testing.TB, home, id string, timeout time.Duration) runs.Record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, err := ring(t, home, "runs", "show", id, "--output", "json")
		var r runs.Record
		if err == nil && json.Unmarshal([]byte(out), &r) == nil && r.Done() {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s did not end within %s: %v\n%s", id, timeout, err, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func stage(r runs.Record, name string) runs.Stage {
	for _, s := range r.Stages {
		if s.Name == name {
			return s
		}
	}
	return runs.Stage{}
}

func cached(r runs.Record) map[string]bool {
	out := map[string]bool{}
	for _, c := range r.Cells {
		out[c.Component+"/"+c.Distro] = c.Cached
	}
	return out
}

// TestPipelineFromGit is a push to a stack's git repository through to
// commit statuses, with the real things: git daemon and the git CLI, the
// gateway taking GitHub deliveries as GitHub sends them, the builder
// fetching the pushed commit, the signed repository, a cluster, the suites,
// and a recorder standing in for GitHub's status API. Then: a push that
// touches one component rebuilds only its cells; a README-only push builds
// and tests nothing; a broken stack.yaml fails naming file:line and
// publishes nothing; a force-push; a failing suite; a branch, its deletion,
// a pull request; a v* tag promoted to stable; and ring up SIGKILLed mid-run.
// stackEnv is a stack from git on a running platform: a git daemon
// serving acme/stacks.git with the project's fixture stack at
// infra/stacks/fixture (publishing to channel), ring up, the stack added
// with a secret, and GitHub's status API stood in for by a recorder.
type stackEnv struct {
	home, url, hook, secret string
	w                       *gitWork
	forge                   *statusRecorder
	upCmd                   *exec.Cmd
	upOut                   *syncBuffer
	e                       platform.Endpoints
	first                   string // the commit pushed to main
}

func newStackEnv(t testing.TB, channel string) *stackEnv {
	projectEnv(t)
	dc, err := image.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cleanupClusters(t, cluster.New(dc), "ci-")
	git := startGitDaemon(t)
	env := &stackEnv{url: git.repo(t, "acme/stacks.git"), secret: "a webhook secret"}
	w := cloneWork(t, env.url)
	if err := os.MkdirAll(filepath.Join(w.dir, stackPath), 0o755); err != nil {
		t.Fatal(err)
	}
	copyDir(t, "../../"+stackPath, filepath.Join(w.dir, stackPath))
	w.edit(stackPath+"/stack.yaml", "channel: stable", "channel: "+channel)
	w.write("README.md", "# stacks\n")
	env.first = w.commit("the fixture stack")
	w.git("push", "-q", "origin", "main")
	env.w = w

	token := "ghs_test-token-0123456789"
	env.forge = newStatusRecorder(t, token)
	env.home = t.TempDir()
	files := t.TempDir()
	os.WriteFile(filepath.Join(files, "token"), []byte(token+"\n"), 0o600)
	os.WriteFile(filepath.Join(files, "secret"), []byte(env.secret+"\n"), 0o600)
	env.upCmd, env.upOut, env.e = up(t, env.home)
	mustRing(t, env.home, time.Minute, "stack", "add", "fixture", "--git", env.url, "--path", stackPath, "--forge", "github",
		"--api", env.forge.srv.URL+"/", "--secret-file", filepath.Join(files, "secret"), "--token-file", filepath.Join(files, "token"))
	env.hook = env.e.HTTP + "/hooks/fixture"
	return env
}

// push commits what the work tree holds, pushes it to main and delivers
// GitHub's push webhook for it; it returns the commit and the run.
func (env *stackEnv) push(t testing.TB, before, msg string) (string, string) {
	t.Helper()
	commit := env.w.commit(msg)
	env.w.git("push", "-q", "origin", "main")
	return commit, ghPush(t, env.url, "refs/heads/main", before, commit).run(t, env.hook, env.secret)
}

func TestPipelineFromGit(t *testing.T) {
	env := newStackEnv(t, "ci")
	home, url, hook, secret, w, forge, e, first := env.home, env.url, env.hook, env.secret, env.w, env.forge, env.e, env.first
	upCmd := env.upCmd
	if out := mustRing(t, home, time.Minute, "stack", "list"); !strings.Contains(out, hook) {
		t.Fatalf("stack list does not show the webhook %s:\n%s", hook, out)
	}

	// 1. A push: 202 at once, then build, publish, cluster, suites, statuses.
	code, body, took := ghPush(t, url, "refs/heads/main", strings.Repeat("0", 40), first).send(t, hook, secret)
	id := runOf(t, code, body)
	t.Logf("push answered %d in %s", code, took)
	r := awaitRun(t, home, id, 30*time.Minute)
	if r.State != runs.Success || r.Channel != "ci" || r.Commit != first || len(r.Cells) != 4 || r.Tests == nil || r.Tests.Passed == 0 {
		t.Fatalf("first push: %+v\n%s", r, env.upOut.String())
	}
	forge.waitFor(first, ctxBuild+": pending success; "+ctxTest+": pending success")
	if s, _ := forge.last(first, ctxTest); !strings.HasSuffix(s.TargetURL, "/runs/"+id+"/junit.xml") || s.Repo != "acme/stacks" {
		t.Errorf("test status %+v: want a link to the JUnit of run %s on acme/stacks", s, id)
	}
	if out := mustRing(t, home, time.Minute, "runs", "list", "--output", "json"); !strings.Contains(out, `"state": "success"`) || !strings.Contains(out, first) {
		t.Errorf("runs list:\n%s", out)
	}
	if resp, err := http.Get(e.HTTP + "/runs/" + id + "/junit.xml"); err != nil || resp.StatusCode != 200 {
		t.Errorf("the JUnit link: %v %v", resp, err)
	}

	// 2. A change to one component rebuilds its cells only.
	w.edit(stackPath+"/src/ringhello/ringhellod.c", "/* ringhellod prints", "/* (changed) ringhellod prints")
	second := w.commit("ringhellod: a comment")
	w.git("push", "-q", "origin", "main")
	r = awaitRun(t, home, ghPush(t, url, "refs/heads/main", first, second).run(t, hook, secret), 30*time.Minute)
	c := cached(r)
	if r.State != runs.Success || !c["ringhello-lib/debian-12"] || !c["ringhello-lib/debian-11"] || c["ringhello/debian-12"] || c["ringhello/debian-11"] {
		t.Fatalf("second push: want ringhello rebuilt, ringhello-lib from the cache: %+v", r)
	}

	// 3. README only: every cell from the cache, the suites' result too.
	w.write("README.md", "# stacks\n\nSee infra/stacks.\n")
	third := w.commit("README")
	w.git("push", "-q", "origin", "main")
	start := time.Now()
	r = awaitRun(t, home, ghPush(t, url, "refs/heads/main", second, third).run(t, hook, secret), 5*time.Minute)
	if r.State != runs.Success || stage(r, "cluster").State != "skipped" || r.Tests == nil || r.Tests.Cached == "" {
		t.Fatalf("README push: want success without a cluster: %+v", r)
	}
	forge.waitFor(third, ctxBuild+": pending success; "+ctxTest+": success")
	t.Logf("a README-only push: green in %s", time.Since(start).Round(100*time.Millisecond))

	// 4. A broken stack.yaml: failure naming file:line, nothing published.
	w.edit(stackPath+"/stack.yaml", `version: "1.0.0"`, `version: "one"`)
	broken := w.commit("a broken version")
	w.git("push", "-q", "origin", "main")
	r = awaitRun(t, home, ghPush(t, url, "refs/heads/main", third, broken).run(t, hook, secret), 5*time.Minute)
	if r.State != runs.Failure || !strings.Contains(r.Reason, stackPath+"/stack.yaml:") || stage(r, "publish").Name != "" {
		t.Fatalf("broken stack.yaml: want a failure naming %s/stack.yaml:LINE and no publish: %+v", stackPath, r)
	}
	forge.waitFor(broken, ctxBuild+": pending failure")
	if s, _ := forge.last(broken, ctxBuild); !strings.Contains(s.Description, "stack.yaml:") {
		t.Errorf("the failure status does not name the file and line: %q", s.Description)
	}

	// 5. A force-push back to the README commit: green from the caches.
	w.git("reset", "-q", "--hard", third)
	w.git("push", "-q", "--force", "origin", "main")
	d := ghPush(t, url, "refs/heads/main", broken, third)
	d.body = []byte(strings.Replace(string(d.body), `"forced": false`, `"forced": true`, 1))
	if r = awaitRun(t, home, d.run(t, hook, secret), 5*time.Minute); r.State != runs.Success {
		t.Fatalf("force-push: %+v", r)
	}

	// 6. A suite that fails: a failure status linking the JUnit XML.
	w.edit(stackPath+"/src/ringhello/ringhellod.c", "const char *g = ringhello_greeting(name);", `const char *g = "goodbye";`)
	failing := w.commit("ringhellod says goodbye")
	w.git("push", "-q", "origin", "main")
	r = awaitRun(t, home, ghPush(t, url, "refs/heads/main", third, failing).run(t, hook, secret), 30*time.Minute)
	if r.State != runs.Failure || stage(r, "test").State != runs.Failure || !strings.Contains(r.Reason, "greets-with-node-name") || r.JUnitKey == "" {
		t.Fatalf("failing suite: %+v", r)
	}
	forge.waitFor(failing, ctxBuild+": pending success; "+ctxTest+": pending failure")
	if s, _ := forge.last(failing, ctxTest); !strings.Contains(s.Description, "greets-with-node-name") {
		t.Errorf("failure status: %+v", s)
	}
	if stage(r, "destroy").State != runs.Success {
		t.Errorf("the failed run's cluster was not removed: %+v", r.Stages)
	}
	w.git("reset", "-q", "--hard", third)
	w.git("push", "-q", "--force", "origin", "main")

	// 7. A branch publishes to branch-<name>; deleting it builds nothing.
	w.git("checkout", "-q", "-b", "dev")
	w.write("NOTES", "dev\n")
	dev := w.commit("on dev")
	w.git("push", "-q", "origin", "dev")
	r = awaitRun(t, home, ghPush(t, url, "refs/heads/dev", strings.Repeat("0", 40), dev).run(t, hook, secret), 5*time.Minute)
	if r.State != runs.Success || r.Channel != "branch-dev" {
		t.Fatalf("branch dev: %+v", r)
	}
	w.git("push", "-q", "origin", "--delete", "dev")
	del := ghSample(t, "branch_delete", "push", ghSampleRepo, url, "refs/heads/changes", "refs/heads/dev",
		"ec26c3e57ca3a959ca5aad62de7213c562f8c821", dev)
	before := mustRing(t, home, time.Minute, "runs", "list")
	if code, body, _ := del.send(t, hook, secret); code != http.StatusOK || !strings.Contains(body, "deleted") {
		t.Fatalf("branch delete answered %d %s, want 200 ignored", code, body)
	}
	if after := mustRing(t, home, time.Minute, "runs", "list"); strings.Count(after, "\n") != strings.Count(before, "\n") {
		t.Errorf("a deleted branch started a run:\n%s", after)
	}

	// 8. A pull request publishes to pr-<n>, built from refs/pull/<n>/head.
	w.git("push", "-q", "origin", dev+":refs/pull/2/head")
	pr := ghSample(t, "pull_request_opened", "pull_request", ghSampleRepo, url, "ec26c3e57ca3a959ca5aad62de7213c562f8c821", dev)
	if r = awaitRun(t, home, pr.run(t, hook, secret), 5*time.Minute); r.State != runs.Success || r.Channel != "pr-2" {
		t.Fatalf("pull request: %+v", r)
	}
	w.git("checkout", "-q", "main")

	// 9. A v* tag: promoted from ci to stable, the same bytes.
	w.git("tag", "v1.0.0", third)
	w.git("push", "-q", "origin", "v1.0.0")
	// A lightweight tag: its "after" and head_commit are the commit.
	tag := ghSample(t, "tag_push", "push", ghSampleRepo, url, "a10867b14bb761a232cd80139fbd4c0d33264240", third,
		"ec26c3e57ca3a959ca5aad62de7213c562f8c821", third)
	r = awaitRun(t, home, tag.run(t, hook, secret), 5*time.Minute)
	if r.State != runs.Success || stage(r, "promote").State != runs.Success {
		t.Fatalf("tag v1.0.0: %+v", r)
	}
	if out := mustRing(t, home, time.Minute, "repo", "list"); !regexp.MustCompile(`(?m)^stable\s+debian-12\s+ringhello\s`).MatchString(out) {
		t.Errorf("stable after the tag:\n%s", out)
	}

	// 10. ring up SIGKILLed after the 202, mid-build: after the restart the
	// run completes and each status is posted once.
	w.edit(stackPath+"/src/ringhello-lib/ringhello.c", "#include <stdio.h>", "#include <stdio.h> /* rebuilt */")
	killed := w.commit("ringhello-lib: a comment")
	w.git("push", "-q", "origin", "main")
	id = ghPush(t, url, "refs/heads/main", third, killed).run(t, hook, secret)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		// Killed mid-build, once the forge has the pending status.
		out, _ := ring(t, home, "runs", "show", id, "--output", "json")
		if strings.Contains(out, `"name": "build"`) && forge.of(killed) == ctxBuild+": pending" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not start building:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = upCmd.Process.Signal(syscall.SIGKILL)
	_ = upCmd.Wait()
	os.Remove(filepath.Join(home, "endpoints.json"))
	_, upOut, _ := up(t, home, "--http", strings.TrimPrefix(e.HTTP, "http://"))
	r = awaitRun(t, home, id, 30*time.Minute)
	if r.State != runs.Success {
		t.Fatalf("after SIGKILL: %+v\n%s", r, upOut.String())
	}
	forge.waitFor(killed, ctxBuild+": pending success; "+ctxTest+": pending success")
	time.Sleep(2 * time.Second) // a late duplicate would show now
	if got := forge.of(killed); got != ctxBuild+": pending success; "+ctxTest+": pending success" {
		t.Errorf("statuses after the restart: %s, want each once", got)
	}
	forge.mu.Lock()
	if len(forge.bad) > 0 {
		t.Errorf("the status API refused: %v", forge.bad)
	}
	forge.mu.Unlock()
}

// BenchmarkPushToGreen times, with the images present, a push of the
// fixture stack from git to its last green commit status: the first push
// (four cells to build), a push that changes one component (two cells,
// a cluster, the suites) and a README-only push (nothing to build or
// test). One round whatever b.N: go test -tags integration -run '^$'
// -bench PushToGreen -benchtime 1x.
func BenchmarkPushToGreen(b *testing.B) {
	env := newStackEnv(b, "ci")
	green := func(commit, run, want string) {
		if r := awaitRun(b, env.home, run, 30*time.Minute); r.State != runs.Success {
			b.Fatalf("run %s of %s: %s: %s", run, commit[:12], r.State, r.Reason)
		}
		env.forge.waitFor(commit, want)
	}
	both := ctxBuild + ": pending success; " + ctxTest + ": pending success"
	start := time.Now()
	green(env.first, ghPush(b, env.url, "refs/heads/main", strings.Repeat("0", 40), env.first).run(b, env.hook, env.secret), both)
	first := time.Since(start)

	env.w.edit(stackPath+"/src/ringhello/ringhellod.c", "/* ringhellod prints", "/* (changed) ringhellod prints")
	start = time.Now()
	second, run := env.push(b, env.first, "one component")
	green(second, run, both)
	one := time.Since(start)

	env.w.write("README.md", "# stacks\n\nchanged\n")
	start = time.Now()
	third, run := env.push(b, second, "README")
	green(third, run, ctxBuild+": pending success; "+ctxTest+": success")
	readme := time.Since(start)
	b.ReportMetric(first.Seconds(), "s-first-push")
	b.ReportMetric(one.Seconds(), "s-one-component")
	b.ReportMetric(readme.Seconds(), "s-readme-only")
}
