//go:build linux || freebsd

package selftest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// LockWait bounds how long a run waits for another selftest to finish:
// runs are serialized machine-wide (one scratch directory), not refused, so
// that two test suites on one machine do not fail each other.
var LockWait = 10 * time.Minute

// takeLock creates ScratchDir (refusing a symlink or a directory root does
// not own there) and takes its lock, waiting for another run to finish. A
// finishing run removes the lock file and the directory while it holds the
// lock, so a waiter checks that the file it locked is still the one at the
// path, and starts over when it is not.
func takeLock(ctx context.Context, stderr io.Writer) (*os.File, error) {
	deadline := time.Now().Add(LockWait)
	said := false
	for {
		if err := os.Mkdir(ScratchDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("create %s: %w", ScratchDir, err)
		}
		// A planted symlink or someone else's directory must not become
		// the place we mount on and remove from.
		if st, err := os.Lstat(ScratchDir); err != nil || !st.IsDir() || st.Sys().(*syscall.Stat_t).Uid != 0 {
			return nil, fmt.Errorf("%s: not a directory owned by root", ScratchDir)
		}
		name := filepath.Join(ScratchDir, "lock")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("lock: %w", err)
		}
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			var held, at unix.Stat_t
			if unix.Fstat(int(f.Fd()), &held) == nil && unix.Lstat(name, &at) == nil && held.Dev == at.Dev && held.Ino == at.Ino {
				return f, nil
			}
			f.Close() // the run before us removed it: start over
			continue
		}
		f.Close()
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s: %w", name, err)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("refused: another selftest held %s for %v", name, LockWait)
		}
		if !said {
			fmt.Fprintf(stderr, "rcjail: selftest: waiting for another selftest (%s)\n", name)
			said = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// failf prints a refusal of the run and returns its exit status.
func failf(o Options, format string, args ...any) int {
	fmt.Fprintf(o.Stderr, "rcjail: selftest: "+format+"\n", args...)
	return 1
}

// finish ends a run that took the lock: it removes the lock file and the
// (by now empty) scratch directory, prints the table and returns the exit
// status.
func finish(rep *Report, lock *os.File, o Options) int {
	_ = os.Remove(lock.Name())
	_ = os.Remove(ScratchDir)
	rep.Print(o.Stdout)
	if !rep.OK() {
		return 1
	}
	return 0
}
