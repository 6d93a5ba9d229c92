package s3server

import "errors"

// ErrAlreadyRunning is returned by Start when a Server is already running in
// this process: the embedded gateway supports only one instance per process.
var ErrAlreadyRunning = errors.New("s3server: a server is already running in this process (only one embedded gateway per process is supported; Close it first)")

// ErrClosed is returned by Close when the server was already closed.
var ErrClosed = errors.New("s3server: server already closed")

// ErrDirInUse is returned by Start when another process serves Config.Dir
// (see lockDir); the error names that process.
var ErrDirInUse = errors.New("s3server: directory in use")
