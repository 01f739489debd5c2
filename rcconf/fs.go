//go:build linux || freebsd

package rcconf

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/mount"
)

// devNull is the one path outside the root the loader knows: redirections to
// it are how rc.conf code discards output, and it reads as empty.
const devNull = "/dev/null"

// vfs confines every file access of the evaluation to one directory, held
// open as a directory descriptor: every path is resolved under it with
// chroot semantics, so "..", absolute and relative symlinks cannot leave it
// (the attack stopped: an rc.conf, or a symlink planted in the tree, reading
// host files such as /etc/master.passwd). It has no method that writes.
//
// It uses plain system calls rather than os.Root and os.File: opening a
// file through package os registers it with the runtime's network poller,
// which a one-shot process pays for (an epoll instance, an eventfd, a
// failing epoll_ctl per file), and os.Root looks a path up again for every
// Stat, Lstat and Open. Here each operation resolves its path once: on
// Linux in one openat2 call with RESOLVE_IN_ROOT (fs_linux.go), elsewhere,
// or where the kernel lacks it, by walking the path a component at a time
// with O_NOFOLLOW (walk).
type vfs struct {
	root    int // directory descriptor of Options.Root
	maxSize int64
	// noOpenat2 is set once openat2 turned out to be unavailable (an old
	// kernel, or a seccomp filter refusing it); walk is used from then on.
	noOpenat2 bool
}

func openVFS(root string, maxSize int64) (*vfs, error) {
	fd, err := retry(func() (int, error) {
		return unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: root, Err: err}
	}
	return &vfs{root: fd, maxSize: maxSize}, nil
}

func (v *vfs) close() { unix.Close(v.root) }

// retry repeats a system call interrupted by a signal (the Go runtime's
// preemption signal can land in any of them).
func retry(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != unix.EINTR {
			return n, err
		}
	}
}

// rel is name as a path relative to the root ("." for the root itself).
// It is not cleaned: "a/link/.." is the parent of where link leads, as the
// kernel resolves it for /bin/sh, not "a" (path.Clean would read another
// file). Both resolvers take ".." physically and stop it at the root.
func rel(name string) string {
	c := strings.TrimLeft(name, "/")
	if c == "" {
		return "."
	}
	return c
}

// Flags of the final open of each operation. O_NONBLOCK makes opening a
// FIFO return at once instead of waiting for a writer (the attack stopped: a
// FIFO planted as rc.conf.local hanging the evaluation past its deadline,
// which cannot interrupt a blocked open); readFile then refuses it.
// O_NOCTTY: a terminal device planted in the tree is refused by readFile,
// and opening it must not make it the process's controlling terminal.
const (
	openRead = unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY
	openDir  = unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_DIRECTORY
)

// open opens name with flags (openRead or openDir), following symlinks
// with chroot semantics; the caller closes the descriptor.
func (v *vfs) open(name string, flags int) (int, error) {
	if name == "" {
		// open("") fails (ENOENT) for /bin/sh; rel would make it the root.
		return -1, pathErr("open", name, unix.ENOENT)
	}
	r := rel(name)
	if fd, ok, err := v.openat2(r, flags); ok {
		return fd, pathErr("open", name, err)
	}
	fd := -1
	err := v.walk(r, true, func(dir int, base string) error {
		var err error
		fd, err = retry(func() (int, error) { return unix.Openat(dir, base, flags|unix.O_NOFOLLOW, 0) })
		return err
	})
	return fd, pathErr("open", name, err)
}

func pathErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// walk resolves r (from rel) under the root one component at a time,
// opening each directory with O_NOFOLLOW, and calls last on the directory
// holding the final component and its name. A symlink met on the way (and
// as the final component, when follow is set and last fails on it) is read
// and its target resolved in its place, an absolute target from the root
// again, so no link leads out of the tree. Every directory used is opened
// relative to the previous one without following links, so a link swapped
// in meanwhile is refused rather than followed (the attack stopped: a race
// replacing a checked directory with a symlink to the host's /etc).
func (v *vfs) walk(r string, follow bool, last func(dir int, base string) error) error {
	rest := strings.Split(r, "/")
	var done []string
	dir := v.root
	defer func() {
		if dir != v.root {
			unix.Close(dir)
		}
	}()
	links := 0
	var linkBuf [unix.PathMax]byte
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			if len(rest) == 0 {
				return last(dir, ".")
			}
			continue
		case "..":
			// Back to the parent from the root down, through the same
			// no-follow opens: ".." of an open directory could lead out of
			// the tree if the directory was moved out of it meanwhile.
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			nd, err := v.reopen(done)
			if err != nil {
				return err
			}
			if dir != v.root {
				unix.Close(dir)
			}
			dir = nd
			if len(rest) == 0 {
				return last(dir, ".")
			}
			continue
		}
		var err error
		if len(rest) == 0 {
			err = last(dir, c)
			if err == nil || !follow || err == unix.ENOENT {
				return err
			}
		} else {
			var nd int
			nd, err = retry(func() (int, error) { return unix.Openat(dir, c, openDir|unix.O_NOFOLLOW, 0) })
			if err == nil {
				if dir != v.root {
					unix.Close(dir)
				}
				dir = nd
				done = append(done, c)
				continue
			}
			if err == unix.ENOENT {
				return err
			}
		}
		// Failing with O_NOFOLLOW (ELOOP on Linux, EMLINK on FreeBSD) or
		// ENOTDIR: a symlink is followed here, anything else is the error.
		n, lerr := unix.Readlinkat(dir, c, linkBuf[:])
		if lerr != nil {
			return err
		}
		if n >= len(linkBuf) {
			// Possibly cut short: never follow part of a target.
			return unix.ENAMETOOLONG
		}
		if n == 0 {
			// An empty target (FreeBSD allows one) leads nowhere for the
			// kernel; split, it would name the link's own directory.
			return unix.ENOENT
		}
		if links++; links > maxLinks {
			return unix.ELOOP
		}
		target := string(linkBuf[:n])
		if strings.HasPrefix(target, "/") {
			done = done[:0]
			if dir != v.root {
				unix.Close(dir)
			}
			dir = v.root
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return last(dir, ".")
}

