package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	publisher "ringmaster.dev/repo-publisher"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/yum"
)

func newRepo(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "repo",
		Short: "Publish packages as signed APT and YUM repositories, and use them",
		Example: `  ring repo publish --channel nightly --distro debian-12 dist/*.deb
  ring repo sources --channel nightly --distro debian-12 > /etc/apt/sources.list.d/ringmaster.sources
  ring repo key > ringmaster.asc`,
	}
	cmd.AddCommand(newRepoPublish(g), newRepoPromote(g), newRepoGC(g), newRepoList(g), newRepoSources(g), newRepoKey(g))
	return cmd
}

func newRepoPublish(g *globals) *cobra.Command {
	var channel string
	var distros []string
	var wait time.Duration
	var parallel int
	cmd := &cobra.Command{
		Use:   "publish --channel C --distro D FILE…",
		Short: "Publish .deb and .rpm files built anywhere into a channel",
		Long: `Check every file, upload it to the blob store, and ask repo-publisher to add it
to the channel's signed repositories: APT for Debian-family distros, YUM for
RPM-family ones. An RPM the repository key has not signed gets its header
signature, so dnf with gpgcheck=1 accepts it. A name+version+arch once
published never changes its bytes.`,
		Example: `  ring repo publish --channel nightly --distro debian-12 ringhello_1.0.0-1_amd64.deb
  ring repo publish --channel nightly --distro debian-12 --distro rockylinux-9 dist/*.deb dist/*.rpm`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			req := &events.RepoPublishRequested{Channel: channel, Distros: distros}
			req.Packages = make([]events.PackageRef, len(files)) // placeholders so Validate sees packages
			if err := publisher.Validate(req); err != nil {
				return err
			}
			blobs, err := readPackages(files)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			store, err := g.store(ctx)
			if err != nil {
				return err
			}
			batch, err := uploadPackages(ctx, cmd.ErrOrStderr(), store, blobs, parallel)
			if err != nil {
				return err
			}
			req.Packages, req.Inspected = batch.Refs, batch.Inspected
			return sendAndWait(ctx, cmd.OutOrStdout(), g, req, wait, func(out io.Writer, env events.Envelope) {
				var p events.RepoPublished
				_ = json.Unmarshal(env.Data, &p)
				fmt.Fprintf(out, "published %d package(s) to %s (%s)\n", len(files), p.Channel, strings.Join(p.Distros, ", "))
				for _, k := range slices.Sorted(maps.Keys(p.URLs)) {
					fmt.Fprintf(out, "  %-22s %s\n", k, p.URLs[k])
				}
				fmt.Fprintf(out, "use it: ring repo sources --channel %s --distro %s\n", p.Channel, distros[0])
			})
		},
	}
	cmd.Flags().StringVar(&channel, "channel", "nightly", "channel to publish into")
	cmd.Flags().StringArrayVar(&distros, "distro", nil, "distro(s) to publish for, e.g. debian-12, rockylinux-9 (repeatable; required)")
	cmd.Flags().DurationVar(&wait, "wait", 5*time.Minute, "how long to wait for the publisher")
	cmd.Flags().IntVar(&parallel, "parallel", publisher.DefaultParallel, "uploads in flight")
	_ = cmd.MarkFlagRequired("distro")
	return cmd
}

// pkgFile is a checked package file.
type pkgFile struct {
	name string
	data []byte
}

// readPackages reads and checks every file before anything is written.
func readPackages(files []string) ([]pkgFile, error) {
	var out []pkgFile
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case strings.HasSuffix(f, ".deb"):
			_, err = apt.Inspect(data)
		case strings.HasSuffix(f, ".rpm"):
			_, err = yum.Inspect(data, "")
		default:
			err = errors.New("not a .deb or .rpm file")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		out = append(out, pkgFile{name: filepath.Base(f), data: data})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("nothing was published:\n%w", err)
	}
	return out, nil
}

// uploadPackages uploads the files, parallel at a time (.debs straight to
// their pool key with their index metadata in a claim check, see
// publisher.UploadBatch), saying how far it got at most once a second, and
// returns the refs in order and the claim check.
func uploadPackages(ctx context.Context, out io.Writer, store *blob.Store, files []pkgFile, parallel int) (publisher.Batch, error) {
	up := make([]publisher.UploadFile, len(files))
	var size int64
	for i, f := range files {
		up[i] = publisher.UploadFile{Name: f.name, Data: f.data}
		size += int64(len(f.data))
	}
	start := time.Now()
	var mu sync.Mutex
	last := start
	batch, err := publisher.UploadBatch(ctx, store, up, parallel, func(done int) {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); now.Sub(last) >= time.Second {
			last = now
			fmt.Fprintf(out, "uploading: %d/%d files\n", done, len(files))
		}
	})
	if err != nil {
		return publisher.Batch{}, err
	}
	fmt.Fprintf(out, "uploaded %d file(s), %.1f MB, in %s; waiting for repo-publisher\n", len(files), float64(size)/1e6, time.Since(start).Round(10*time.Millisecond))
	return batch, nil
}

