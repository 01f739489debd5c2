//go:build !linux

package main

import (
	"errors"
	"fmt"
	"runtime"
)

// floor is Linux's bind/remount/umount loop; elsewhere there is none.
func floor(n int, skel, jails string, ents []string) error {
	return fmt.Errorf("floor on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
