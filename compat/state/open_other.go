//go:build !unix

package state

import (
	"errors"
	"os"
)

// Open refuses off unix: it cannot open without following a symlink.
func Open(p string, flags int, perm uint32, kind Kind) (*os.File, error) {
	return nil, &os.PathError{Op: "open", Path: p, Err: errors.ErrUnsupported}
}

// Check refuses off unix.
func Check(p string, kind Kind) error {
	return &os.PathError{Op: "check", Path: p, Err: errors.ErrUnsupported}
}

// ReadIDFile refuses off unix.
func ReadIDFile(p string) (string, error) {
	return "", &os.PathError{Op: "open", Path: p, Err: errors.ErrUnsupported}
}
