//go:build !linux

package linuxjail

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Start is Linux-only: elsewhere jails are jail(8)'s business.
func Start(ctx context.Context, s Spec) (int, error) {
	return 0, fmt.Errorf("start namespace jail in %q: %w", s.Root, errors.ErrUnsupported)
}

// Running is always false off Linux.
func Running(jid int, root string) bool { return false }

// Stop is Linux-only.
func Stop(jid int, root string, timeout time.Duration) error {
	return fmt.Errorf("stop namespace jail %d: %w", jid, errors.ErrUnsupported)
}

// ExecCmd is Linux-only; it returns nil.
func ExecCmd(jid int, argv []string) []string { return nil }

// Root always reports false off Linux.
func Root(jid int) (string, bool) { return "", false }

// At is not supported here.
func At(root string) (int, bool) { return 0, false }

// Settle does nothing here.
func Settle(jid int, root string, d time.Duration) {}
