//go:build integration

package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"ringmaster.dev/builder"
	"ringmaster.dev/builder/cell"
	"ringmaster.dev/builder/packaging"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/natsauth"
	"ringmaster.dev/kit/natsserver"
	"ringmaster.dev/kit/repository"
	"ringmaster.dev/kit/seaweed"
	"ringmaster.dev/kit/stack"
	publisher "ringmaster.dev/repo-publisher"
)

// proc is a service process of the drill, restartable with the same
// settings (work directory, credentials).
type proc struct {
	t    *testing.T
	name string
	bin  string
	env  []string
	log  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *proc) start(extraEnv ...string) {
	p.t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(p.bin)
	cmd.Env = append(append(os.Environ(), p.env...), extraEnv...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
}

// kill SIGKILLs the process and waits until it is gone.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	<-done
}

// state is how the process ended (after exited said it did).
func (p *proc) state() *os.ProcessState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.ProcessState
}

// exited waits up to d (0: not at all) for the process to end, by
// itself or killed, since its last start.
func (p *proc) exited(d time.Duration) bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
		return true
	default:
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// faultPkg makes package faultpkgNNN 1.0 as a .deb or .rpm.
func faultPkg(t *testing.T, dir string, i int, format packaging.Format) string {
	t.Helper()
	name := fmt.Sprintf("faultpkg%03d", i)
	staged := filepath.Join(dir, name+"-"+string(format))
	if err := os.MkdirAll(staged, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(staged, "ID"), []byte(name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	comp := &stack.Component{Name: name, Version: "1.0", Release: "1", Summary: "fault drill package", License: "MIT",
		Maintainer: "Ringmaster <ringmaster@example.org>", Sources: []stack.Source{{Dir: "src"}},
		Build:   stack.Build{Image: "toolchain", Commands: []string{"true"}},
		Install: []stack.Install{{Src: "ID", Dst: "/usr/share/" + name + "/ID"}}}
	distro := "debian-12"
	if format == packaging.RPM {
		distro = "rockylinux-9"
	}
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	art, err := format.Package(context.Background(), comp, staged, distro, "amd64", packaging.Options{OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	return art.Path
}

// TestFaultsUnderLoad is the drill of the distributed form: a 3-server
// NATS cluster over TLS with the services' own users, SeaweedFS (two
// volume servers, every object on both), two builder processes and a
// repo-publisher process. While 20 builds of the fixture stack and 200
// publications are in flight, it SIGKILLs a builder mid-cell, kills the
// leader of the publisher's command stream, kills a volume server,
// SIGKILLs the publisher between its pool write and its index write (a
// failpoint), and freezes one NATS server (SIGSTOP: unreachable on every
// link, the way a partition cuts it off) — restarting or resuming each.
// Stock apt-get update and dnf makecache poll the repository throughout.
// Afterwards every build finished exactly once with every cell built, every
// package is in the indexes exactly once, every reader's poll succeeded, no
// command was dead-lettered, and no build container is left.
func TestFaultsUnderLoad(t *testing.T) {
	weedBin := os.Getenv("RING_WEED")
	if weedBin == "" {
		t.Skip("RING_WEED is not set (make test builds bin/weed and sets it)")
	}
	const builds, publishes = 20, 200
	const access, secret = "drill", "drill-secret-key"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	work := t.TempDir()

	natsBin := filepath.Join(root, "bin", "nats-server")
	if _, err := os.Stat(natsBin); err != nil {
		natsBin = filepath.Join(work, "nats-server")
		if out, err := exec.Command("go", "build", "-C", filepath.Join(root, "services", "kit"), "-o", natsBin, "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
			t.Fatalf("build nats-server: %v\n%s", err, out)
		}
	}
	nats, err := natsserver.StartProcesses(ctx, natsserver.ProcessesConfig{Bin: natsBin, Home: filepath.Join(work, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	defer nats.Close()
	weed, err := seaweed.Start(ctx, seaweed.Config{Bin: weedBin, Dir: filepath.Join(work, "weed"), AccessKey: access, SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer weed.Close()

	var admin *bus.Conn
	for admin == nil {
		c, err := bus.Connect(ctx, nats.Seeds, natsserver.CLIUser, bus.WithCredentials(nats.Creds[natsserver.CLIUser]))
		if err == nil && c.EnsureTopology(ctx) == nil {
			admin = c
			break
		}
		if c != nil {
			c.Close()
		}
		if ctx.Err() != nil {
			t.Fatalf("the NATS cluster did not come up: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	defer admin.Close()
	store, err := blob.Open(ctx, blob.Config{Endpoint: weed.Endpoint(), AccessKey: access, SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}

	// The services, each its own process and NATS user.
	binDir := filepath.Join(work, "bin")
	for _, s := range []string{"builder", "repo-publisher"} {
		if out, err := exec.Command("go", "build", "-C", filepath.Join(root, "services", s), "-o", filepath.Join(binDir, s), "./cmd/"+s).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", s, err, out)
		}
	}
	// The fixture as it is, but each cell of it first sleeps: on a quiet
	// machine its builds take less than a second, and the drill must catch
	// a builder in the middle of one (only the first build builds; the
	// others have the same build keys).
	stacks := filepath.Join(work, "stacks")
	if err := os.CopyFS(filepath.Join(stacks, "fixture"), os.DirFS(filepath.Join(root, "infra", "stacks", "fixture"))); err != nil {
		t.Fatal(err)
	}
	fixture := filepath.Join(stacks, "fixture", "stack.yaml")
	yaml, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	slowed := strings.ReplaceAll(string(yaml), "      commands:\n", "      commands:\n        - sleep 10\n")
	if strings.Count(slowed, "sleep 10") < 2 {
		t.Fatalf("%s: no build commands to slow down", fixture)
	}
	if err := os.WriteFile(fixture, []byte(slowed), 0o644); err != nil {
		t.Fatal(err)
	}
	common := []string{"RING_NATS_URL=" + nats.Seeds, "RING_S3_URL=" + weed.Endpoint(), "RING_S3_ACCESS_KEY=" + access, "RING_S3_SECRET_KEY=" + secret,
		"RING_KEY_DIR=" + filepath.Join(work, "keys"), "RING_ACK_WAIT=5s", "RING_LOG_LEVEL=info",
		"RING_STACKS=" + stacks, "RING_IMAGES=" + filepath.Join(root, "infra", "images"),
		"RING_DEB_CACHE=" + filepath.Join(os.Getenv("HOME"), ".local", "share", "ringmaster", "cache", "debs")}
	newProc := func(name, svc string) *proc {
		env := append([]string{"RING_WORK_DIR=" + filepath.Join(work, name), "RING_NATS_CREDS=" + natsauth.Path(nats.Home, svc), "RING_BUILD_PARALLEL=2"}, common...)
		return &proc{t: t, name: name, bin: filepath.Join(binDir, svc), env: env, log: filepath.Join(work, name+".log")}
	}
	builderA, builderB, pub := newProc("builder-a", "builder"), newProc("builder-b", "builder"), newProc("publisher", "repo-publisher")
	all := []*proc{builderA, builderB, pub}
	defer func() {
		for _, p := range all {
			p.kill()
		}
		if t.Failed() {
			for _, p := range all {
				b, _ := os.ReadFile(p.log)
				t.Logf("--- %s (last lines)\n%s", p.name, lastLines(string(b), 30))
			}
		}
	}()
	for _, p := range all {
		p.start()
	}
	dc, err := image.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	buildContainers := func(all bool) []container.Summary {
		list, err := dc.ContainerList(context.Background(), container.ListOptions{All: all, Filters: filters.NewArgs(filters.Arg("label", cell.LabelStack+"=fixture"))})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	defer func() { // nothing of the drill stays, whatever happened
		for _, c := range buildContainers(true) {
			_ = dc.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true})
		}
	}()

	// Packages for the publications: a .deb each, and a .rpm every fifth.
	pkgDir := filepath.Join(work, "pkgs")
	refs := make([][]events.PackageRef, publishes)
	var files []publisher.UploadFile
	var owner []int
	for i := range publishes {
		for _, f := range []packaging.Format{packaging.Deb, packaging.RPM} {
			if f == packaging.RPM && i%5 != 0 {
				continue
			}
			path := faultPkg(t, pkgDir, i, f)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, publisher.UploadFile{Name: filepath.Base(path), Data: data})
			owner = append(owner, i)
		}
	}
	up, err := publisher.UploadAll(ctx, store, files, 16, nil)
	if err != nil {
		t.Fatal(err)
	}
	for j, r := range up {
		refs[owner[j]] = append(refs[owner[j]], r)
	}

	// A reader of each kind polls from the first publication on, and stops
	// before the test ends, however it ends.
	faults := &drill{t: t}
	var readers sync.WaitGroup
	var stopOnce sync.Once
	stopReaders := make(chan struct{})
	stopReading := func() {
		stopOnce.Do(func() { close(stopReaders) })
		readers.Wait()
	}
	defer stopReading()
	startReaders := func() {
		keyring := filepath.Join(work, "ringmaster.gpg")
		rc, _, err := store.Get(ctx, repository.KeyBinary)
		if err != nil {
			t.Errorf("public key: %v", err)
			return
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(rc)
		rc.Close()
		_ = os.WriteFile(keyring, b.Bytes(), 0o644)
		asc := filepath.Join(work, "ringmaster.asc")
		rc, _, err = store.Get(ctx, repository.KeyArmored)
		if err == nil {
			b.Reset()
			_, _ = b.ReadFrom(rc)
			rc.Close()
			_ = os.WriteFile(asc, b.Bytes(), 0o644)
		}
		base := weed.Endpoint() + "/" + blob.DefaultBucket + "/"
		apt := aptRoot(t, "Types: deb\nURIs: "+base+strings.TrimSuffix(repository.AptRoot, "/")+"\nSuites: "+repository.Suite("debian-12", "faults")+
			"\nComponents: main\nSigned-By: "+keyring+"\n")
		dnf := dnfRoot(t, "[faults]\nname=faults\nbaseurl="+base+repository.YumRoot("rockylinux-9", "faults")+
			"\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=file://"+asc+"\n")
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stopReaders:
					return
				default:
				}
				if out, err := apt("update"); err != nil || strings.Contains(out, "W:") || strings.Contains(out, "E:") {
					faults.readerFailed("apt-get update", fmt.Sprintf("%v\n%s", err, out))
				} else {
					faults.readerOK("apt-get update")
				}
				if out, err := dnf("makecache"); err != nil {
					faults.readerFailed("dnf makecache", fmt.Sprintf("%v\n%s", err, out))
				} else {
					faults.readerOK("dnf makecache")
				}
			}
		}()
	}

	// Build 0 first: a builder is killed while it runs one of its cells.
	start := time.Now()
	send := func(payload any, runID string) {
		t.Helper()
		for attempt := 1; ; attempt++ { // a leader election may refuse a publish: again, same id
			pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := admin.Publish(pctx, payload, bus.WithID(runID), bus.WithRunID(runID))
			pcancel()
			if err == nil {
				return
			}
			if attempt == 30 {
				t.Fatalf("send %s: %v", runID, err)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	buildRun := func(i int) string { return fmt.Sprintf("drill-build-%02d", i) }
	send(&events.BuildRequested{Stack: "fixture"}, buildRun(0))
	waitUntil(t, ctx, "a build container of the first build", 8*time.Minute, func() bool { return len(buildContainers(false)) > 0 })
	victim := buildContainers(false)[0]
	killedBuilder := builderA
	if builder.OwnerOf(filepath.Join(work, "builder-b")) == victim.Labels[cell.LabelOwner] {
		killedBuilder = builderB
	}
	killedBuilder.kill()
	faults.note("SIGKILL %s mid-cell (%s/%s)", killedBuilder.name, victim.Labels[cell.LabelComponent], victim.Labels[cell.LabelDistro])
	for i := 1; i < builds; i++ {
		send(&events.BuildRequested{Stack: "fixture"}, buildRun(i))
	}
	time.Sleep(3 * time.Second)
	killedBuilder.start()
	faults.note("restarted %s", killedBuilder.name)

	// The publications, with the faults among them.
	pubRun := func(i int) string { return fmt.Sprintf("drill-publish-%03d", i) }
	for i := range publishes {
		distros := []string{"debian-12"}
		if len(refs[i]) > 1 {
			distros = append(distros, "rockylinux-9")
		}
		send(&events.RepoPublishRequested{Channel: "faults", Distros: distros, Packages: refs[i]}, pubRun(i))
		switch i {
		case 0:
			waitUntil(t, ctx, "the first publication", 3*time.Minute, func() bool { return faults.count(ctx, admin, "repo.published", "drill-publish-") > 0 })
			startReaders()
		case 40:
			leader, err := nats.StreamLeader(ctx, admin.JS, events.CommandStream("repo-publisher"))
			if err != nil {
				t.Fatal(err)
			}
			if err := nats.Kill(leader); err != nil {
				t.Fatal(err)
			}
			faults.note("SIGKILL nats-server %s, leader of %s", leader, events.CommandStream("repo-publisher"))
			go func() {
				time.Sleep(5 * time.Second)
				if err := nats.Start(ctx, leader); err != nil {
					t.Errorf("restart %s: %v", leader, err)
				}
				faults.note("restarted nats-server %s", leader)
			}()
		case 80:
			if err := weed.Stop("volume2"); err != nil {
				t.Fatal(err)
			}
			faults.note("SIGKILL SeaweedFS volume2")
			go func() {
				time.Sleep(10 * time.Second)
				if err := weed.Restart(ctx, "volume2"); err != nil {
					t.Errorf("restart volume2: %v", err)
				}
				faults.note("restarted SeaweedFS volume2")
			}()
		case 120:
			pub.kill()
			pub.start("RING_FAILPOINT=" + publisher.FailpointPoolWritten)
			if !pub.exited(2 * time.Minute) {
				t.Fatal("the publisher armed to die between pool and index write did not")
			}
			if st, ok := pub.state().Sys().(syscall.WaitStatus); !ok || !st.Signaled() || st.Signal() != syscall.SIGKILL {
				b, _ := os.ReadFile(pub.log)
				t.Fatalf("the publisher armed to die at its failpoint ended otherwise (%v):\n%s", pub.state(), lastLines(string(b), 15))
			}
			faults.note("SIGKILL repo-publisher between its pool write and its index write (failpoint %s)", publisher.FailpointPoolWritten)
			pub.start()
			faults.note("restarted repo-publisher")
		case 160:
			frozen := nats.Names()[2]
			pid := nats.PID(frozen)
			if pid != 0 {
				_ = syscall.Kill(pid, syscall.SIGSTOP)
				faults.note("froze nats-server %s (SIGSTOP: cut off on every link)", frozen)
				time.Sleep(10 * time.Second)
				_ = syscall.Kill(pid, syscall.SIGCONT)
				faults.note("resumed nats-server %s", frozen)
			}
		}
	}
	faults.note("sent %d builds and %d publications in %s", builds, publishes, time.Since(start).Round(time.Second))

	// A service that exits by itself now (none is meant to) would leave
	// the wait below to time out: say so at once.
	alive := func() {
		for _, p := range all {
			if p.exited(0) {
				b, _ := os.ReadFile(p.log)
				t.Fatalf("%s exited during the drill:\n%s", p.name, lastLines(string(b), 15))
			}
		}
	}
	waitUntil(t, ctx, "every publication", 8*time.Minute, func() bool {
		alive()
		return faults.count(ctx, admin, "repo.published", "drill-publish-") == publishes
	})
	waitUntil(t, ctx, "every build", 10*time.Minute, func() bool {
		alive()
		return faults.count(ctx, admin, "build.finished", "drill-build-") == builds
	})
	faults.note("all done %s after the first command", time.Since(start).Round(time.Second))
	time.Sleep(5 * time.Second) // a duplicate would come now
	stopReading()

	// Exactly once: each build finished once with every cell built, each
	// cell succeeded once per build, each publication answered once.
	perRun := faults.allPerRun(ctx, admin, "build.finished")
	for i := range builds {
		envs := perRun[buildRun(i)]
		if len(envs) != 1 {
			t.Errorf("%s: %d build.finished, want 1", buildRun(i), len(envs))
			continue
		}
		var f events.BuildFinished
		_ = json.Unmarshal(envs[0].Data, &f)
		for _, c := range f.Cells {
			if c.State != "ok" {
				t.Errorf("%s: %s/%s %s: %s", buildRun(i), c.Component, c.Distro, c.State, c.Reason)
			}
		}
	}
	for run, envs := range faults.allPerRun(ctx, admin, "build.succeeded") {
		seen := map[string]int{}
		for _, e := range envs {
			var s events.BuildSucceeded
			_ = json.Unmarshal(e.Data, &s)
			seen[s.Component+"/"+s.Distro]++
		}
		for c, n := range seen {
			if n != 1 {
				t.Errorf("%s: %s succeeded %d times", run, c, n)
			}
		}
	}
	for run, envs := range faults.allPerRun(ctx, admin, "repo.published") {
		if strings.HasPrefix(run, "drill-publish-") && len(envs) != 1 {
			t.Errorf("%s: %d repo.published, want 1", run, len(envs))
		}
	}
	// Each package once in the indexes, as stock apt-get and dnf read them.
	apt := aptRoot(t, "Types: deb\nURIs: "+weed.Endpoint()+"/"+blob.DefaultBucket+"/"+strings.TrimSuffix(repository.AptRoot, "/")+
		"\nSuites: "+repository.Suite("debian-12", "faults")+"\nComponents: main\nSigned-By: "+filepath.Join(work, "ringmaster.gpg")+"\n")
	if out, err := apt("update"); err != nil {
		t.Fatalf("apt-get update after the drill: %v\n%s", err, out)
	}
	out, err := apt("install", "--simulate", "faultpkg000", "faultpkg199")
	if err != nil || !strings.Contains(out, "Inst faultpkg199") {
		t.Errorf("apt-get install --simulate: %v\n%s", err, out)
	}
	counts := packagesInIndex(t, ctx, store, "debian-12", "faults")
	for i := range publishes {
		if n := counts[fmt.Sprintf("faultpkg%03d", i)]; n != 1 {
			t.Errorf("faultpkg%03d is %d times in debian-12-faults's Packages, want once", i, n)
		}
	}
	// No dead letters, no container of the drill left.
	dlq, err := admin.JS.Stream(ctx, events.DeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := dlq.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Errorf("dead letters: %v %+v", err, info.State)
	}
	waitUntil(t, ctx, "no build container left", time.Minute, func() bool { return len(buildContainers(true)) == 0 })
	faults.report()
}

// drill keeps the fault timeline and the readers' tallies.
type drill struct {
	t        *testing.T
	mu       sync.Mutex
	start    time.Time
	timeline []string
	ok, bad  map[string]int
}

func (d *drill) note(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.start.IsZero() {
		d.start = time.Now()
	}
	d.timeline = append(d.timeline, fmt.Sprintf("%6.1fs  %s", time.Since(d.start).Seconds(), fmt.Sprintf(format, args...)))
}

func (d *drill) readerOK(what string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ok == nil {
		d.ok = map[string]int{}
	}
	d.ok[what]++
}

func (d *drill) readerFailed(what, why string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bad == nil {
		d.bad = map[string]int{}
	}
	d.bad[what]++
	d.t.Errorf("%s failed during the drill: %s", what, lastLines(why, 15))
}

func (d *drill) report() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.t.Logf("timeline:\n%s\nreaders: ok %v, failed %v", strings.Join(d.timeline, "\n"), d.ok, d.bad)
}

// perRun groups the facts named since the start of time by run id; a read
// the cluster did not answer (a server frozen or electing) is an error, not
// a partial answer.
func (d *drill) perRun(ctx context.Context, conn *bus.Conn, name string) (map[string][]events.Envelope, error) {
	out := map[string][]events.Envelope{}
	for env, err := range conn.FactsSince(ctx, name, time.Time{}) {
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		out[env.RunID] = append(out[env.RunID], env)
	}
	return out, nil
}

// allPerRun is perRun once the drill is over: the cluster whole again, a
// read it does not answer fails the test.
func (d *drill) allPerRun(ctx context.Context, conn *bus.Conn, name string) map[string][]events.Envelope {
	d.t.Helper()
	out, err := d.perRun(ctx, conn, name)
	if err != nil {
		d.t.Fatal(err)
	}
	return out
}

// count is how many runs with the prefix have the fact (-1: the read was
// not answered; the waits ask again).
func (d *drill) count(ctx context.Context, conn *bus.Conn, name, prefix string) int {
	runs, err := d.perRun(ctx, conn, name)
	if err != nil {
		d.t.Log(err)
		return -1
	}
	n := 0
	for run := range runs {
		if strings.HasPrefix(run, prefix) {
			n++
		}
	}
	return n
}

// packagesInIndex counts each package name in a suite's Packages index,
// read from the signed indexes (kit/repository).
func packagesInIndex(t *testing.T, ctx context.Context, store *blob.Store, distro, channel string) map[string]int {
	t.Helper()
	pkgs, err := repository.Packages(ctx, store, distro, channel)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, p := range pkgs {
		out[p.Name]++
	}
	return out
}

func waitUntil(t *testing.T, ctx context.Context, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(time.Second)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
