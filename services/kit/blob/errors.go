package blob

import "errors"

var (
	// ErrNotFound means the object (or bucket) does not exist.
	ErrNotFound = errors.New("blob: not found")
	// ErrExists means PutIfAbsent found the key already present.
	ErrExists = errors.New("blob: object already exists")
	// ErrInvalidKey means a key or prefix failed validation.
	ErrInvalidKey = errors.New("blob: invalid key")
	// ErrInvalidConfig means a Config value (such as the endpoint URL) is unusable.
	ErrInvalidConfig = errors.New("blob: invalid config")
	// ErrUnreachable means Open could not get an S3 answer from the endpoint.
	ErrUnreachable = errors.New("blob: S3 endpoint unreachable")
	// ErrCredentials means the server rejected the access key or secret.
	ErrCredentials = errors.New("blob: S3 credentials rejected")
)
