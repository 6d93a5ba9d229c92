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

// versionKey is the policy's vkey(v) for a valid version v: the first four
// numeric parts, padded with 0. ok is false where vkey is undefined (a part
// too large for to_number).
func versionKey(v string) (key *ast.Term, ok bool) {
	if i := strings.IndexAny(v, "-+~"); i >= 0 {
		v = v[:i]
	}
	parts := [4]*ast.Term{zeroTerm, zeroTerm, zeroTerm, zeroTerm}
	for i, p := range strings.Split(v, ".") {
		t := ast.InternedIntNumberTermFromString(p)
		if t == nil {
			// to_number: any string strconv.ParseFloat accepts.
			if _, err := strconv.ParseFloat(p, 64); err != nil {
				return nil, false
			}
			t = ast.NewTerm(ast.Number(p))
		}
		if i < len(parts) {
			parts[i] = t
		}
	}
	return ast.ArrayTerm(parts[:]...), true
}

// versionTerms computes input.version_keys ({name: vkey} of the valid
// versions) and input.invalid_versions ([name], sorted) for components.
func versionTerms(components map[string]string) (keys, invalid *ast.Term) {
	items := make([][2]*ast.Term, 0, len(components))
	var bad []*ast.Term
	for name, v := range components {
		if !validVersion(v) {
			bad = append(bad, ast.StringTerm(name))
			continue
		}
		if k, ok := versionKey(v); ok {
			items = append(items, ast.Item(ast.StringTerm(name), k))
		}
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].Value.Compare(bad[j].Value) < 0 })
	return ast.ObjectTerm(items...), ast.ArrayTerm(bad...)
}
