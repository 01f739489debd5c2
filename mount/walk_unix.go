//go:build linux || freebsd

package mount

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The walker opens a path one component at a time, each relative to the
// already-opened parent, with O_NOFOLLOW|O_DIRECTORY: a symlink planted
// anywhere on the path (usr/lib -> /, dev -> /dev) makes the open fail
// instead of leading outside the jail root (SA-07:01, CVE-2021-30465). It is
// shared by Linux and FreeBSD; FreeBSD has no RESOLVE_NO_SYMLINKS, and on
// Linux it backs Resolve and MkdirAll and names the offending component.

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// openAbsNoFollow opens the absolute path p as a directory, following no
// symlink in any component (the root "/" itself is the only start).
func openAbsNoFollow(op, p string) (int, error) {
	fd, err := unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &Error{Op: op, Target: p, Err: fmt.Errorf("open /: %w", err)}
	}
	if p == "/" {
		return fd, nil
	}
	fd, _, err = walkDirs(op, fd, "/", strings.TrimPrefix(p, "/"), false, 0)
	return fd, err
}

func openDir(p string) (int, error) { return openAbsNoFollow("open", p) }

// walkDirs walks rel (clean, relative) from dirfd, whose path is base, and
// returns an fd for the final directory. dirfd is consumed (closed) in every
// case. With create, missing components are made with perm and listed.
func walkDirs(op string, dirfd int, base, rel string, create bool, perm fs.FileMode) (fd int, created []string, err error) {
	fd = dirfd
	cur := base
	if rel == "." || rel == "" {
		return fd, nil, nil
	}
	for _, comp := range strings.Split(rel, "/") {
		next := path.Join(cur, comp)
		nfd, err := unix.Openat(fd, comp, dirFlags, 0)
		if errors.Is(err, unix.ENOENT) && create {
			if err = unix.Mkdirat(fd, comp, uint32(perm.Perm())); err == nil {
				created = append(created, next)
			} else if !errors.Is(err, unix.EEXIST) {
				unix.Close(fd)
				return -1, created, &Error{Op: op, Target: next, Err: fmt.Errorf("mkdir: %w", err)}
			}
			// Re-open without following: if a symlink was swapped in
			// after mkdirat, this fails instead of escaping.
			nfd, err = unix.Openat(fd, comp, dirFlags, 0)
			if err == nil && len(created) > 0 && created[len(created)-1] == next {
				// mkdirat applies the umask; the mode is part of the contract.
				err = unix.Fchmod(nfd, uint32(perm.Perm()))
				if err != nil {
					unix.Close(nfd)
				}
			}
		}
		if err != nil {
			err = explain(fd, comp, next, err)
			unix.Close(fd)
			return -1, created, &Error{Op: op, Target: path.Join(base, rel), Err: err}
		}
		unix.Close(fd)
		fd, cur = nfd, next
	}
	return fd, created, nil
}

// explain turns a failed no-follow open of name (in dirfd, at full path p)
// into an error naming what is there: a symlink and its content, a
// non-directory, or nothing. It is a *WalkError, so callers outside the
// package can name the component without parsing the text.
func explain(dirfd int, name, p string, err error) error {
	var st unix.Stat_t
	if serr := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); serr != nil {
		if errors.Is(serr, unix.ENOENT) {
			return &WalkError{Path: p, err: fmt.Errorf("%q: %w", p, withErrno{fs.ErrNotExist, err})}
		}
		return &WalkError{Path: p, err: fmt.Errorf("%q: %w", p, err)}
	}
	switch uint32(st.Mode) & unix.S_IFMT {
	case unix.S_IFLNK:
		buf := make([]byte, LinkMax)
		if n, rerr := unix.Readlinkat(dirfd, name, buf); rerr == nil {
			return &WalkError{Path: p, Link: string(buf[:n]), err: fmt.Errorf("%q (-> %q) %w", p, string(buf[:n]), withErrno{ErrSymlink, err})}
		}
		return &WalkError{Path: p, err: fmt.Errorf("%q %w", p, withErrno{ErrSymlink, err})}
	case unix.S_IFDIR:
		// A directory now, but not when it was opened: the tree is
		// changing under us (a swap race); refuse all the same.
		return &WalkError{Path: p, err: fmt.Errorf("%q changed while being opened: %w", p, err)}
	default:
		return &WalkError{Path: p, err: fmt.Errorf("%q is not a directory: %w", p, unix.ENOTDIR)}
	}
}

// withErrno is a sentinel (ErrSymlink, fs.ErrNotExist) that also carries the
// kernel's own error, so callers can test either; it reads as the sentinel.
type withErrno struct{ sentinel, errno error }

func (w withErrno) Error() string   { return w.sentinel.Error() }
func (w withErrno) Unwrap() []error { return []error{w.sentinel, w.errno} }

// openRootRel opens root (no symlink anywhere from "/") and then rel inside it.
func openRootRel(op, root, rel string, create bool, perm fs.FileMode) (int, []string, error) {
	rfd, err := openAbsNoFollow(op, root)
	if err != nil {
		return -1, nil, err
	}
	return walkDirs(op, rfd, root, rel, create, perm)
}

func resolve(root, rel string) (fs.FileInfo, error) {
	dir, name := path.Split(rel)
	dir = path.Clean(dir)
	if rel == "." {
		dir, name = ".", "."
	}
	fd, _, err := openRootRel("resolve", root, dir, false, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	full := path.Join(root, rel)
	if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			err = fmt.Errorf("%q: %w", full, fs.ErrNotExist)
		}
		return nil, &Error{Op: "resolve", Target: full, Err: err}
	}
	fi := statInfo(path.Base(full), &st)
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fi, &Error{Op: "resolve", Target: full, Err: explain(fd, name, full, unix.ELOOP)}
	}
	return fi, nil
}

func mkdirAll(root, rel string, perm fs.FileMode) ([]string, error) {
	fd, created, err := openRootRel("mkdir", root, rel, true, perm)
	if err != nil {
		return created, err
	}
	unix.Close(fd)
	return created, nil
}

// fileInfo is an fs.FileInfo built from a Stat_t.
type fileInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
	sys   *unix.Stat_t
}

func (f *fileInfo) Name() string       { return f.name }
func (f *fileInfo) Size() int64        { return f.size }
func (f *fileInfo) Mode() fs.FileMode  { return f.mode }
func (f *fileInfo) ModTime() time.Time { return f.mtime }
func (f *fileInfo) IsDir() bool        { return f.mode.IsDir() }
func (f *fileInfo) Sys() any           { return f.sys }

func statInfo(name string, st *unix.Stat_t) *fileInfo {
	return &fileInfo{name: name, size: st.Size, mode: StatMode(st),
		mtime: time.Unix(st.Mtim.Unix()), sys: st}
}

// StatMode is the [fs.FileMode] of a stat(2) result, as package os would
// give it (which it does not export): the walker's and rcconf's file
// infos share it.
func StatMode(st *unix.Stat_t) fs.FileMode {
	m := uint32(st.Mode)
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// unwrapOwn strips the *Error a helper made, so the caller's *Error (with
// fstype and flags) does not nest a second one.
func unwrapOwn(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Err != nil {
		return e.Err
	}
	return err
}
