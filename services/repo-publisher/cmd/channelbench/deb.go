package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

// makeDeb packages one small .deb with nfpm, the builder's packager:
// /usr/share/<name>/VERSION holding the version (written to src first).
func makeDeb(name, version, src string) ([]byte, error) {
	if err := os.WriteFile(src, []byte(version+"\n"), 0o644); err != nil {
		return nil, err
	}
	info := nfpm.WithDefaults(&nfpm.Info{
		Name: name, Arch: "amd64", Platform: "linux", Version: version, Release: "1", VersionSchema: "none",
		Maintainer:  "Ringmaster Builders <builders@ringmaster.dev>",
		Description: "synthetic package " + name + "\nA synthetic package made by channelbench.",
		Overridables: nfpm.Overridables{
			Contents: files.Contents{{Source: src, Destination: "/usr/share/" + name + "/VERSION"}},
		},
	})
	pk, err := nfpm.Get("deb")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := pk.Package(info, &b); err != nil {
		return nil, fmt.Errorf("nfpm deb %s %s: %w", name, version, err)
	}
	return b.Bytes(), nil
}
