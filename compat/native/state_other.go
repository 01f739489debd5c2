//go:build !linux && !freebsd

package native

import (
	"errors"
	"time"

	"rcjail/compat/state"
)

var errNoState = errors.ErrUnsupported

func openStateDir(root string) (*state.Dir, error) { return nil, errNoState }
func lockJail(dir *state.Dir, jail string, wait time.Duration) (*state.JailLock, error) {
	return nil, errNoState
}
func unlockJail(dir *state.Dir, jail string, lock *state.JailLock) error    { return errNoState }
func writeAtomic(dir *state.Dir, name string, data []byte, sync bool) error { return errNoState }
