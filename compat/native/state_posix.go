//go:build linux || freebsd

package native

import (
	"context"
	"fmt"
	"time"

	"rcjail/compat/state"
)

// openStateDir opens (making it when missing) the state directory under
// root: package state defines where it is and what it must be (a 0700
// directory of ours; /var/run followed inside the -R root, SPEC §3.8).
func openStateDir(root string) (*state.Dir, error) { return state.OpenDir(root) }

// lockJail takes the jail's exclusive lock, waiting at most wait (0: do not
// wait). The lock file exists only while held (package state says why that
// is safe).
func lockJail(dir *state.Dir, jail string, wait time.Duration) (*state.JailLock, error) {
	return dir.Lock(context.Background(), jail, wait)
}

// unlockJail removes the jail's lock file and releases the lock.
func unlockJail(_ *state.Dir, jail string, lock *state.JailLock) error {
	if err := lock.Unlock(); err != nil {
		return fmt.Errorf("jail %s: %w", jail, err)
	}
	return nil
}

func writeAtomic(dir *state.Dir, name string, data []byte, sync bool) error {
	return dir.WriteAtomic(name, data, sync)
}
