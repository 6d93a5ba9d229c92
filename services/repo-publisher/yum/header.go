package yum

import (
	"errors"
	"fmt"
	"strings"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

// header reads tags the lenient way createrepo_c does: a missing tag is an
// empty value, an inconsistent one is an error.
type header struct{ hdr *rpmutils.RpmHeader }

func (h header) str(tag int) string {
	v, err := h.hdr.GetStrings(tag)
	if err != nil || len(v) == 0 {
		return ""
	}
	return v[0] // the first of an i18n string is the C locale
}

func (h header) strs(tag int) ([]string, error) {
	v, err := h.hdr.GetStrings(tag)
	if errors.As(err, &rpmutils.NoSuchTagError{}) {
		return nil, nil
	}
	return v, err
}

func (h header) uint32s(tag int) ([]uint32, error) {
	v, err := h.hdr.GetUint32s(tag)
	if errors.As(err, &rpmutils.NoSuchTagError{}) {
		return nil, nil
	}
	return v, err
}

func (h header) num(tag int) uint64 {
	v, err := h.hdr.GetUint64s(tag)
	if err != nil || len(v) == 0 {
		return 0
	}
	return v[0]
}

func (h header) numFallback(intTag, longTag int) uint64 {
	if h.hdr.HasTag(longTag) {
		return h.num(longTag)
	}
	return h.num(intTag)
}

// archiveSize is the uncompressed payload size: rpm keeps it in the main
// header (old packages) or in the signature header.
func (h header) archiveSize() uint64 {
	if h.hdr.HasTag(rpmutils.ARCHIVESIZE) {
		return h.num(rpmutils.ARCHIVESIZE)
	}
	if h.hdr.HasTag(rpmutils.SIG_PAYLOADSIZE) {
		return h.num(rpmutils.SIG_PAYLOADSIZE)
	}
	return h.num(sigTagLongArchive)
}

func (h header) files() ([]File, error) {
	dirs, err := h.strs(rpmutils.DIRNAMES)
	if err != nil {
		return nil, err
	}
	idx, err := h.uint32s(rpmutils.DIRINDEXES)
	if err != nil {
		return nil, err
	}
	base, err := h.strs(rpmutils.BASENAMES)
	if err != nil {
		return nil, err
	}
	flags, err := h.uint32s(rpmutils.FILEFLAGS)
	if err != nil {
		return nil, err
	}
	modes, err := h.uint32s(rpmutils.FILEMODES)
	if err != nil {
		return nil, err
	}
	if len(base) == 0 {
		return nil, nil
	}
	if len(idx) != len(base) || len(flags) != len(base) || len(modes) != len(base) {
		return nil, errors.New("file tags have different lengths")
	}
	files := make([]File, len(base))
	for i, b := range base {
		if int(idx[i]) >= len(dirs) {
			return nil, fmt.Errorf("file %q: directory index %d out of range", b, idx[i])
		}
		f := File{Path: dirs[idx[i]] + b}
		switch {
		case modes[i]&0o170000 == 0o040000:
			f.Type = FileDir
		case flags[i]&rpmutils.RPMFILE_GHOST != 0:
			f.Type = FileGhost
		}
		files[i] = f
	}
	return files, nil
}

// changelog keeps the newest limit entries, oldest first, and (like
// createrepo_c) moves entries that share a timestamp apart by a second so
// that (date, author) stays unique.
func (h header) changelog(limit int) ([]ChangelogEntry, error) {
	times, err := h.uint32s(rpmutils.CHANGELOGTIME)
	if err != nil {
		return nil, err
	}
	names, err := h.strs(rpmutils.CHANGELOGNAME)
	if err != nil {
		return nil, err
	}
	texts, err := h.strs(rpmutils.CHANGELOGTEXT)
	if err != nil {
		return nil, err
	}
	n := min(len(times), len(names), len(texts), limit)
	if n == 0 {
		return nil, nil
	}
	newest := make([]ChangelogEntry, n) // header order: newest first
	var last int64
	for i := range n {
		t := int64(times[i])
		author := names[i]
		if len(author) > 1 {
			author = author[:1] + strings.TrimRight(author[1:], " ")
		}
		newest[i] = ChangelogEntry{Author: author, Date: t, Text: texts[i]}
		if i > 0 && t == last {
			for j, tt := i-1, t; j >= 0 && newest[j].Date == tt; j, tt = j-1, tt+1 {
				newest[j].Date++
			}
		} else {
			last = t
		}
	}
	out := make([]ChangelogEntry, n)
	for i, e := range newest {
		out[n-1-i] = e
	}
	return out, nil
}
