package blob

import (
	"fmt"
	"net/http"

	"github.com/minio/minio-go/v7"
)

// wrap adds op and key to err and, for well-known S3 answers, the matching
// sentinel (ErrNotFound, ErrExists, ErrCredentials).
func wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case isCredentialError(err):
		return fmt.Errorf("blob: %s %q: %w: %w", op, key, ErrCredentials, err)
	case resp.Code == "NoSuchKey" || resp.Code == "NoSuchBucket" || resp.Code == "NotFound" || resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("blob: %s %q: %w: %w", op, key, ErrNotFound, err)
	case resp.Code == "PreconditionFailed" || resp.StatusCode == http.StatusPreconditionFailed:
		return fmt.Errorf("blob: %s %q: %w: %w", op, key, ErrExists, err)
	}
	return fmt.Errorf("blob: %s %q: %w", op, key, err)
}

func isCredentialError(err error) bool {
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
		"XAdminUserNotFound": // VersityGW: unknown access key (HTTP 404)
		return true
	case "AccessDenied":
		// HEAD answers carry no body, so minio-go can only report the 403.
		return true
	}
	return false
}

func isNotImplemented(err error) bool {
	resp := minio.ToErrorResponse(err)
	return resp.Code == "NotImplemented" || resp.StatusCode == http.StatusNotImplemented
}
