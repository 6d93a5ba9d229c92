package apt

import (
	"archive/tar"
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"pault.ag/go/debian/control"
	"pault.ag/go/debian/deb"
)

// maxControlSize bounds the decompressed control file.
const maxControlSize = 4 << 20

// Inspect reads a .deb (ar archive with debian-binary, control.tar[.gz|.xz|.zst|.bz2|.lzma]
// and data.tar[.…]; ar read with pault.ag/go/debian/deb, control parsed with its
// control package) and describes it for the index. It checks the archive's
// structure and reads the whole data member, so a truncated or corrupt .deb
// fails here rather than at install time. Every failure wraps ErrBadPackage.
func Inspect(debData []byte) (Package, error) {
	members, err := readAr(debData)
	if err != nil {
		return Package{}, err
	}
	para, err := readControl(members.control)
	if err != nil {
		return Package{}, err
	}
	if err := checkData(members.data); err != nil {
		return Package{}, err
	}

	p := Package{Size: int64(len(debData))}
	for _, k := range para.Order {
		p.Fields = append(p.Fields, Field{Name: k, Value: strings.TrimRight(para.Values[k], "\n")})
	}
	p.Name, _ = p.Field("Package")
	p.Version, _ = p.Field("Version")
	p.Architecture, _ = p.Field("Architecture")
	if err := checkIdentity(p.Name, p.Version, p.Architecture); err != nil {
		return Package{}, fmt.Errorf("%w: control file: %w", ErrBadPackage, err)
	}
	m, s1, s256 := md5.Sum(debData), sha1.Sum(debData), sha256.Sum256(debData)
	p.MD5, p.SHA1, p.SHA256 = hex.EncodeToString(m[:]), hex.EncodeToString(s1[:]), hex.EncodeToString(s256[:])
	p.Filename = PoolPath(p.Name, p.Version, p.Architecture)
	return p, nil
}

type debMembers struct {
	control, data *deb.ArEntry
}

// readAr walks the ar archive with pault.ag/go/debian/deb and checks the
// member layout dpkg requires: debian-binary "2.x" first, then control.tar*,
// then data.tar*, every member inside the file.
func readAr(b []byte) (debMembers, error) {
	var m debMembers
	ar, err := deb.LoadAr(bytes.NewReader(b))
	if err != nil {
		return m, fmt.Errorf("%w: not an ar archive: %w", ErrBadPackage, err)
	}
	offset := int64(8)
	for i := 0; ; i++ {
		e, err := ar.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("%w: ar member %d: %w", ErrBadPackage, i, err)
		}
		offset += 60 + e.Size + e.Size%2
		if e.Size < 0 || offset-e.Size%2 > int64(len(b)) {
			return m, fmt.Errorf("%w: ar member %q is truncated (%d bytes declared, file has %d)", ErrBadPackage, e.Name, e.Size, len(b))
		}
		name := strings.TrimSuffix(e.Name, "/") // GNU ar terminates names with "/"
		switch {
		case i == 0:
			if name != "debian-binary" {
				return m, fmt.Errorf("%w: first member is %q, want debian-binary", ErrBadPackage, name)
			}
			v, _ := io.ReadAll(io.LimitReader(e.Data, 16))
			if !bytes.HasPrefix(v, []byte("2.")) {
				return m, fmt.Errorf("%w: unsupported format version %q", ErrBadPackage, v)
			}
		case strings.HasPrefix(name, "control.tar") && m.control == nil:
			e.Name = name
			m.control = e
		case strings.HasPrefix(name, "data.tar") && m.data == nil:
			e.Name = name
			m.data = e
		}
	}
	if m.control == nil {
		return m, fmt.Errorf("%w: no control.tar member", ErrBadPackage)
	}
	if m.data == nil {
		return m, fmt.Errorf("%w: no data.tar member", ErrBadPackage)
	}
	return m, nil
}

// readControl finds ./control in the control tarball and parses its paragraph.
func readControl(e *deb.ArEntry) (*control.Paragraph, error) {
	tr, done, err := openTar(e)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadPackage, e.Name, err)
	}
	defer done()
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s has no control file", ErrBadPackage, e.Name)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadPackage, e.Name, err)
		}
		if path.Clean(h.Name) != "control" || h.Typeflag != tar.TypeReg {
			continue
		}
		if h.Size > maxControlSize {
			return nil, fmt.Errorf("%w: control file is %d bytes (limit %d)", ErrBadPackage, h.Size, maxControlSize)
		}
		text, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%w: read control file: %w", ErrBadPackage, err)
		}
		pr, err := control.NewParagraphReader(bytes.NewReader(text), nil)
		if err != nil {
			return nil, fmt.Errorf("%w: parse control file: %w", ErrBadPackage, err)
		}
		p, err := pr.Next()
		if err != nil {
			return nil, fmt.Errorf("%w: parse control file: %w", ErrBadPackage, err)
		}
		return p, nil
	}
}

// checkData reads the whole data tarball: decompression checksums and tar
// structure catch corrupt or truncated packages.
func checkData(e *deb.ArEntry) error {
	tr, done, err := openTar(e)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadPackage, e.Name, err)
	}
	defer done()
	for {
		_, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err == nil {
			_, err = io.Copy(io.Discard, tr)
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadPackage, e.Name, err)
		}
	}
}
