package publisher

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"ringmaster.dev/repo-publisher/apt"
)

// InspectedRoot holds claim checks: one content-addressed object per upload
// batch with the index metadata of the .debs it placed at their pool keys
// (UploadBatch), named by RepoPublishRequested.Inspected. Under UploadsRoot,
// so gc collects them with the uploads.
const InspectedRoot = UploadsRoot + "inspected/sha256/"

// inspectedVersion is the claim check's format version.
const inspectedVersion = 1

// maxInspectedBytes bounds a claim check's decompressed JSON (~600 bytes a
// package: 256 MiB is far more than 100,000 packages).
const maxInspectedBytes = 256 << 20

// inspectedDoc is a claim check's content (gzip-compressed JSON).
type inspectedDoc struct {
	Version int           `json:"version"`
	Debs    []apt.Package `json:"debs"`
}

var inspectedKeyRE = regexp.MustCompile(`^` + regexp.QuoteMeta(InspectedRoot) + `[0-9a-f]{64}\.json\.gz$`)

// encodeInspected returns a claim check's bytes and its key.
func encodeInspected(debs []apt.Package) ([]byte, string, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // written once, read once: speed over size
	if err != nil {
		return nil, "", err
	}
	if err := json.NewEncoder(zw).Encode(inspectedDoc{Version: inspectedVersion, Debs: debs}); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), InspectedRoot + sum(buf.Bytes()) + ".json.gz", nil
}

// decodeInspected checks a claim check's bytes against its key and decodes
// it; every package must be well-formed for an index (checkClaim).
func decodeInspected(key string, data []byte) ([]apt.Package, error) {
	if got := sum(data); key != InspectedRoot+got+".json.gz" {
		return nil, fmt.Errorf("%w: claim check %s: its content has sha256 %s (corrupt or replaced; upload the packages again)", ErrBadRequest, key, got)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: claim check %s: %w", ErrBadRequest, key, err)
	}
	var doc inspectedDoc
	dec := json.NewDecoder(io.LimitReader(zr, maxInspectedBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: claim check %s: %w", ErrBadRequest, key, err)
	}
	if doc.Version != inspectedVersion {
		return nil, fmt.Errorf("%w: claim check %s: format version %d, this publisher reads %d (upload with a matching ring)", ErrBadRequest, key, doc.Version, inspectedVersion)
	}
	for i, p := range doc.Debs {
		if err := checkClaim(p); err != nil {
			return nil, fmt.Errorf("%w: claim check %s: package %d (%s): %w", ErrBadRequest, key, i, p.Filename, err)
		}
	}
	return doc.Debs, nil
}

var (
	hexRE       = regexp.MustCompile(`^[0-9a-f]+$`)
	fieldNameRE = regexp.MustCompile(`^[!-9;-~][!-9;-~]*$`) // deb822: printable, no ':' or space
)

// checkClaim checks that a claimed package can go into an index as it is:
// identity as apt.Inspect derives it (control fields Package, Version,
// Architecture; pool path from them), digests of the right form, and control
// field names and values that the Packages writer can write (it indents
// every continuation line, so no value can start a stanza or a field).
func checkClaim(p apt.Package) error {
	if p.Size <= 0 {
		return fmt.Errorf("size %d", p.Size)
	}
	for _, d := range []struct {
		name, v string
		n       int
	}{{"MD5", p.MD5, 32}, {"SHA1", p.SHA1, 40}, {"SHA256", p.SHA256, 64}} {
		if len(d.v) != d.n || !hexRE.MatchString(d.v) {
			return fmt.Errorf("%s %q: want %d lowercase hex digits", d.name, d.v, d.n)
		}
	}
	if len(p.Fields) == 0 {
		return fmt.Errorf("no control fields")
	}
	seen := map[string]bool{}
	for _, f := range p.Fields {
		if !fieldNameRE.MatchString(f.Name) {
			return fmt.Errorf("control field name %q", f.Name)
		}
		lower := strings.ToLower(f.Name)
		if seen[lower] {
			return fmt.Errorf("control field %s twice", f.Name)
		}
		seen[lower] = true
		// Values may span lines (as apt.Inspect keeps them): the index
		// writer indents continuation lines, so none can end a stanza.
		if strings.ContainsAny(f.Value, "\r\x00") {
			return fmt.Errorf("control field %s: control character", f.Name)
		}
	}
	for _, id := range []struct{ field, v string }{{"Package", p.Name}, {"Version", p.Version}, {"Architecture", p.Architecture}} {
		if v, _ := p.Field(id.field); v != id.v {
			return fmt.Errorf("%s is %q, the control fields say %q", id.field, id.v, v)
		}
	}
	if err := apt.CheckIdentity(p.Name, p.Version, p.Architecture); err != nil {
		return err
	}
	if want := apt.PoolPath(p.Name, p.Version, p.Architecture); p.Filename != want {
		return fmt.Errorf("filename %q, want %q", p.Filename, want)
	}
	return nil
}
