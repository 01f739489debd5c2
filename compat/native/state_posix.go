//go:build linux || freebsd

package native

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/compat/fault"
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

// readAt reads the state file name (a regular file, see package state)
// whole, up to maxRecord bytes.
func readAt(dir *state.Dir, name string) ([]byte, error) { return dir.ReadFile(name, maxRecord) }

// removeJournal removes the jail's journal when it is empty (its events
// are all in the snapshot, or the record is gone): a stopped, clean jail
// leaves no state file behind. Only a holder of the jail's lock calls it.
func removeJournal(dir *state.Dir, jail string, journal *os.File) {
	if journal == nil {
		return
	}
	if fi, err := journal.Stat(); err != nil || fi.Size() != 0 {
		return
	}
	fault.Before("remove journal")
	_ = unix.Unlinkat(dir.Fd(), state.JournalName(jail), 0)
	fault.After("remove journal")
}

func writeAtomic(dir *state.Dir, name string, data []byte, sync bool) error {
	return dir.WriteAtomic(name, data, sync)
}

func removeAt(dir *state.Dir, name string) error { return dir.Remove(name) }

// openJournal opens (creating it, 0600) the jail's journal for reading and
// appending, without following a symlink (one planted by someone who can
// write the state directory would otherwise make us append to, or read
// events from, any file on the host).
//
// An empty journal is removed when the run's work on the jail ends
// (removeJournal): a clean stop used to keep it, emptied, which saved about
// 5 µs per start on a tmpfs /var/run, but left two files per jail ever
// started (10,000 jails: 19,988 lock and journal files).
func openJournal(dir *state.Dir, jail string) (*os.File, error) {
	f, err := dir.Open(state.JournalName(jail), unix.O_RDWR|unix.O_APPEND|unix.O_CREAT, 0o600)
	if err != nil {
		return nil, fmt.Errorf("jail %s: open journal: %w", jail, err)
	}
	return f, nil
}
