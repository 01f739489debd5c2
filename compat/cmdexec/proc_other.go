//go:build !unix

package cmdexec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"rcjail/compat/statefile"
)

func setGroup(*exec.Cmd) {}

// openNoFollow cannot refuse a symlink here, so it refuses to open at all.
func openNoFollow(name string, _ int, _ statefile.Kind) (*os.File, error) {
	return nil, fmt.Errorf("open %s without following symlinks: %w", name, errors.ErrUnsupported)
}

// isMountPoint cannot compare devices here; Mount's own checks remain.
func isMountPoint(string) bool { return false }

func checkState(name string, _ statefile.Kind) error {
	return fmt.Errorf("check %s: %w", name, errors.ErrUnsupported)
}

func lockAt(_ context.Context, dir, name string, _ time.Duration) (func() error, error) {
	return nil, fmt.Errorf("flock %s/%s: %w", dir, name, errors.ErrUnsupported)
}
