// Package stack reads a stack definition, infra/stacks/<name>/stack.yaml:
// the components a stack builds, where their sources come from, how they are
// built and how their files are laid out in the packages.
//
// Parsing is strict: unknown fields, wrong kinds, unsafe names and paths are
// rejected, and every problem is reported, each as
// "file:line:col: field.path: what is wrong (what to do)".
package stack
