package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/dustin/go-humanize"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/ring/mirror"
	"ringmaster.dev/ring/platform"
)

// subjectRepoPublished is the fact --follow re-syncs on.
const subjectRepoPublished = events.Prefix + ".fact.repo.published"

func newMirror(g *globals) *cobra.Command {
	var (
		format, keyringPath  string
		suites               []string
		parallel             int
		follow, quiet, prune bool
		pruneAfter           time.Duration
	)
	cmd := &cobra.Command{
		Use:   "mirror URL DEST",
		Short: "Make a verified, resumable copy of a published APT or YUM repository",
		Long: `Copy a signed repository to a local directory or an S3 prefix, verifying
everything on the way, so the copy is itself a usable repository.

URL is a repository root as ` + "`ring repo sources`" + ` prints it: the URIs: value of an
APT source (with --suite, repeatable), or a YUM baseurl (the directory holding
repodata/). The format is detected, or set with --format.

Verified, top-down: InRelease (clear-signed) or repomd.xml with repomd.xml.asc
against --keyring (armored or binary public key); every index against the
sha256 the signed file lists (APT indexes are fetched by hash); every package
against the sha256 its index lists. Nothing unverified reaches its final path:
downloads go to DEST/.partial (S3: the user cache directory) and are moved or
uploaded once verified. Files already in DEST with the right hash are skipped;
a killed run resumes (partial downloads continue with HTTP Range). Packages
are written first, then indexes, then Release/Release.gpg or repomd.xml.asc,
and InRelease or repomd.xml last: a reader of the mirror never sees an index
whose files are missing. YUM packages outside the repository directory
(../pool/…) keep their relative position, so DEST then holds the repository
directory beside the pool.

DEST s3://bucket/prefix uses RING_S3_URL, RING_S3_ACCESS_KEY and
RING_S3_SECRET_KEY (else the S3 server ` + "`ring up`" + ` runs).

Every sync records in DEST/.ring-mirror/ what it wrote for this source.
--prune deletes files an earlier sync wrote that the source no longer lists,
once unlisted for --prune-after (default 24h: a client that read the previous
index can still fetch what it named); files another source's mirror in the
same DEST lists are kept.

Each sync announces mirror.synced on NATS when a server is reachable.
--follow keeps running and re-syncs on every repo.published fact.

Exit codes: 0 synced; 1 error; 3 verification failed (the mirror keeps its
previous, verified state).`,
		Example: `  ring repo key > ringmaster.asc
  ring mirror http://127.0.0.1:9000/ringmaster/repos/apt --suite debian-12-nightly --keyring ringmaster.asc /srv/mirror/apt
  ring mirror http://127.0.0.1:9000/ringmaster/repos/yum/rockylinux-9-nightly/ --keyring ringmaster.asc /srv/mirror/yum
  ring mirror https://repo.example.org/apt --suite debian-12-stable --keyring ringmaster.gpg s3://mirrors/ringmaster/apt
  ring mirror http://127.0.0.1:9000/ringmaster/repos/apt --suite debian-12-nightly --keyring ringmaster.asc /srv/mirror/apt --follow
  ring mirror http://127.0.0.1:9000/ringmaster/repos/apt --suite debian-12-nightly --keyring ringmaster.asc /srv/mirror/apt --prune --prune-after 1h`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format != "" && format != mirror.APT && format != mirror.YUM {
				return fmt.Errorf("--format %q: want apt or yum", format)
			}
			if pruneAfter < 0 {
				return fmt.Errorf("--prune-after %s: want a duration ≥ 0 (0: delete at once)", pruneAfter)
			}
			kr, err := mirror.LoadKeyring(keyringPath)
			if err != nil {
				return err
			}
			dest, err := openMirrorDest(ctx, args[1])
			if err != nil {
				return err
			}
			opt := mirror.Options{Source: args[0], Dest: dest, Format: format, Suites: suites, Keyring: kr, Parallel: parallel, Prune: prune, PruneAfter: pruneAfter}
			if !quiet {
				opt.Progress = cmd.ErrOrStderr()
			}
			if !follow {
				res, err := mirror.Sync(ctx, opt)
				if err != nil {
					return mirrorFailed(cmd.ErrOrStderr(), err)
				}
				printMirrored(cmd.OutOrStdout(), res, suites)
				announce(ctx, cmd.ErrOrStderr(), g, nil, res)
				return nil
			}
			return followMirror(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), g, opt, suites)
		},
	}
	cmd.Flags().StringArrayVar(&suites, "suite", nil, "APT suite to mirror, e.g. debian-12-nightly (repeatable; required for APT)")
	cmd.Flags().StringVar(&format, "format", "", "repository format: apt or yum (default: detect)")
	cmd.Flags().StringVar(&keyringPath, "keyring", "", "the repository's public key, armored or binary (ring repo key > ringmaster.asc; required)")
	cmd.Flags().IntVar(&parallel, "parallel", 8, "concurrent downloads")
	cmd.Flags().BoolVar(&follow, "follow", false, "keep running: re-sync on every repo.published fact until Ctrl-C")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress on stderr")
	cmd.Flags().BoolVar(&prune, "prune", false, "delete files earlier syncs wrote that the source no longer lists (after --prune-after)")
	cmd.Flags().DurationVar(&pruneAfter, "prune-after", 24*time.Hour, "how long a file stays after the source stopped listing it (0: at once)")
	_ = cmd.MarkFlagRequired("keyring")
	return cmd
}

