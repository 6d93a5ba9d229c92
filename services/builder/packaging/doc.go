// Package packaging turns one stack component plus a staged directory of
// built files into a .deb or an .rpm with nfpm, reproducibly: the same
// inputs give the same bytes (fixed mtimes, sorted entries, root:root unless
// the stack says otherwise, fixed build host).
package packaging
