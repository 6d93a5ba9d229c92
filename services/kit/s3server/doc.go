// Package s3server runs an embedded S3-compatible server (the VersityGW
// gateway with its POSIX backend) inside the current process.
//
// Objects are kept as plain files under Config.Dir/data; object metadata is
// kept in extended attributes when the filesystem supports user xattrs, or in
// a sidecar tree under Config.Dir/meta otherwise (overlayfs and tmpfs often
// refuse user xattrs). Once a Dir has used the sidecar tree it keeps using it.
// Objects survive a Close followed by a new Start on the same Dir.
//
// Process-wide side effects, inherited from VersityGW:
//
//   - Start changes the process working directory to Config.Dir/data (the
//     POSIX backend resolves object paths relative to the working directory
//     and calls os.Chdir itself). Code in the same process must not rely on
//     relative paths — kit/config resolves them against the directory the
//     process started in (config.Abs, ProjectDir, Home) — and must not change
//     the working directory while a Server runs.
//   - The gateway prints nothing to stdout (Quiet, banner suppressed, IAM
//     built here), but it reports internal errors, such as a client hanging
//     up mid-upload, on stderr.
//   - Only one Server may run per process at a time; a second Start before
//     Close returns ErrAlreadyRunning. Start after Close is supported.
//   - Only one process may serve a Config.Dir at a time: Start holds an
//     exclusive flock on Config.Dir/server.lock (with its PID in it) until
//     Close or the process's end, and another process's Start fails with
//     ErrDirInUse naming that PID. This is what makes If-None-Match: * PUTs
//     atomic without the POSIX backend's per-PUT lock file.
package s3server
