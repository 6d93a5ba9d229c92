package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	builder "ringmaster.dev/builder"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/config"
	"ringmaster.dev/kit/image"
	provisioner "ringmaster.dev/provisioner"
)

// runDemo is `make run`, the main job: every service answers a ping; then
// (with Docker) the demo stack — Redis and ZooKeeper from their upstream
// tarballs — is built in containers and published as a signed repository,
// a 3-node cluster is created from it with apt-get, the smoke suites run
// against it, and the report says how it went, where the time went and
// where the logs are.
func runDemo(ctx context.Context, out io.Writer, g *globals, natsURL, logPath string) error {
	var t demoTimes
	start := time.Now()
	fmt.Fprintln(out, "\n== 1. a ping through every service")
	if err := pingAll(ctx, out, natsURL, 10*time.Second); err != nil {
		return err
	}
	dc, err := image.Connect(ctx)
	if err != nil {
		fmt.Fprintf(out, "\n(skipping the main job: %v)\n", err)
		return nil
	}
	defer dc.Close()
	const name = "demo"
	fmt.Fprintln(out, "\n== 2. the demo stack built from upstream sources in containers, published as a signed repository")
	fmt.Fprintln(out, "   (the first run makes the toolchain images and compiles Redis and ZooKeeper: a few minutes; then seconds)")
	scr := newScreen(out)
	node := newNodeImage(dc, provisioner.DefaultDistro)
	v, err := buildLive(ctx, scr, g, &events.BuildRequested{Stack: "demo", Channel: "nightly"}, 45*time.Minute, func(distro string) { node.start(ctx, distro) }, node.steps)
	if v != nil {
		t.build = v.times
	}
	if err != nil {
		fmt.Fprintf(out, "the build failed: %v (the platform keeps running)\n", err)
		return nil
	}
	// The node image was made side by side with the compiles; if it is
	// not ready yet, the cluster waits for it here, in view.
	stepStart := time.Now()
	err = node.wait(ctx, scr, v.images["node@"+node.distro])
	t.nodeWait = time.Since(stepStart)
	if err != nil {
		fmt.Fprintf(out, "the node image failed: %v (the platform keeps running)\n", err)
		return nil
	}
	t.node = node.res
	if p, err := provider(ctx); err == nil {
		if _, err := p.Get(ctx, name); err == nil {
			fmt.Fprintf(out, "\n(removing the cluster %q of an earlier run)\n", name)
			if err := p.Destroy(ctx, name); err != nil {
				return err
			}
		}
	}
	fmt.Fprintln(out, "\n== 3. a 3-node cluster: policy check, nodes, apt-get from the signed repository, configuration, probes")
	stepStart = time.Now()
	err = runCreate(ctx, out, g, &events.ClusterCreateRequested{Name: name, Stack: "demo", Nodes: 3}, 15*time.Minute)
	t.cluster = time.Since(stepStart)
	if err != nil {
		fmt.Fprintf(out, "the cluster failed: %v (the platform keeps running)\n", err)
		return nil
	}
	fmt.Fprintln(out, "\n== 4. smoke suites")
	stepStart = time.Now()
	testErr := runTests(ctx, out, g, &events.TestRunRequested{Cluster: name}, "", 15*time.Minute)
	t.tests = time.Since(stepStart)
	t.total = time.Since(start)
	fmt.Fprintln(out, "\n== report")
	if testErr != nil {
		fmt.Fprintf(out, "the smoke suites FAILED (%v): ring cluster logs %s NODE shows a node's logs\n", testErr, name)
	} else {
		fmt.Fprintln(out, "built, published, installed with apt-get, configured, probed and tested: all green")
	}
	t.print(out)
	fmt.Fprintln(out, "\nwhere the logs are:")
	fmt.Fprintf(out, "  services   %s\n", logPath)
	if v != nil {
		fmt.Fprintf(out, "  builds     ring build logs %s CELL   (e.g. redis/debian-12)\n", v.run)
	}
	fmt.Fprintf(out, "  nodes      ring cluster logs %s NODE   (e.g. node1)\n", name)
	fmt.Fprintf(out, "the cluster stays up while ring up runs:\n  ring cluster list\n  ring cluster exec %s node2 -- redis-cli info replication\n  ring test run %s\n  ring cluster destroy %s\n", name, name, name)
	return nil
}

