//go:build !linux && !freebsd

package native

import (
	"errors"
	"os"
	"time"
)

var errNoState = errors.ErrUnsupported

func openStateDir(root string) (*os.File, error) { return nil, errNoState }
func lockJail(dir *os.File, jail string, wait time.Duration) (*os.File, error) {
	return nil, errNoState
}
func unlockJail(dir *os.File, jail string, lock *os.File) error           { return errNoState }
func removeJournal(dir *os.File, jail string, journal *os.File)           {}
func readAt(dir *os.File, name string) ([]byte, error)                    { return nil, errNoState }
func writeAtomic(dir *os.File, name string, data []byte, sync bool) error { return errNoState }
func removeAt(dir *os.File, name string) error                            { return errNoState }

func crashSelf() { os.Exit(137) }

func openJournal(dir *os.File, jail string) (*os.File, error) { return nil, errNoState }
