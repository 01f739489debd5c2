//go:build unix

package state

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/compat/fault"
)

// Dir is the state directory (<root>/var/run/rcjail), open. Every file in
// it is reached through the descriptor, by base name, never following a
// symlink.
type Dir struct {
	f *os.File
}

// dirFlags open the state directory: resolved by ResolveDir already, so
// its last component is no link unless one was put there since, and that
// is refused rather than followed a second time.
const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// OpenDir opens the state directory under root, making it (mode 0700, its
// parents 0755) when it is missing. /var/run and the state directory are
// root's host paths and may be symlinks (/var/run -> /run on systemd
// Linux): they are followed, inside root (SPEC §3.8, [ResolveDir]). What is
// found at the end must be a directory owned by us, made 0700: a directory
// someone else owns would let them plant files (or symlinks) beside our
// locks and records.
//
// It is opened first and made only when that says it is missing: on all but
// the first run it exists. The checks apply to a directory found as much as
// to one made.
func OpenDir(root string) (*Dir, error) { return openDir(root, true) }

// FindDir is OpenDir for a reader (status, a query): it never creates the
// directory; a missing one is an error satisfying errors.Is(err,
// fs.ErrNotExist). A directory with loose permissions is used as it is
// (fixing them is for a writer).
func FindDir(root string) (*Dir, error) { return openDir(root, false) }

func openDir(root string, create bool) (*Dir, error) {
	if root == "" {
		root = "/"
	}
	p, err := ResolveDir(root, DirPath)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	fd, err := unix.Open(p, dirFlags, 0)
	if err == unix.ENOENT && create {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("state directory %s: %w", p, err)
		}
		if err := unix.Mkdir(p, 0o700); err != nil && err != unix.EEXIST {
			return nil, fmt.Errorf("state directory %s: mkdir: %w", p, err)
		}
		fd, err = unix.Open(p, dirFlags, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open state directory", Path: p, Err: err}
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
	if st.Mode&0o077 != 0 && create {
		// Others must not plant files (or symlinks) beside our locks.
		if err := unix.Fchmod(fd, 0o700); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("state directory %s: chmod 0700: %w", p, err)
		}
	}
	return &Dir{f: os.NewFile(uintptr(fd), p)}, nil
}

// Name is the directory's path (under the root, resolved), for messages.
func (d *Dir) Name() string { return d.f.Name() }

// Fd is the directory's descriptor, for *at system calls.
func (d *Dir) Fd() int { return int(d.f.Fd()) }

// Close closes the directory. Locks taken through it must be released
// first.
func (d *Dir) Close() error { return d.f.Close() }

// Path is the path of the file name in the directory, for messages.
func (d *Dir) Path(name string) string { return d.f.Name() + "/" + name }

// JailLock is a jail's lock, held.
type JailLock struct {
	d    *Dir
	name string
	f    *os.File
	// Planted names what was removed from the lock's name before it
	// could be taken ("symbolic link", "named pipe", ...; "" when
	// nothing was): see [Dir.Lock]. The caller warns about it.
	Planted string
}

