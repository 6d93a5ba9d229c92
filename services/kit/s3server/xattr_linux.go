//go:build linux

package s3server

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

func setGetXattr(path string) error {
	const attr, want = "user.ringmaster.probe", "ok"
	if err := unix.Setxattr(path, attr, []byte(want), 0); err != nil {
		return fmt.Errorf("setxattr: %w", err)
	}
	buf := make([]byte, 16)
	n, err := unix.Getxattr(path, attr, buf)
	if err != nil {
		return fmt.Errorf("getxattr: %w", err)
	}
	if !bytes.Equal(buf[:n], []byte(want)) {
		return errors.New("xattr read back differs")
	}
	return nil
}
