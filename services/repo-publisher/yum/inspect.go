package yum

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

// ErrBadPackage is wrapped by every error Inspect returns for input that is
// not a readable RPM.
var ErrBadPackage = errors.New("yum: not a readable rpm package")

// ChangelogLimit is how many of the newest changelog entries Inspect keeps,
// the createrepo_c default.
const ChangelogLimit = 10

// Tags go-rpmutils does not name.
const (
	tagSourcePackage     = 1106
	tagRecommendName     = 5046
	tagRecommendVersion  = 5047
	tagRecommendFlags    = 5048
	tagSuggestName       = 5049
	tagSuggestVersion    = 5050
	tagSuggestFlags      = 5051
	tagSupplementName    = 5052
	tagSupplementVersion = 5053
	tagSupplementFlags   = 5054
	tagEnhanceName       = 5055
	tagEnhanceVersion    = 5056
	tagEnhanceFlags      = 5057
	sigTagLongArchive    = rpmutils.SIG_LONGARCHIVESIZE
)

// Inspect reads the headers of one .rpm file. href is its location relative
// to the repository root, written verbatim into primary.xml.
func Inspect(rpm []byte, href string) (pkg Package, err error) {
	if err := checkLayout(rpm); err != nil {
		return Package{}, fmt.Errorf("%w: %s: %w", ErrBadPackage, href, err)
	}
	// go-rpmutils indexes header data with offsets from the file; a header
	// that lies about them makes it panic rather than fail.
	defer func() {
		if r := recover(); r != nil {
			pkg, err = Package{}, fmt.Errorf("%w: %s: malformed header: %v", ErrBadPackage, href, r)
		}
	}()
	hdr, err := rpmutils.ReadHeader(bytes.NewReader(rpm))
	if err != nil {
		return Package{}, fmt.Errorf("%w: %s: %w", ErrBadPackage, href, err)
	}
	sum := sha256.Sum256(rpm)
	pkg, err = fromHeader(header{hdr}, hex.EncodeToString(sum[:]), href, uint64(len(rpm)))
	if err != nil {
		return Package{}, fmt.Errorf("%w: %s: %w", ErrBadPackage, href, err)
	}
	return pkg, nil
}

// checkLayout checks that the lead and both header blocks fit in the file
// before go-rpmutils allocates buffers of the sizes the file claims.
func checkLayout(b []byte) error {
	const lead = 96
	if len(b) < lead || binary.BigEndian.Uint32(b) != 0xedabeedb {
		return errors.New("no rpm lead")
	}
	off := uint64(lead)
	for i, name := range []string{"signature", "main"} {
		if uint64(len(b)) < off+16 || !bytes.Equal(b[off:off+4], []byte{0x8e, 0xad, 0xe8, 0x01}) {
			return fmt.Errorf("no %s header", name)
		}
		n := uint64(binary.BigEndian.Uint32(b[off+8:]))
		size := uint64(binary.BigEndian.Uint32(b[off+12:]))
		if i == 0 {
			size = (size + 7) / 8 * 8
		}
		off += 16 + 16*n + size
		if off > uint64(len(b)) {
			return fmt.Errorf("%s header is truncated", name)
		}
	}
	return nil
}

func fromHeader(h header, checksum, href string, size uint64) (Package, error) {
	name := h.str(rpmutils.NAME)
	if name == "" {
		return Package{}, errors.New("header has no name")
	}
	r := h.hdr.GetRange()
	p := Package{
		Name:          name,
		Arch:          h.str(rpmutils.ARCH),
		Epoch:         fmt.Sprint(h.num(rpmutils.EPOCH)),
		Version:       h.str(rpmutils.VERSION),
		Release:       h.str(rpmutils.RELEASE),
		Checksum:      checksum,
		Href:          href,
		Summary:       h.str(rpmutils.SUMMARY),
		Description:   h.str(rpmutils.DESCRIPTION),
		Packager:      h.str(rpmutils.PACKAGER),
		URL:           h.str(rpmutils.URL),
		License:       h.str(rpmutils.LICENSE),
		Vendor:        h.str(rpmutils.VENDOR),
		Group:         h.str(rpmutils.GROUP),
		BuildHost:     h.str(rpmutils.BUILDHOST),
		SourceRPM:     h.str(rpmutils.SOURCERPM),
		BuildTime:     int64(h.num(rpmutils.BUILDTIME)),
		PackageSize:   size,
		InstalledSize: h.numFallback(rpmutils.SIZE, rpmutils.LONGSIZE),
		ArchiveSize:   h.archiveSize(),
		HeaderStart:   uint64(r.Start),
		HeaderEnd:     uint64(r.End),
	}
	p.FileTime = p.BuildTime
	if h.num(tagSourcePackage) != 0 {
		p.Arch = "src"
	}
	var err error
	if p.Files, err = h.files(); err != nil {
		return Package{}, err
	}
	if err = h.dependencies(&p); err != nil {
		return Package{}, err
	}
	if p.Changelog, err = h.changelog(ChangelogLimit); err != nil {
		return Package{}, err
	}
	return p, nil
}
