package packaging

import (
	"fmt"
	"regexp"
	"strings"
)

var distroRE = regexp.MustCompile(`^([a-z][a-z0-9]*)-([0-9]+)(\.[0-9]+)?$`)

// distroTag is the format a distro uses and the suffix its packages get on
// the release, so that one pool can hold a component for several distros:
// debian-12 → deb "+deb12", ubuntu-24.04 → deb "+ubuntu24.04",
// rockylinux-9 → rpm ".el9", fedora-40 → rpm ".fc40". An empty distro has
// no tag and suits both formats.
func distroTag(distro string) (Format, string, error) {
	if distro == "" {
		return "", "", nil
	}
	m := distroRE.FindStringSubmatch(distro)
	if m == nil {
		return "", "", errorf(ErrInvalid, "distro %q: write <id>-<version>, e.g. debian-12", distro)
	}
	id, major, minor := m[1], m[2], m[3]
	switch id {
	case "debian":
		return Deb, "+deb" + major, nil
	case "ubuntu":
		return Deb, "+ubuntu" + major + minor, nil
	case "rockylinux", "almalinux", "centos", "rhel", "oraclelinux":
		return RPM, ".el" + major, nil
	case "fedora":
		return RPM, ".fc" + major, nil
	}
	return "", "", errorf(ErrInvalid, "distro %q: unknown distribution %q (known: debian, ubuntu, rockylinux, almalinux, centos, rhel, oraclelinux, fedora)", distro, id)
}

// arches maps the accepted architecture names to the deb and rpm names.
var arches = map[string][2]string{
	"amd64": {"amd64", "x86_64"}, "x86_64": {"amd64", "x86_64"},
	"arm64": {"arm64", "aarch64"}, "aarch64": {"arm64", "aarch64"},
	"ppc64le": {"ppc64el", "ppc64le"}, "ppc64el": {"ppc64el", "ppc64le"},
	"s390x": {"s390x", "s390x"}, "riscv64": {"riscv64", "riscv64"},
	"all": {"all", "noarch"}, "noarch": {"all", "noarch"},
}

func archFor(f Format, arch string) (string, error) {
	a, ok := arches[arch]
	if !ok {
		known := make([]string, 0, len(arches))
		for k := range arches {
			known = append(known, k)
		}
		return "", errorf(ErrInvalid, "architecture %q is not supported (use one of %s)", arch, strings.Join(sortStrings(known), ", "))
	}
	if f == RPM {
		return a[1], nil
	}
	return a[0], nil
}

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
