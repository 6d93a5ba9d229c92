package stack

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// A rule checks one value; it returns the problem and what to do, or "".
type rule func(v string) (problem, hint string)

var (
	debNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	versionRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)
	releaseRE = regexp.MustCompile(`^[A-Za-z0-9.+~]+$`)
	relVerRE  = regexp.MustCompile(`^([0-9]+:)?[0-9][A-Za-z0-9.+~-]*$`)
	slugRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	distroRE  = regexp.MustCompile(`^[a-z][a-z0-9]*-[0-9]+(\.[0-9]+)?$`)
	sha256RE  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	accountRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	envKeyRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	imageRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?(@sha256:[0-9a-f]{64})?$`)
	mainterRE = regexp.MustCompile(`^[^<>\n]+ <[^<>@\s]+@[^<>\s]+>$`)
	modeRE    = regexp.MustCompile(`^0?[0-7]{3}$`)
)

// badChar names the first character of v outside allowed, for messages.
func badChar(v string, allowed *regexp.Regexp) string {
	for _, r := range v {
		if !allowed.MatchString("a" + string(r)) {
			return fmt.Sprintf("%q", r)
		}
	}
	return ""
}

var charRE = regexp.MustCompile(`^[A-Za-z0-9._+@=,:~/-]+$`)

func debName(v string) (string, string) {
	if debNameRE.MatchString(v) {
		return "", ""
	}
	return fmt.Sprintf("%q is not a valid package name", v),
		"use at least 2 characters: lowercase letters, digits, '+', '-', '.', starting with a letter or digit"
}

func version(v string) (string, string) {
	if versionRE.MatchString(v) {
		return "", ""
	}
	if strings.Contains(v, "-") {
		return fmt.Sprintf("%q contains '-'", v), "the upstream version must not contain '-'; put the package revision in release"
	}
	return fmt.Sprintf("%q is not a valid version", v), "start with a digit and use only letters, digits, '.', '+', '~'"
}

func release(v string) (string, string) {
	if releaseRE.MatchString(v) {
		return "", ""
	}
	return fmt.Sprintf("%q is not a valid release", v), "use only letters, digits, '.', '+', '~', e.g. 1"
}

func relVersion(v string) (string, string) {
	if relVerRE.MatchString(v) {
		return "", ""
	}
	return fmt.Sprintf("%q is not a valid version", v), "start with a digit and use only letters, digits, '.', '+', '~', '-'"
}

func matches(re *regexp.Regexp, what, hint string) rule {
	return func(v string) (string, string) {
		if re.MatchString(v) {
			return "", ""
		}
		return fmt.Sprintf("%q is not a valid %s", v, what), hint
	}
}

func safeChars(v string) (string, string) {
	if v == "" {
		return "is empty", "give a path"
	}
	if !charRE.MatchString(v) {
		return fmt.Sprintf("%q contains %s", v, badChar(v, charRE)),
			"use only letters, digits and . _ + @ = , : ~ / -"
	}
	return "", ""
}

// relPath is a clean relative path that stays inside its base directory.
func relPath(v string) (string, string) {
	if p, h := safeChars(v); p != "" {
		return p, h
	}
	if strings.HasPrefix(v, "/") {
		return fmt.Sprintf("%q is absolute", v), "write it relative to its base directory"
	}
	for _, el := range strings.Split(v, "/") {
		if el == ".." {
			return fmt.Sprintf("%q contains '..'", v), "keep it inside its base directory"
		}
	}
	if c := path.Clean(v); c != v {
		return fmt.Sprintf("%q is not clean", v), fmt.Sprintf("write %q", c)
	}
	return "", ""
}

// absPath is a clean absolute path other than "/".
func absPath(v string) (string, string) {
	if p, h := safeChars(v); p != "" {
		return p, h
	}
	if !strings.HasPrefix(v, "/") {
		return fmt.Sprintf("%q is not absolute", v), "start it with /"
	}
	if c := path.Clean(v); c != v || strings.Contains(v, "/../") || strings.HasSuffix(v, "/..") {
		return fmt.Sprintf("%q is not clean", v), fmt.Sprintf("write %q", c)
	}
	if v == "/" {
		return `"/" is not a file`, "name a path below /"
	}
	return "", ""
}

// fhsRoots are the trees a package may install into.
var fhsRoots = []string{"/usr/", "/etc/", "/var/", "/opt/", "/srv/"}

func fhsPath(v string) (string, string) {
	for _, r := range fhsRoots {
		if strings.HasPrefix(v, r) {
			return "", ""
		}
	}
	return fmt.Sprintf("%q is outside the package trees", v), "install below " + strings.Join(fhsRoots, ", ")
}

func webURL(v string) (string, string) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(v, " \t\n") {
		return fmt.Sprintf("%q is not an http(s) URL", v), "write a full URL such as https://example.org/foo-1.0.tar.gz"
	}
	return "", ""
}
