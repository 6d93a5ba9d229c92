//go:build !linux

package s3server

import "errors"

func setGetXattr(string) error {
	return errors.New("xattr probe only implemented on linux")
}
