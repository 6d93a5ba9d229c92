package image

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	dimage "github.com/docker/docker/api/types/image"
)

// LayerDocker is the part of the Docker client Layer needs: a container is
// made from the base, given the files and committed, without a registry or
// a Dockerfile build.
type LayerDocker interface {
	ImageInspect(ctx context.Context, id string, opts ...client.ImageInspectOption) (dimage.InspectResponse, error)
	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *ocispec.Platform, containerName string) (container.CreateResponse, error)
	CopyToContainer(ctx context.Context, containerID, dstPath string, content io.Reader, options container.CopyToContainerOptions) error
	ContainerCommit(ctx context.Context, container string, options container.CommitOptions) (container.CommitResponse, error)
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
}

// File is one host file a layer adds to an image.
type File struct {
	Source string // path on this machine
	Dest   string // absolute path in the image
	Mode   int64  // permission bits, e.g. 0o755
}

// Layer is an image made of a base image plus files and Dockerfile-style
// changes (ENV, LABEL, CMD, ENTRYPOINT, WORKDIR).
type Layer struct {
	Base    string
	Files   []File
	Changes []string
}

// Tag is repo:<prefix>-<hash12>, the hash covering the base image's id,
// the files' destinations, modes and contents, and the changes: the same
// inputs give the same tag, so Build finds the image instead of making it.
func (l Layer) Tag(ctx context.Context, d LayerDocker, repo, prefix string) (string, error) {
	base, err := d.ImageInspect(ctx, l.Base)
	if err != nil {
		return "", fmt.Errorf("%w: base image %s: %w (build it first: ring image build)", ErrBuild, l.Base, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "base %s\n", base.ID)
	for _, f := range l.Files {
		fmt.Fprintf(h, "file %s %o ", f.Dest, f.Mode)
		if err := hashFile(h, f.Source); err != nil {
			return "", err
		}
	}
	for _, c := range l.Changes {
		fmt.Fprintf(h, "change %s\n", c)
	}
	return fmt.Sprintf("%s:%s-%s", repo, prefix, hex.EncodeToString(h.Sum(nil))[:12]), nil
}

func hashFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("%w: layer file: %w", ErrBuild, err)
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// Build makes ref from the layer unless an image ref exists (built false).
// The container it commits is removed whatever happens.
func (l Layer) Build(ctx context.Context, d LayerDocker, ref string) (built bool, err error) {
	if _, err := d.ImageInspect(ctx, ref); err == nil {
		return false, nil
	}
	c, err := d.ContainerCreate(ctx, &container.Config{Image: l.Base, Cmd: []string{"true"}, Labels: map[string]string{"ringmaster.layer": ref}},
		&container.HostConfig{NetworkMode: "none"}, nil, nil, "")
	if err != nil {
		return false, fmt.Errorf("%w: %s: container from %s: %w", ErrBuild, ref, l.Base, err)
	}
	defer func() {
		_ = d.ContainerRemove(context.WithoutCancel(ctx), c.ID, container.RemoveOptions{Force: true})
	}()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(l.writeTar(pw)) }()
	if err := d.CopyToContainer(ctx, c.ID, "/", pr, container.CopyToContainerOptions{}); err != nil {
		pr.CloseWithError(err)
		return false, fmt.Errorf("%w: %s: copy files: %w", ErrBuild, ref, err)
	}
	if _, err := d.ContainerCommit(ctx, c.ID, container.CommitOptions{Reference: ref, Changes: l.Changes, Comment: "ringmaster layer over " + l.Base}); err != nil {
		return false, fmt.Errorf("%w: %s: commit: %w", ErrBuild, ref, err)
	}
	return true, nil
}

// writeTar streams the files as a tar rooted at /, owned by root.
func (l Layer) writeTar(w io.Writer) error {
	tw := tar.NewWriter(w)
	dirs := map[string]bool{}
	for _, f := range l.Files {
		if !path.IsAbs(f.Dest) {
			return fmt.Errorf("%w: layer file %s: destination %q is not absolute", ErrBuild, f.Source, f.Dest)
		}
		for _, dir := range parents(f.Dest) {
			if !dirs[dir] {
				dirs[dir] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir[1:] + "/", Mode: 0o755}); err != nil {
					return err
				}
			}
		}
		if err := addFile(tw, f); err != nil {
			return err
		}
	}
	return tw.Close()
}

func addFile(tw *tar.Writer, f File) error {
	src, err := os.Open(f.Source)
	if err != nil {
		return fmt.Errorf("%w: layer file: %w", ErrBuild, err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.Dest[1:], Mode: f.Mode, Size: st.Size()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, src)
	return err
}

// parents are the directories above p, outermost first ("/" excluded).
func parents(p string) []string {
	var out []string
	for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
		out = append([]string{d}, out...)
	}
	return out
}
