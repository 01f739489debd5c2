//go:build linux || freebsd

package native

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/cmd/rcjail/hostpath"
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
// 0600.
func lockJail(dir *os.File, jail string, wait time.Duration) (*os.File, error) {
	name := stateName(jail) + ".lock"
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("jail %s: open lock %s/%s: %w", jail, dir.Name(), name, err)
	}
	deadline := time.Now().Add(wait)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return os.NewFile(uintptr(fd), dir.Name()+"/"+name), nil
		}
		if err != unix.EWOULDBLOCK || !time.Now().Before(deadline) {
			unix.Close(fd)
			return nil, fmt.Errorf("jail %s: lock %s/%s: %w (another rcjail is working on this jail)", jail, dir.Name(), name, err)
		}
		time.Sleep(delay)
	}
}

func readAt(dir *os.File, name string) ([]byte, error) {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir.Name() + "/" + name, Err: err}
	}
	f := os.NewFile(uintptr(fd), dir.Name()+"/"+name)
	defer f.Close()
	return io.ReadAll(f)
}

func writeAtomic(dir *os.File, name string, data []byte, sync bool) error {
	tmp := name + ".tmp" + strconv.Itoa(os.Getpid())
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
		err = unix.Renameat(int(dir.Fd()), tmp, int(dir.Fd()), name)
	}
	if err != nil {
		_ = unix.Unlinkat(int(dir.Fd()), tmp, 0)
		return err
	}
	if sync {
		return dir.Sync()
	}
	return nil
}

func removeAt(dir *os.File, name string) error {
	if err := unix.Unlinkat(int(dir.Fd()), name, 0); err != nil {
		return &os.PathError{Op: "remove", Path: dir.Name() + "/" + name, Err: err}
	}
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
// The journal is kept (emptied) by a clean stop, not removed: on a tmpfs
// /var/run, creating and unlinking the file at each start and stop cost
// about 5 µs more than opening the existing one, reading its zero bytes and
// truncating it (measured), so skipping the read of a journal just created
// is not worth making it anew each time.
func openJournal(dir *os.File, jail string) (*os.File, error) {
	name := stateName(jail) + ".journal"
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_RDWR|unix.O_APPEND|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("jail %s: open journal %s/%s: %w", jail, dir.Name(), name, err)
	}
	return os.NewFile(uintptr(fd), dir.Name()+"/"+name), nil
}
