package policies

import (
	"sort"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// validVersion is the policy's valid_version(v): a dotted numeric version with
// an optional suffix, `^[0-9]+(\.[0-9]+)*([-+~][0-9A-Za-z.+~-]*)?$`.
func validVersion(v string) bool {
	i := 0
	for {
		start := i
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
		if i == len(v) || v[i] != '.' {
			break
		}
		i++
	}
	if i == len(v) {
		return true
	}
	if !strings.ContainsRune("-+~", rune(v[i])) {
		return false
	}
	for _, c := range []byte(v[i+1:]) {
		ok := '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || strings.IndexByte(".+~-", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

var zeroTerm = ast.InternedTerm(0)

// versionKey is the policy's vkey(v) for a valid version v: its numeric
// parts, padded with 0 and cut to four. Like vkey's comprehension over
// to_number, it skips a part to_number cannot take (one too large for a
// float64).
func versionKey(v string) *ast.Term {
	if i := strings.IndexAny(v, "-+~"); i >= 0 {
		v = v[:i]
	}
	parts := make([]*ast.Term, 0, 4)
	for p := range strings.SplitSeq(v, ".") {
		if len(parts) == 4 {
			break
		}
		t := ast.InternedIntNumberTermFromString(p)
		if t == nil {
			if _, err := strconv.ParseFloat(p, 64); err != nil {
				continue
			}
			t = ast.NewTerm(ast.Number(p))
		}
		parts = append(parts, t)
	}
	for len(parts) < 4 {
		parts = append(parts, zeroTerm)
	}
	return ast.ArrayTerm(parts...)
}

// versionTerms adds what the policy reads as input.version_keys ({name:
// vkey} of the valid versions) and input.invalid_versions ([name], sorted) to
// the components' terms.
func versionTerms(components [][2]*ast.Term) (keys, invalid *ast.Term) {
	items := make([][2]*ast.Term, 0, len(components))
	var bad []*ast.Term
	for _, c := range components {
		v := string(c[1].Value.(ast.String))
		if !validVersion(v) {
			bad = append(bad, c[0])
			continue
		}
		items = append(items, ast.Item(c[0], versionKey(v)))
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].Value.Compare(bad[j].Value) < 0 })
	return ast.ObjectTerm(items...), ast.ArrayTerm(bad...)
}
