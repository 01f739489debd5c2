//go:build !linux && !freebsd

package jailroot

import (
	"errors"
	"fmt"

	"rcjail/compat"
)

// prepare needs openat/mkdirat/symlinkat with O_NOFOLLOW to stay inside the
// jail root; elsewhere it refuses rather than fall back to path-based calls.

func EnsureRoot(rootdir string, dry bool) (bool, error) {
	return false, fmt.Errorf("prepare %s: %w", rootdir, errors.ErrUnsupported)
}

func Scan(rootdir string, items []compat.PrepItem, rootMissing bool) ([]compat.PrepItem, error) {
	return nil, fmt.Errorf("prepare %s: %w", rootdir, errors.ErrUnsupported)
}

func Apply(rootdir string, todo []compat.PrepItem, done func(compat.PrepItem)) error {
	return fmt.Errorf("prepare %s: %w", rootdir, errors.ErrUnsupported)
}
