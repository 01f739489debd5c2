//go:build !unix

package cmdexec

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

func setGroup(*exec.Cmd) {}

// isMountPoint cannot compare devices here; Mount's own checks remain.
func isMountPoint(string) bool { return false }

func lockJail(_ context.Context, _, jail string, _ time.Duration) (func() error, error) {
	return nil, fmt.Errorf("lock jail %s: %w", jail, errors.ErrUnsupported)
}