// sendAndWait publishes a command and waits for its first fact of the run:
// done prints a success; command.failed prints the reason and exits 1.
func sendAndWait(ctx context.Context, out io.Writer, g *globals, cmd any, wait time.Duration, done func(io.Writer, events.Envelope)) error {
	r, err := begin(ctx, g, cmd)
	if err != nil {
		return err
	}
	defer r.Close()
	return r.await(ctx, out, wait, func() string {
		return fmt.Sprintf("no answer within %s; the command stays queued (see `ring status`, `ring events tail --run %s`)", wait, r.ID)
	}, func(env events.Envelope) (bool, error) {
		done(out, env)
		return true, nil
	})
}

func newRepoList(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List channels, distros and their packages", Example: "  ring repo list", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			store, err := g.store(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer w.Flush()
			fmt.Fprintln(w, "CHANNEL\tDISTRO\tPACKAGE\tVERSION\tARCH\tREVISION\tUPDATED")
			n := 0
			for info, err := range store.List(ctx, publisher.StateRoot) {
				if err != nil {
					return err
				}
				channel := strings.TrimSuffix(strings.TrimPrefix(info.Key, publisher.StateRoot), ".json")
				m, err := publisher.LoadManifest(ctx, store, channel)
				if err != nil {
					return err
				}
				for d, pkgs := range m.Debs {
					for _, p := range pkgs {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", channel, d, p.Name, p.Version, p.Architecture, m.Revision, m.Updated.Local().Format(time.DateTime))
						n++
					}
				}
				for d, pkgs := range m.RPMs {
					for _, p := range pkgs {
						fmt.Fprintf(w, "%s\t%s\t%s\t%s-%s\t%s\t%d\t%s\n", channel, d, p.Name, p.Version, p.Release, p.Arch, m.Revision, m.Updated.Local().Format(time.DateTime))
						n++
					}
				}
			}
			if n == 0 {
				fmt.Fprintln(w, "(nothing published yet: ring repo publish --help)")
			}
			return nil
		},
	}
}

func newRepoSources(g *globals) *cobra.Command {
	var channel, distro, keyPath string
	cmd := &cobra.Command{
		Use:   "sources --channel C --distro D",
		Short: "Print the apt .sources or dnf .repo file for a channel",
		Example: `  ring repo sources --channel nightly --distro debian-12 | sudo tee /etc/apt/sources.list.d/ringmaster.sources
  ring repo key --binary | sudo tee /usr/share/keyrings/ringmaster.gpg >/dev/null
  ring repo sources --channel nightly --distro rockylinux-9 | sudo tee /etc/yum.repos.d/ringmaster.repo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := g.store(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch publisher.FormatOf(distro) {
			case publisher.Deb:
				if keyPath == "" {
					keyPath = "/usr/share/keyrings/ringmaster.gpg"
				}
				fmt.Fprintf(out, "# %s, channel %s. The key: ring repo key --binary > %s\n", distro, channel, keyPath)
				fmt.Fprintf(out, "Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n",
					strings.TrimSuffix(store.URL(publisher.AptRoot), "/"), publisher.Suite(distro, channel), keyPath)
			case publisher.RPM:
				fmt.Fprintf(out, "[ringmaster-%s]\nname=Ringmaster %s for %s\nbaseurl=%s\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\ngpgkey=%s\n",
					publisher.Suite(distro, channel), channel, distro, store.URL(publisher.YumRoot(distro, channel)), store.URL(publisher.KeyArmored))
			default:
				return fmt.Errorf("--distro %q: not a known Debian or RPM family (debian-12, rockylinux-9, …)", distro)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&channel, "channel", "nightly", "channel")
	cmd.Flags().StringVar(&distro, "distro", "", "distro (required)")
	cmd.Flags().StringVar(&keyPath, "keyring", "", "where the binary keyring is installed (apt Signed-By)")
	_ = cmd.MarkFlagRequired("distro")
	return cmd
}

func newRepoKey(g *globals) *cobra.Command {
	var binary bool
	cmd := &cobra.Command{
		Use: "key", Short: "Print the repositories' public signing key (armored, or --binary keyring)",
		Example: "  ring repo key > ringmaster.asc\n  ring repo key --binary > ringmaster.gpg", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := g.store(cmd.Context())
			if err != nil {
				return err
			}
			key := publisher.KeyArmored
			if binary {
				key = publisher.KeyBinary
			}
			rc, _, err := store.Get(cmd.Context(), key)
			if errors.Is(err, blob.ErrNotFound) {
				return errors.New("no key published yet: is repo-publisher running (`ring status`)?")
			}
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(cmd.OutOrStdout(), rc)
			return err
		},
	}
	cmd.Flags().BoolVar(&binary, "binary", false, "print the binary keyring (for apt Signed-By)")
	return cmd
}
