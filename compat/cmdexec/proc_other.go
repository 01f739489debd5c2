//go:build !unix

package cmdexec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"rcjail/compat/state"
)

func setGroup(*exec.Cmd) {}

// openNoFollow cannot refuse a symlink here, so it refuses to open at all.
func openNoFollow(name string, _ int, _ state.Kind) (*os.File, error) {
	return nil, fmt.Errorf("open %s without following symlinks: %w", name, errors.ErrUnsupported)
}

// isMountPoint cannot compare devices here; Mount's own checks remain.
func isMountPoint(string) bool { return false }

func checkState(name string, _ state.Kind) error {
	return fmt.Errorf("check %s: %w", name, errors.ErrUnsupported)
}

func lockJail(_ context.Context, _, jail string, _ time.Duration) (func() error, error) {
	return nil, fmt.Errorf("lock jail %s: %w", jail, errors.ErrUnsupported)
}
