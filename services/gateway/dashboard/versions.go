package dashboard

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

func asStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func addVersion(l *[]string, v string) {
	if !slices.Contains(*l, v) {
		*l = append(*l, v)
	}
}

// sortVersions orders versions by their numbers: 6.0.9 before 6.0.10.
func sortVersions(l []string) {
	sort.SliceStable(l, func(i, j int) bool { return versionLess(l[i], l[j]) })
}

func versionLess(a, b string) bool {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		switch {
		case ea == nil && eb == nil && na != nb:
			return na < nb
		case (ea != nil || eb != nil) && pa[i] != pb[i]:
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

func versionParts(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == '.' || r == '-' || r == '+' || r == '~' })
}
