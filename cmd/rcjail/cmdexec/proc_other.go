//go:build !unix

package cmdexec

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

func setGroup(*exec.Cmd) {}

// openNoFollow cannot refuse a symlink here, so it refuses to open at all.
func openNoFollow(name string, _ int) (*os.File, error) {
	return nil, fmt.Errorf("open %s without following symlinks: %w", name, errors.ErrUnsupported)
}

// isMountPoint cannot compare devices here; Mount's own checks remain.
func isMountPoint(string) bool { return false }

func tryLock(*os.File) (bool, error) {
	return false, fmt.Errorf("flock: %w", errors.ErrUnsupported)
}
