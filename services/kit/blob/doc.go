// Package blob is Ringmaster's object store client: a small API over any
// S3-compatible server (MinIO, VersityGW, AWS S3) built on minio-go.
//
// Keys are validated before any request (see ErrInvalidKey). Missing objects
// are reported as ErrNotFound, lost conditional writes as ErrExists; all
// errors wrap their cause, so errors.Is and errors.As work.
package blob
