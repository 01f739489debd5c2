//go:build !linux && !freebsd

package proc

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
)

// Run is unsupported here: process groups are a Unix feature.
func Run(ctx context.Context, c Cmd) error {
	return fmt.Errorf("run %s: %w", quote(c.Argv), errors.ErrUnsupported)
}

// Start is unsupported here.
func Start(c Cmd) (*exec.Cmd, error) {
	return nil, fmt.Errorf("run %s: %w", quote(c.Argv), errors.ErrUnsupported)
}

// Wait is unsupported here.
func Wait(ctx context.Context, cmd *exec.Cmd, c Cmd) error {
	return fmt.Errorf("wait %s: %w", quote(c.Argv), errors.ErrUnsupported)
}

// KillGroup does nothing here.
func KillGroup(pgid int, sig syscall.Signal) {}

// CloseExtraOnExec does nothing here.
func CloseExtraOnExec() error { return nil }