// demoTimes is where the main job's time went.
type demoTimes struct {
	total, cluster, tests time.Duration
	nodeWait              time.Duration // after the build, for the node image
	build                 buildTimes
	node                  image.Result
}

func (t demoTimes) print(out io.Writer) {
	fmt.Fprintf(out, "\nwhere the time went (%s in all):\n", elapsed(t.total))
	images := "all present"
	if len(t.build.Images) > 0 {
		var each []string
		for _, im := range t.build.Images {
			each = append(each, fmt.Sprintf("%s/%s %s", im.Name, im.Distro, elapsed(im.Took)))
		}
		images = strings.Join(each, ", ") + " (side by side with the compiles)"
	}
	fmt.Fprintf(out, "  %-10s %7s  %s\n", "builds", elapsed(t.build.Took), "from the request to the last cell, toolchain images included")
	fmt.Fprintf(out, "  %-10s %7s  %s\n", "images", "", images)
	fmt.Fprintf(out, "  %-10s %7s  %s\n", "publish", elapsed(t.build.Publish), "signed APT and YUM repositories for each distro")
	if t.node.Built {
		how := t.node.Spec.Distro + ", made while the builds ran"
		if t.nodeWait >= time.Second {
			how += fmt.Sprintf("; the cluster waited %s more for it", elapsed(t.nodeWait))
		}
		fmt.Fprintf(out, "  %-10s %7s  %s\n", "node image", elapsed(t.node.Took), how)
	}
	fmt.Fprintf(out, "  %-10s %7s  %s\n", "cluster", elapsed(t.cluster), "policy, nodes, apt-get, configuration, probes")
	fmt.Fprintf(out, "  %-10s %7s  %s\n", "tests", elapsed(t.tests), "smoke suites")
}

// nodeImage makes the cluster's node image in this process while the build
// runs. It starts once the build's images of the cluster's distro are made
// (they share that distro's package cache, which allows one image build at
// a time), so it runs beside the compiles instead of before the cluster.
type nodeImage struct {
	b      *image.Builder
	distro string
	steps  chan localStep
	once   sync.Once
	done   chan struct{}
	res    image.Result
	err    error
}

func newNodeImage(dc image.Docker, distro string) *nodeImage {
	n := &nodeImage{distro: distro, steps: make(chan localStep, 64), done: make(chan struct{})}
	recipes, err := image.Load(builder.OptionsFromEnv().ImagesDir)
	if err != nil {
		n.err = err // said by wait; the provisioner would fail the same way
		n.once.Do(func() { close(n.done) })
		return n
	}
	n.b = &image.Builder{Docker: dc, Recipes: recipes, CacheDir: config.DebCache()}
	return n
}

// start begins making the image when distro is the cluster's.
func (n *nodeImage) start(ctx context.Context, distro string) {
	if distro != n.distro {
		return
	}
	n.once.Do(func() {
		go func() {
			defer close(n.done)
			n.res, n.err = n.b.BuildWith(ctx, "node", n.distro, func(s image.Step) {
				select {
				case n.steps <- localStep{Step: s, note: "for the cluster"}:
				default: // the view is behind: the next step says more
				}
			})
		}()
	})
}

// wait starts the image if the build did not, and shows its steps until it
// is made; row (may be nil) is where the build's view left it.
func (n *nodeImage) wait(ctx context.Context, scr *screen, row *imageRow) error {
	n.start(ctx, n.distro)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	if row == nil {
		row = &imageRow{name: "node", distro: n.distro, step: "queued", start: time.Now(), note: "for the cluster"}
	}
	for {
		select {
		case s := <-n.steps:
			old := row.step
			row.take(*s.Fact())
			if !scr.tty && row.step != old && row.step != image.PhaseReady {
				scr.printf("image node %s: %s\n", n.distro, strings.TrimSpace(row.step+" "+row.detail))
			}
		case <-n.done:
			scr.show()
			if n.err != nil {
				return fmt.Errorf("node image for %s: %w", n.distro, n.err)
			}
			if n.res.Built && n.res.Took > time.Second {
				scr.printf("image node %s ready: built in %s\n", n.distro, elapsed(n.res.Took))
			}
			return nil
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		if scr.tty {
			scr.show(row.text())
		}
	}
}
