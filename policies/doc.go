// Package policies will hold Ringmaster's Rego v1 policies and their tests,
// embedded into Go and evaluated with OPA (issue #6: the compatibility gate).
package policies
