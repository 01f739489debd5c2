//go:build !linux && !freebsd

package native

import (
	"errors"
	"os"
	"time"

	"rcjail/compat/state"
)

var errNoState = errors.ErrUnsupported

func openStateDir(root string) (*state.Dir, error) { return nil, errNoState }
func lockJail(dir *state.Dir, jail string, wait time.Duration) (*state.JailLock, error) {
	return nil, errNoState
}
func unlockJail(dir *state.Dir, jail string, lock *state.JailLock) error    { return errNoState }
func removeJournal(dir *state.Dir, jail string, journal *os.File)           {}
func readAt(dir *state.Dir, name string) ([]byte, error)                    { return nil, errNoState }
func writeAtomic(dir *state.Dir, name string, data []byte, sync bool) error { return errNoState }
func removeAt(dir *state.Dir, name string) error                            { return errNoState }

func openJournal(dir *state.Dir, jail string) (*os.File, error) { return nil, errNoState }
