package blob

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// metaSHA256 is the user-metadata name (x-amz-meta-sha256) holding the
// caller-supplied SHA-256.
const metaSHA256 = "sha256"

// Info describes a stored object.
type Info struct {
	Key          string
	Size         int64
	ETag         string
	ContentType  string // empty in List results
	LastModified time.Time
	SHA256       string // hex, from PutOptions.SHA256; empty in List results
}

// PutOptions tunes a write.
type PutOptions struct {
	// ContentType defaults to "application/octet-stream".
	ContentType string
	// SHA256, when set (64 hex digits), is stored as user metadata "sha256"
	// and returned in Info.SHA256. It is recorded, not verified.
	SHA256 string
}

// Upload is one object for PutMany.
type Upload struct {
	Key  string
	Body io.Reader
	Size int64 // -1 if unknown
	Opts PutOptions
}

func infoFrom(oi minio.ObjectInfo) Info {
	info := Info{
		Key:          oi.Key,
		Size:         oi.Size,
		ETag:         strings.Trim(oi.ETag, `"`),
		ContentType:  oi.ContentType,
		LastModified: oi.LastModified,
	}
	if v := oi.UserMetadata[http.CanonicalHeaderKey(metaSHA256)]; v != "" {
		info.SHA256 = v
	} else if v := oi.Metadata.Get("X-Amz-Meta-" + metaSHA256); v != "" {
		info.SHA256 = v
	}
	return info
}