// openMirrorDest opens a directory or s3://bucket/prefix; S3 credentials
// come from RING_S3_*, else from the server `ring up` runs.
func openMirrorDest(ctx context.Context, spec string) (mirror.Dest, error) {
	if !strings.HasPrefix(spec, "s3://") {
		return mirror.OpenDest(ctx, spec, blob.Config{})
	}
	cfg := blob.ConfigFromEnv()
	if cfg.Endpoint == "" || cfg.AccessKey == "" {
		home, err := platform.Home()
		if err != nil {
			return nil, err
		}
		e, err := platform.ReadEndpoints(home)
		if err != nil {
			return nil, errors.New("no S3 endpoint for " + spec + ": set RING_S3_URL, RING_S3_ACCESS_KEY and RING_S3_SECRET_KEY, or start `ring up`")
		}
		creds, err := platform.LoadCredentials(home)
		if err != nil {
			return nil, err
		}
		cfg = blob.Config{Endpoint: e.S3, AccessKey: creds.AccessKey, SecretKey: creds.SecretKey}
	}
	return mirror.OpenDest(ctx, spec, cfg)
}

// mirrorFailed prints a verification failure and exits 3; other errors are returned.
func mirrorFailed(stderr io.Writer, err error) error {
	if errors.Is(err, mirror.ErrVerify) {
		fmt.Fprintf(stderr, "ring: mirror refused: %v\nnothing unverified was written; the mirror keeps its previous state\n", err)
		return exitError{code: 3}
	}
	return err
}

func printMirrored(out io.Writer, res mirror.Result, suites []string) {
	what := res.Format
	if res.Format == mirror.APT {
		what += " " + strings.Join(suites, ", ")
	}
	fmt.Fprintf(out, "mirrored %s from %s to %s in %s\n", what, res.Source, res.Dest, res.Duration.Round(time.Millisecond))
	fmt.Fprintf(out, "  %d files verified: %d fetched (%s), %d already there\n", res.Files, res.Fetched, humanize.IBytes(uint64(res.Bytes)), res.Skipped)
	if len(res.Absent) > 0 {
		fmt.Fprintf(out, "  not on the source (no reader needs them): %s\n", strings.Join(res.Absent, ", "))
	}
	if res.Pruned > 0 || res.Unlisted > 0 {
		fmt.Fprintf(out, "  %d files the source no longer lists deleted, %d kept for now (--prune, --prune-after)\n", res.Pruned, res.Unlisted)
	}
	root := res.Dest
	if !strings.HasPrefix(root, "s3://") {
		root = "file://" + filepath.ToSlash(root)
	}
	switch res.Format {
	case mirror.APT:
		fmt.Fprintf(out, "  use it: URIs: %s (or serve the directory over HTTP) with the same Signed-By key\n", root)
	case mirror.YUM:
		if res.RepoPath != "" {
			root = strings.TrimSuffix(root, "/") + "/" + res.RepoPath
		}
		fmt.Fprintf(out, "  use it: baseurl=%s (or serve the directory over HTTP) with the same gpgkey\n", root)
	}
}

// announce publishes mirror.synced; without NATS it notes it and goes on.
func announce(ctx context.Context, stderr io.Writer, g *globals, conn *bus.Conn, res mirror.Result) {
	if conn == nil {
		c, err := g.connect(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "note: mirror.synced not announced (NATS unreachable at %s)\n", g.natsURL())
			return
		}
		defer c.Close()
		conn = c
	}
	ev := &events.MirrorSynced{Source: res.Source, Dest: res.Dest, Fetched: res.Fetched, Skipped: res.Skipped, Bytes: res.Bytes}
	if _, err := conn.Publish(ctx, ev); err != nil {
		fmt.Fprintf(stderr, "note: mirror.synced not announced: %v\n", err)
		return
	}
	fmt.Fprintln(stderr, "announced mirror.synced")
}

// followMirror syncs, then re-syncs on every repo.published fact. Publishes
// that arrive during a sync are coalesced into one more sync.
func followMirror(ctx context.Context, out, stderr io.Writer, g *globals, opt mirror.Options, suites []string) error {
	conn, err := g.connect(ctx)
	if err != nil {
		return fmt.Errorf("--follow needs NATS: %w", err)
	}
	defer conn.Close()
	trigger := make(chan string, 1)
	sub, err := conn.NC.Subscribe(subjectRepoPublished, func(m *nats.Msg) {
		env, err := events.FromHeaders(events.Header(m.Header), m.Data, 0)
		if err != nil {
			return
		}
		var p events.RepoPublished
		if err := json.Unmarshal(env.Data, &p); err != nil {
			return
		}
		select {
		case trigger <- fmt.Sprintf("channel %s (%s)", p.Channel, strings.Join(p.Distros, ", ")):
		default: // a sync is already pending
		}
	})
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := conn.NC.Flush(); err != nil {
		return err
	}
	syncOnce := func() {
		res, err := mirror.Sync(ctx, opt)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, mirror.ErrVerify) {
				fmt.Fprintf(stderr, "ring: mirror refused: %v\nthe mirror keeps its previous state; waiting for the next publish\n", err)
			} else {
				fmt.Fprintf(stderr, "ring: mirror: %v\nwaiting for the next publish\n", err)
			}
			return
		}
		printMirrored(out, res, suites)
		announce(ctx, stderr, g, conn, res)
	}
	syncOnce()
	fmt.Fprintf(stderr, "following %s on %s (Ctrl-C to stop)\n", subjectRepoPublished, g.natsURL())
	for {
		select {
		case what := <-trigger:
			fmt.Fprintf(stderr, "repo.published %s: syncing\n", what)
			syncOnce()
		case <-ctx.Done():
			return nil
		}
	}
}
