//go:build !linux && !freebsd

package inspect

import (
	"errors"
	"fmt"
)

// jidAlive has no way to ask the kernel about jails on this system.
func jidAlive(jid int, _ string) (bool, error) {
	return false, fmt.Errorf("check jid %d: %w", jid, errors.ErrUnsupported)
}