// Lock takes jail's exclusive lock (the file [LockName] of jail), waiting
// at most wait (0: not at all) or until ctx is done (see [Lock] for why a
// lock file that exists only while held keeps mutual exclusion). Once
// held, a temporary file a crashed holder left ([Dir.WriteAtomic]) is
// removed: only a holder writes one.
//
// Something at the lock's name that is not a regular file (never a lock
// rcjail made) is removed and the lock taken on a fresh file (see
// [Dir.OpenOwn]): otherwise a symlink or FIFO planted there would keep
// that jail from being stopped, forever (SPEC §0, §3.5).
func (d *Dir) Lock(ctx context.Context, jail string, wait time.Duration) (*JailLock, error) {
	name := LockName(jail)
	f, err := Lock(ctx, d.Fd(), d.Name(), name, wait)
	var planted string
	if te := (*TypeError)(nil); errors.As(err, &te) {
		if planted, err = removePlanted(d.Fd(), name); err == nil {
			f, err = Lock(ctx, d.Fd(), d.Name(), name, wait)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("jail %s: %w", jail, err)
	}
	for _, n := range []string{RecordName(jail), JournalName(jail)} {
		_ = unix.Unlinkat(d.Fd(), tmpName(n), 0)
	}
	return &JailLock{d: d, name: name, f: f, Planted: planted}, nil
}

// Unlock removes the lock file and releases the lock.
func (l *JailLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := Unlock(l.d.Fd(), l.name, l.f)
	l.f = nil
	return err
}

// Open opens the regular file name in the directory (see [OpenAt]).
func (d *Dir) Open(name string, flags int, perm uint32) (*os.File, error) {
	return OpenAt(d.Fd(), d.Name(), name, flags, perm, Regular)
}

// OpenOwn is [Dir.Open] of one of rcjail's own files, which it creates
// (flags include O_CREAT): something at name that is not a regular file — a
// symlink, a FIFO, a socket, a device node, an empty directory; never a
// file rcjail made, only planted by someone who can write this root-owned
// directory — is removed (the entry itself, never what it points to) and
// the file created afresh. planted names what was removed ("" when
// nothing was), for the caller's warning.
func (d *Dir) OpenOwn(name string, flags int, perm uint32) (f *os.File, planted string, err error) {
	f, err = d.Open(name, flags, perm)
	if te := (*TypeError)(nil); errors.As(err, &te) {
		if planted, err = removePlanted(d.Fd(), name); err == nil {
			f, err = d.Open(name, flags, perm)
		}
	}
	return f, planted, err
}

var plantedMu sync.Mutex

// removePlanted removes name from dfd if it is not a regular file, and
// says what it was. The type is looked at again under an exclusive flock
// of the directory, which every removal here takes: a regular file at the
// name — a lock another rcjail holds or is taking, after a racing removal
// made room for it — is never removed (two removers of one planted entry
// cannot both succeed and then take away the lock file of the first one
// to re-create it).
func removePlanted(dfd int, name string) (string, error) {
	// flock excludes other processes (each opens the directory itself);
	// the mutex, the goroutines of this one, which may share one
	// descriptor and so one flock.
	plantedMu.Lock()
	defer plantedMu.Unlock()
	if err := unix.Flock(dfd, unix.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock the state directory: %w", err)
	}
	defer unix.Flock(dfd, unix.LOCK_UN)
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return "", nil // gone already: the open is retried
		}
		return "", fmt.Errorf("remove %s: %w", name, err)
	}
	mode := uint32(st.Mode)
	if mode&unix.S_IFMT == unix.S_IFREG {
		return "", nil
	}
	flags := 0
	if mode&unix.S_IFMT == unix.S_IFDIR {
		flags = unix.AT_REMOVEDIR // only an empty one goes
	}
	if err := unix.Unlinkat(dfd, name, flags); err != nil {
		return "", fmt.Errorf("remove the %s at %s: %w", typeName(mode), name, err)
	}
	return typeName(mode), nil
}

// ReadFile reads the regular file name whole, up to max bytes (see
// [ReadAll]). A missing file is fs.ErrNotExist.
func (d *Dir) ReadFile(name string, max int64) ([]byte, error) {
	f, err := d.Open(name, unix.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, max)
}

// WriteAtomic replaces name with data: a temporary file ([tmpName], fixed:
// the caller holds the jail's lock, or, for a file no lock covers, accepts
// that the last writer wins), written and (when sync) fsynced, renamed over
// name. A crash leaves either the old or the new file, never a torn one;
// its temporary file is removed by the next write or the next [Dir.Lock].
func (d *Dir) WriteAtomic(name string, data []byte, sync bool) error {
	tmp := tmpName(name)
	fault.Before("write state file")
	// A leftover of a crash is replaced; a symlink or FIFO there is
	// refused by the open, so it is removed first (it is ours to remove:
	// nobody else can write the directory).
	_ = unix.Unlinkat(d.Fd(), tmp, 0)
	fd, err := unix.Openat(d.Fd(), tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return &os.PathError{Op: "create", Path: d.Path(tmp), Err: err}
	}
	f := os.NewFile(uintptr(fd), d.Path(tmp))
	_, err = f.Write(data)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		fault.Before("rename state file") // the temporary file is complete
		if e := unix.Renameat(d.Fd(), tmp, d.Fd(), name); e != nil {
			err = &os.PathError{Op: "rename", Path: d.Path(tmp), Err: e}
		}
	}
	if err != nil {
		_ = unix.Unlinkat(d.Fd(), tmp, 0)
		return err
	}
	if sync {
		err = d.f.Sync()
	}
	fault.After("write state file")
	return err
}

// Remove unlinks name; a missing file is fs.ErrNotExist.
func (d *Dir) Remove(name string) error {
	fault.Before("remove state file")
	if err := unix.Unlinkat(d.Fd(), name, 0); err != nil {
		return &os.PathError{Op: "remove", Path: d.Path(name), Err: err}
	}
	fault.After("remove state file")
	return nil
}

// Records lists the keys of the record snapshots in the directory (regular
// files only), in directory order.
func (d *Dir) Records() ([]string, error) {
	ents, err := readDirFd(d)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if k, ok := RecordKey(e.Name()); ok && e.Type().IsRegular() {
			out = append(out, k)
		}
	}
	return out, nil
}

// readDirFd lists d through its own descriptor (a duplicate, so that d's
// offset is left alone), not by path: the listing is of the directory the
// checks were made on.
func readDirFd(d *Dir) ([]fs.DirEntry, error) {
	fd, err := unix.Openat(d.Fd(), ".", dirFlags, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: d.Name(), Err: err}
	}
	f := os.NewFile(uintptr(fd), d.Name())
	defer f.Close()
	return f.ReadDir(-1)
}
