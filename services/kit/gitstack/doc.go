// Package gitstack keeps the stacks whose definition lives in a git
// repository: one record per stack in the NATS KV bucket ring_stacks (no
// secrets), and the paths of the stack's webhook secret and forge token,
// files of mode 0400 in the key directory. It also says which branch,
// tag or pull request publishes to which channel, and how two spellings of
// a repository URL are told to be the same repository.
package gitstack
