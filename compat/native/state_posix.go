//go:build linux || freebsd

package native

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/compat/fault"
	"rcjail/compat/hostpath"
	"rcjail/compat/statefile"
)

// openStateDir makes <root>/var/run/rcjail (mode 0700) and opens it.
// /var/run and the state directory are root's host paths and may be
// symlinks (/var/run -> /run on systemd Linux): they are followed, inside
// the -R root (SPEC §3.8, package hostpath). What is found at the end must
// be a directory owned by us, made 0700: a directory someone else owns
// would let them plant files (or symlinks) beside our locks and records.
//
// It is opened first and made only when that says it is missing: every
// executor opens it, and on all but the first run it exists (the stat and
// mkdir of the parents and the mkdir of the directory each cost a system
// call and found nothing to do). The checks below apply to a directory
// found as much as to one made.
func openStateDir(root string) (*os.File, error) {
	if root == "" {
		root = "/"
	}
	p, err := hostpath.Dir(root, "/"+StateDir)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	// Resolved: the last component is no link unless one was put there
	// since, and that is refused rather than followed a second time.
	const flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Open(p, flags, 0)
	if err == unix.ENOENT {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("state directory %s: %w", p, err)
		}
		if err := unix.Mkdir(p, 0o700); err != nil && err != unix.EEXIST {
			return nil, fmt.Errorf("state directory %s: mkdir: %w", p, err)
		}
		fd, err = unix.Open(p, flags, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("state directory %s: open: %w", p, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("state directory %s: %w", p, err)
	}
	if int(st.Uid) != os.Geteuid() {
		unix.Close(fd)
		return nil, fmt.Errorf("state directory %s: owned by uid %d, not by us (%d)", p, st.Uid, os.Geteuid())
	}
	if st.Mode&0o077 != 0 {
		// Others must not plant files (or symlinks) beside our locks.
		if err := unix.Fchmod(fd, 0o700); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("state directory %s: chmod 0700: %w", p, err)
		}
	}
	return os.NewFile(uintptr(fd), p), nil
}

// lockJail takes the jail's exclusive lock, waiting at most wait (0: do not
// wait). The lock file is opened without following a symlink and created
// 0600; it exists only while held: unlockJail removes it (package
// statefile says why that is safe).
func lockJail(dir *os.File, jail string, wait time.Duration) (*os.File, error) {
	f, err := statefile.Lock(context.Background(), int(dir.Fd()), dir.Name(), stateName(jail)+".lock", wait)
	if err != nil {
		return nil, fmt.Errorf("jail %s: %w", jail, err)
	}
	return f, nil
}

// unlockJail removes the jail's lock file and releases the lock.
func unlockJail(dir *os.File, jail string, lock *os.File) error {
	if err := statefile.Unlock(int(dir.Fd()), stateName(jail)+".lock", lock); err != nil {
		return fmt.Errorf("jail %s: %w", jail, err)
	}
	return nil
}

// readAt reads the state file name (a regular file, see package
// statefile) whole, up to maxRecord bytes.
func readAt(dir *os.File, name string) ([]byte, error) {
	f, err := statefile.OpenAt(int(dir.Fd()), dir.Name(), name, unix.O_RDONLY, 0, statefile.Regular)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return statefile.ReadAll(f, maxRecord)
}

// removeJournal removes the jail's journal when it is empty (its events
// are all in the snapshot, or the record is gone): a stopped, clean jail
// leaves no state file behind. Only a holder of the jail's lock calls it.
func removeJournal(dir *os.File, jail string, journal *os.File) {
	if journal == nil {
		return
	}
	if fi, err := journal.Stat(); err != nil || fi.Size() != 0 {
		return
	}
	fault.Before("remove journal")
	_ = unix.Unlinkat(int(dir.Fd()), stateName(jail)+".journal", 0)
	fault.After("remove journal")
}

func writeAtomic(dir *os.File, name string, data []byte, sync bool) error {
	tmp := name + ".tmp" + strconv.Itoa(os.Getpid())
	fault.Before("write state file")
	fd, err := unix.Openat(int(dir.Fd()), tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), tmp)
	_, err = f.Write(data)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		fault.Before("rename state file") // the temporary file is complete
		err = unix.Renameat(int(dir.Fd()), tmp, int(dir.Fd()), name)
	}
	if err != nil {
		_ = unix.Unlinkat(int(dir.Fd()), tmp, 0)
		return err
	}
	if sync {
		err = dir.Sync()
	}
	fault.After("write state file")
	return err
}

func removeAt(dir *os.File, name string) error {
	fault.Before("remove state file")
	if err := unix.Unlinkat(int(dir.Fd()), name, 0); err != nil {
		return &os.PathError{Op: "remove", Path: dir.Name() + "/" + name, Err: err}
	}
	fault.After("remove state file")
	return nil
}

// crashSelf is the crash of Fault.CrashAfter: SIGKILL to ourselves.
func crashSelf() {
	_ = unix.Kill(os.Getpid(), unix.SIGKILL)
	select {}
}

// openJournal opens (creating it, 0600) the jail's journal for reading and
// appending, without following a symlink (one planted by someone who can
// write the state directory would otherwise make us append to, or read
// events from, any file on the host).
//
// An empty journal is removed when the run's work on the jail ends
// (removeJournal): a clean stop used to keep it, emptied, which saved about
// 5 µs per start on a tmpfs /var/run, but left two files per jail ever
// started (10,000 jails: 19,988 lock and journal files).
func openJournal(dir *os.File, jail string) (*os.File, error) {
	name := stateName(jail) + ".journal"
	f, err := statefile.OpenAt(int(dir.Fd()), dir.Name(), name, unix.O_RDWR|unix.O_APPEND|unix.O_CREAT, 0o600, statefile.Regular)
	if err != nil {
		return nil, fmt.Errorf("jail %s: open journal: %w", jail, err)
	}
	return f, nil
}
