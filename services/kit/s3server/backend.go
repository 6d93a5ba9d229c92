package s3server

import "github.com/versity/versitygw/backend/posix"

// nopShutdown hands the POSIX backend to the gateway without letting the
// gateway close it: a failed start attempt (port taken) can then retry with
// the same backend, and Server.Close shuts it down exactly once.
type nopShutdown struct{ *posix.Posix }

func (nopShutdown) Shutdown() {}
