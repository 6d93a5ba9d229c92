//go:build integration

package inventory_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	dimage "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"ringmaster.dev/kit/image"
	"ringmaster.dev/kit/inventory"
)

// TestDetails makes a cluster as the provisioner labels one — a network
// with its spec, three node containers (one stopped), a KDC — and a
// two-node snapshot, from a one-file image imported here, then reads them
// back through the inventory. Everything is removed by label at the end.
func TestDetails(t *testing.T) {
	ctx := context.Background()
	dc, err := image.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("it-inv-%d", os.Getpid())
	ref := "ringmaster-test/" + name + ":scratch"
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	_ = tw.WriteHeader(&tar.Header{Name: "true", Mode: 0o755, Size: 0})
	_ = tw.Close()
	imp := func(ref string, changes ...string) {
		rc, err := dc.ImageImport(ctx, dimage.ImportSource{Source: bytes.NewReader(tarball.Bytes()), SourceName: "-"}, ref, dimage.ImportOptions{Changes: changes})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, rc)
		rc.Close()
	}
	spec := `{"name":"` + name + `","run":"r1","stack":"demo","channel":"nightly","distro":"debian-12","nodes":3,"roles":{"zookeeper":3,"redis":1},"versions":{"zookeeper":"3.8.0","redis":"7.0.15"},"kerberos":"DEMO"}`
	imp(ref)
	for _, node := range []string{"node1", "node2"} {
		imp("ringmaster-test/"+name+"-snap:"+node, "LABEL "+inventory.LabelSnapshot+"="+name+"-snap", "LABEL "+inventory.LabelNode+"="+node,
			"LABEL "+inventory.LabelSpec+"="+strconv.Quote(spec))
	}
	t.Cleanup(func() {
		ctrs, _ := dc.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", inventory.LabelCluster+"="+name))})
		for _, c := range ctrs {
			_ = dc.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
		}
		_ = dc.NetworkRemove(ctx, "ring-test-"+name)
		for _, r := range []string{ref, "ringmaster-test/" + name + "-snap:node1", "ringmaster-test/" + name + "-snap:node2"} {
			_, _ = dc.ImageRemove(ctx, r, dimage.RemoveOptions{Force: true})
		}
	})
	if _, err := dc.NetworkCreate(ctx, "ring-test-"+name, network.CreateOptions{Labels: map[string]string{
		inventory.LabelCluster: name, inventory.LabelRole: inventory.RoleNode, inventory.LabelSpec: spec}}); err != nil {
		t.Fatal(err)
	}
	mk := func(cname string, labels map[string]string) {
		labels[inventory.LabelCluster] = name
		if _, err := dc.ContainerCreate(ctx, &container.Config{Image: ref, Cmd: []string{"/true"}, Labels: labels}, nil, nil, nil, cname); err != nil {
			t.Fatal(err)
		}
	}
	mk(name+"-node1", map[string]string{inventory.LabelRole: inventory.RoleNode, inventory.LabelNode: "node1", inventory.LabelComponents: "redis,zookeeper"})
	mk(name+"-node2", map[string]string{inventory.LabelRole: inventory.RoleNode, inventory.LabelNode: "node2", inventory.LabelComponents: "zookeeper"})
	mk(name+"-node3", map[string]string{inventory.LabelRole: inventory.RoleNode, inventory.LabelNode: "node3", inventory.LabelComponents: "zookeeper"})
	mk(name+"-kdc", map[string]string{inventory.LabelRole: "kdc", inventory.LabelRealm: "DEMO"})

	inv := inventory.New(dc)
	ds, err := inv.Details(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ds, func(d inventory.Detail) bool { return d.Name == name })
	if i < 0 {
		t.Fatalf("cluster %s is not among %+v", name, ds)
	}
	d := ds[i]
	if d.Run != "r1" || d.Roles["zookeeper"] != 3 || d.Versions["redis"] != "7.0.15" || d.Realm != "DEMO" || d.KDC != "created" || d.Nodes != 3 {
		t.Errorf("detail %+v", d)
	}
	if len(d.NodeList) != 3 || d.NodeList[0].Name != "node1" || !slices.Equal(d.NodeList[0].Components, []string{"redis", "zookeeper"}) || d.NodeList[2].State != "created" {
		t.Errorf("nodes %+v", d.NodeList)
	}
	snaps, err := inv.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j := slices.IndexFunc(snaps, func(s inventory.Snapshot) bool { return s.Name == name+"-snap" })
	if j < 0 || snaps[j].Nodes != 2 || snaps[j].Cluster != name || snaps[j].Stack != "demo" {
		t.Errorf("snapshots %+v", snaps)
	}
}