// reopen opens the directory at the components of done, from the root (the
// root's own descriptor when done is empty).
func (v *vfs) reopen(done []string) (int, error) {
	dir := v.root
	for _, c := range done {
		nd, err := retry(func() (int, error) { return unix.Openat(dir, c, openDir|unix.O_NOFOLLOW, 0) })
		if dir != v.root {
			unix.Close(dir)
		}
		if err != nil {
			return -1, err
		}
		dir = nd
	}
	return dir, nil
}

// readFile reads a whole regular file, refusing anything over the size cap
// (the attack stopped: a huge or endless file, e.g. a FIFO or a sparse file,
// exhausting memory).
func (v *vfs) readFile(name string) ([]byte, error) {
	if name == devNull {
		return nil, nil
	}
	// Look before opening: opening a device runs its driver's open (a
	// watchdog arms, a tape rewinds, some ignore O_NONBLOCK and wait), and
	// opening a FIFO wakes a writer waiting on it. A stat opens nothing
	// (O_PATH, or fstatat). The fstat below still catches a swap between.
	if fi, err := v.stat(name, true); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	fd, err := v.open(name, openRead)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, pathErr("stat", name, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		// dash reads a directory as an empty file (read fails with EISDIR,
		// taken as end of file).
		return nil, nil
	default:
		// A FIFO or device would block or never end.
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	if st.Size > v.maxSize {
		return nil, fmt.Errorf("%s: %d bytes, over the %d-byte limit", name, st.Size, v.maxSize)
	}
	// One byte more than the size says, to see the end of file in the
	// same read when the file has not grown.
	b := make([]byte, 0, st.Size+1)
	for {
		n, err := retry(func() (int, error) { return unix.Read(fd, b[len(b):cap(b)]) })
		if err != nil {
			return nil, pathErr("read", name, err)
		}
		if n == 0 {
			break
		}
		b = b[:len(b)+n]
		if int64(len(b)) > v.maxSize {
			// A file growing while read is held to the same cap.
			return nil, fmt.Errorf("%s: over the %d-byte limit", name, v.maxSize)
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
	return b, nil
}

// stat is stat(2) (follow) or lstat(2) of name inside the root.
func (v *vfs) stat(name string, follow bool) (fs.FileInfo, error) {
	if name == "" {
		return nil, fs.ErrNotExist
	}
	fi := &fileInfo{name: path.Base(name)}
	r := rel(name)
	if ok, err := v.statat2(r, follow, &fi.st); ok {
		if err != nil {
			return nil, pathErr("stat", name, err)
		}
		return fi, nil
	}
	err := v.walk(r, follow, func(dir int, base string) error {
		if err := unix.Fstatat(dir, base, &fi.st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
		if follow && fi.st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return unix.ELOOP // walk follows the link
		}
		return nil
	})
	if err != nil {
		return nil, pathErr("stat", name, err)
	}
	return fi, nil
}

// readDir lists a directory for pathname expansion (globs such as
// rc.conf.d/jail/*), inside the root only, sorted by name.
func (v *vfs) readDir(name string) ([]fs.DirEntry, error) {
	fd, err := v.open(name, openDir)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := retry(func() (int, error) { return unix.ReadDirent(fd, buf) })
		if err != nil {
			return nil, pathErr("readdirent", name, err)
		}
		if n <= 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	sort.Strings(names)
	ents := make([]fs.DirEntry, 0, len(names))
	for _, n := range names {
		e := &fileInfo{name: n}
		// The entry's own type, relative to the open directory: never a
		// lookup by a path that could lead elsewhere.
		if err := unix.Fstatat(fd, n, &e.st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // removed meanwhile
			}
			return nil, pathErr("stat", path.Join(name, n), err)
		}
		ents = append(ents, e)
	}
	return ents, nil
}

// fileInfo is a stat result as both fs.FileInfo and fs.DirEntry.
type fileInfo struct {
	name string
	st   unix.Stat_t
}

func (f *fileInfo) Name() string               { return f.name }
func (f *fileInfo) Size() int64                { return f.st.Size }
func (f *fileInfo) IsDir() bool                { return f.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (f *fileInfo) Sys() any                   { return &f.st }
func (f *fileInfo) Type() fs.FileMode          { return f.Mode().Type() }
func (f *fileInfo) Info() (fs.FileInfo, error) { return f, nil }
func (f *fileInfo) ModTime() time.Time         { return time.Unix(f.st.Mtim.Unix()) }

func (f *fileInfo) Mode() fs.FileMode { return mount.StatMode(&f.st) }
