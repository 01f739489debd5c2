//go:build unix

package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"time"

	"golang.org/x/sys/unix"
)

// typeName names a file type (S_IFMT bits) for messages.
func typeName(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return "named pipe"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFLNK:
		return "symbolic link"
	case unix.S_IFBLK:
		return "block device"
	case unix.S_IFCHR:
		return "character device"
	case unix.S_IFREG:
		return "regular file"
	}
	return "file of unknown type"
}

// allowed reports whether a file of mode may stand as kind; a *TypeError
// when not.
func allowed(mode uint32, kind Kind) error {
	switch t := mode & unix.S_IFMT; {
	case t == unix.S_IFREG:
		return nil
	case t == unix.S_IFCHR && kind == Console:
		return nil
	}
	return &TypeError{Type: typeName(mode), Kind: kind}
}

// OpenAt opens name in the directory dfd (dirName is for messages) with
// flags, never following a symlink in name and never blocking on it; the
// file must be of kind. The returned file is in blocking mode again.
//
// The type is checked by fstatat before the open, so the usual hostile
// files (a FIFO, a device node, a symlink) are refused without being
// opened (opening some devices has effects: a tape rewinds, a watchdog
// arms); and on the descriptor after it, so a name swapped in between is
// refused too (then it has been opened, without blocking).
func OpenAt(dfd int, dirName, name string, flags int, perm uint32, kind Kind) (*os.File, error) {
	full := path.Join(dirName, name)
	var st unix.Stat_t
	err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case err == nil:
		if err := allowed(uint32(st.Mode), kind); err != nil {
			return nil, &os.PathError{Op: "open", Path: full, Err: err}
		}
	case errors.Is(err, unix.ENOENT) && flags&unix.O_CREAT != 0:
	default:
		return nil, &os.PathError{Op: "open", Path: full, Err: err}
	}
	fd, err := unix.Openat(dfd, name, flags|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
	if err != nil {
		// ELOOP (Linux) / EMLINK (FreeBSD): the name became a symlink;
		// ENXIO: a FIFO without a reader, opened for writing.
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EMLINK) || errors.Is(err, unix.ENXIO) {
			if unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
				if terr := allowed(uint32(st.Mode), kind); terr != nil {
					err = terr
				}
			}
		}
		return nil, &os.PathError{Op: "open", Path: full, Err: err}
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "fstat", Path: full, Err: err}
	}
	if err := allowed(uint32(st.Mode), kind); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "open", Path: full, Err: err}
	}
	// Blocking again: a write to a character device (a terminal) must not
	// fail with EAGAIN; a regular file never blocks anyway.
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err == nil {
		_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFL, fl&^unix.O_NONBLOCK)
	}
	return os.NewFile(uintptr(fd), full), nil
}

// Open is OpenAt for a path: its directory is opened following symlinks
// (host directories such as /var/run may be links, SPEC §3.8), its last
// component never.
func Open(p string, flags int, perm uint32, kind Kind) (*os.File, error) {
	dfd, dir, name, err := openParent(hostOpen, "open", p)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dfd)
	return OpenAt(dfd, dir, name, flags, perm, kind)
}

// CheckAt reports whether name in dfd may be used as kind, without opening
// it: nil when it may (or does not exist), a *TypeError (in an
// *os.PathError) when not. Start uses it to refuse a bad console log or id
// file before the jail is created.
func CheckAt(dfd int, dirName, name string, kind Kind) error {
	var st unix.Stat_t
	err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err == nil {
		err = allowed(uint32(st.Mode), kind)
	}
	if err != nil {
		return &os.PathError{Op: "check", Path: path.Join(dirName, name), Err: err}
	}
	return nil
}

// Check is CheckAt for a path (its directory followed, as [Open]). A
// missing directory is reported: the file could not be written.
func Check(p string, kind Kind) error {
	return CheckVia(hostOpen, p, kind)
}

// ReadIDFile reads the id file p (see [Open] and [ReadID]). A missing file
// is fs.ErrNotExist.
func ReadIDFile(p string) (string, error) {
	f, err := Open(p, unix.O_RDONLY, 0, Regular)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s, err := ReadID(f)
	if err != nil {
		return "", &os.PathError{Op: "read", Path: p, Err: err}
	}
	return s, nil
}

// Lock takes the exclusive lock on the lock file name in dfd (created
// 0600), waiting at most wait (0: not at all) or until ctx is done. The
// returned file holds the lock until [Unlock] (or Close, or exit).
//
// Lock files are removed by [Unlock] while still held, so a waiter may end
// up holding a lock on a file that is no longer (or no longer the file)
// at that name: after each flock the name is looked up again, and the lock
// counts only if it still names the locked inode; otherwise it starts over
// with the file now there. Mutual exclusion holds because only a holder
// removes the name: while A holds the inode the name points to, nobody
// else can remove or replace it, so any other process either waits on
// that inode or finds the name pointing elsewhere than its stale one.
func Lock(ctx context.Context, dfd int, dirName, name string, wait time.Duration) (*os.File, error) {
	full := path.Join(dirName, name)
	deadline := time.Now().Add(wait)
	delay := time.Millisecond
	for {
		f, err := OpenAt(dfd, dirName, name, unix.O_RDWR|unix.O_CREAT, 0o600, Regular)
		if err != nil {
			return nil, err
		}
		for {
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
			if err == nil {
				break
			}
			if err != unix.EWOULDBLOCK {
				f.Close()
				return nil, &os.PathError{Op: "flock", Path: full, Err: err}
			}
			if !time.Now().Before(deadline) {
				f.Close()
				return nil, fmt.Errorf("lock %s: another rcjail holds it (waited %v): %w", full, wait, unix.EWOULDBLOCK)
			}
			select {
			case <-ctx.Done():
				f.Close()
				return nil, fmt.Errorf("lock %s: %w", full, ctx.Err())
			case <-time.After(delay):
			}
			delay = min(2*delay, 50*time.Millisecond)
		}
		if same(dfd, name, f) {
			return f, nil
		}
		// The holder we waited for removed (and maybe someone recreated)
		// the file: our lock is on an orphan. Start over.
		f.Close()
	}
}

// same reports whether name in dfd is (still) the file f.
func same(dfd int, name string, f *os.File) bool {
	var a, b unix.Stat_t
	if unix.Fstat(int(f.Fd()), &a) != nil {
		return false
	}
	if unix.Fstatat(dfd, name, &b, unix.AT_SYMLINK_NOFOLLOW) != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

// Unlock removes the lock file name in dfd and then releases the lock f
// (which must be held, and be the file at name: as [Lock] returned it).
// Removing it before the release is what keeps a lock file from lingering
// once no one holds it, and is safe: see [Lock].
func Unlock(dfd int, name string, f *os.File) error {
	var err error
	if same(dfd, name, f) {
		if e := unix.Unlinkat(dfd, name, 0); e != nil && !errors.Is(e, unix.ENOENT) {
			err = &os.PathError{Op: "remove", Path: f.Name(), Err: e}
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
