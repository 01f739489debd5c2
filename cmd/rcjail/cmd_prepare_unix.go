//go:build linux || freebsd

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"rcjail/compat"
)

// Every file-system access of prepare goes through a descriptor walk: each
// component opened relative to its already-opened parent with
// O_NOFOLLOW|O_DIRECTORY, and every creation done with mkdirat/symlinkat on
// that parent. A symlink planted in the jail root (usr -> /usr, var -> /)
// makes the walk fail, naming it, instead of leading prepare to create
// directories or links on the host (the SA-07:01 / CVE-2021-30465 class).

const prepDirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// prepWalk opens rel (clean, relative, or ".") below the open directory fd,
// whose path is base, following no symlink. fd is not consumed.
func prepWalk(fd int, base, rel string) (int, error) {
	cur, err := unix.Dup(fd)
	if err != nil {
		return -1, fmt.Errorf("dup %s: %w", base, err)
	}
	if rel == "." || rel == "" {
		return cur, nil
	}
	p := base
	for _, comp := range strings.Split(rel, "/") {
		p = path.Join(p, comp)
		next, err := unix.Openat(cur, comp, prepDirFlags, 0)
		if err != nil {
			err = prepExplain(cur, comp, p, err)
			unix.Close(cur)
			return -1, err
		}
		unix.Close(cur)
		cur = next
	}
	return cur, nil
}

// prepExplain names what stopped a no-follow open: a symlink and where it
// points, a non-directory, or nothing at all.
func prepExplain(dirfd int, name, p string, err error) error {
	var st unix.Stat_t
	if serr := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); serr != nil {
		return fmt.Errorf("open %s: %w", p, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		t, _ := prepReadlink(dirfd, name)
		return fmt.Errorf("refusing to follow %s: it is a symbolic link (-> %s): %w", p, t, errPrepSymlink)
	case unix.S_IFDIR:
		return fmt.Errorf("open %s: %w", p, err)
	default:
		return fmt.Errorf("%s is not a directory: %w", p, unix.ENOTDIR)
	}
}

func prepReadlink(dirfd int, name string) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Readlinkat(dirfd, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// prepOpenAbs opens the absolute directory p from "/", following no symlink.
func prepOpenAbs(p string) (int, error) {
	fd, err := unix.Open("/", prepDirFlags, 0)
	if err != nil {
		return -1, fmt.Errorf("open /: %w", err)
	}
	defer unix.Close(fd)
	return prepWalk(fd, "/", strings.TrimPrefix(p, "/"))
}

// prepEnsureRoot makes sure rootdir exists as a directory reached without any
// symlink. A missing rootdir is created (0755) when its parent exists; a
// missing parent is refused, so that a typo in rootdir does not grow a new
// tree on the host.
func prepEnsureRoot(rootdir string, dry bool) (created bool, err error) {
	parent, name := path.Split(rootdir)
	pfd, err := prepOpenAbs(path.Clean(parent))
	if err != nil {
		return false, fmt.Errorf("%w (the parent of rootdir must exist)", err)
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	err = unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case errors.Is(err, unix.ENOENT):
		if dry {
			return true, nil
		}
		if err := unix.Mkdirat(pfd, name, 0o755); err != nil {
			return false, fmt.Errorf("mkdir %s: %w", rootdir, err)
		}
		return true, prepChmod(pfd, name, rootdir, 0o755)
	case err != nil:
		return false, fmt.Errorf("stat %s: %w", rootdir, err)
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		t, _ := prepReadlink(pfd, name)
		return false, fmt.Errorf("refusing rootdir %s: it is a symbolic link (-> %s): %w", rootdir, t, errPrepSymlink)
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return false, fmt.Errorf("rootdir %s is not a directory: %w", rootdir, unix.ENOTDIR)
	}
	return false, nil
}

// prepChmod sets the exact mode (umask and sticky bit included) on the
// directory name in dirfd, re-opened without following symlinks.
func prepChmod(dirfd int, name, p string, mode fs.FileMode) error {
	fd, err := unix.Openat(dirfd, name, prepDirFlags, 0)
	if err != nil {
		return prepExplain(dirfd, name, p, err)
	}
	defer unix.Close(fd)
	m := uint32(mode.Perm())
	if mode&fs.ModeSticky != 0 {
		m |= unix.S_ISVTX
	}
	if err := unix.Fchmod(fd, m); err != nil {
		return fmt.Errorf("chmod %s: %w", p, err)
	}
	return nil
}

// prepScan compares items with what is under rootdir and returns the items
// that are missing, in order. It changes nothing. An existing path of the
// wrong kind (a file where a directory is wanted, a link pointing elsewhere)
// is an error: prepare never replaces anything. A symlink on the way to an
// item is an error naming it.
func prepScan(rootdir string, items []compat.PrepItem, rootMissing bool) ([]compat.PrepItem, error) {
	missing := map[string]bool{}
	var todo []compat.PrepItem
	var errs []error
	var rfd = -1
	if !rootMissing {
		var err error
		if rfd, err = prepOpenAbs(rootdir); err != nil {
			return nil, err
		}
		defer unix.Close(rfd)
	}
	for _, it := range items {
		dir, name := path.Split(it.Path)
		dir = path.Clean(dir)
		full := path.Join(rootdir, it.Path)
		if rootMissing || missing[dir] {
			missing[it.Path] = true
			todo = append(todo, it)
			continue
		}
		pfd, err := prepWalk(rfd, rootdir, dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var st unix.Stat_t
		err = unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		switch {
		case errors.Is(err, unix.ENOENT):
			missing[it.Path] = true
			todo = append(todo, it)
		case err != nil:
			errs = append(errs, fmt.Errorf("stat %s: %w", full, err))
		case it.Kind == compat.PrepDir && st.Mode&unix.S_IFMT == unix.S_IFLNK:
			t, _ := prepReadlink(pfd, name)
			errs = append(errs, fmt.Errorf("refusing %s: it is a symbolic link (-> %s), %s wants a directory: %w", full, t, it.Why, errPrepSymlink))
		case it.Kind == compat.PrepDir && st.Mode&unix.S_IFMT != unix.S_IFDIR:
			errs = append(errs, fmt.Errorf("%s exists and is not a directory (%s wants one); left alone: %w", full, it.Why, fs.ErrExist))
		case it.Kind == compat.PrepLink && st.Mode&unix.S_IFMT != unix.S_IFLNK:
			hint := ""
			if st.Mode&unix.S_IFMT == unix.S_IFDIR {
				// Typically an empty mount point left from nullfs mode.
				hint = " (if it is an empty mount point from nullfs mode, rmdir it and run prepare again)"
			}
			errs = append(errs, fmt.Errorf("%s exists and is not a symbolic link (%s wants -> %s); left alone%s: %w", full, it.Why, it.Target, hint, fs.ErrExist))
		case it.Kind == compat.PrepLink:
			if t, err := prepReadlink(pfd, name); err != nil {
				errs = append(errs, fmt.Errorf("readlink %s: %w", full, err))
			} else if t != it.Target {
				errs = append(errs, fmt.Errorf("%s points to %s, %s wants %s; left alone: %w", full, t, it.Why, it.Target, fs.ErrExist))
			}
		}
		unix.Close(pfd)
	}
	return todo, errors.Join(errs...)
}

// prepApply creates todo (parents first) under rootdir and calls done after
// each creation. Each creation happens in a parent opened by a no-follow walk
// and fails if something appeared there since the scan (mkdirat and symlinkat
// never replace).
func prepApply(rootdir string, todo []compat.PrepItem, done func(compat.PrepItem)) error {
	rfd, err := prepOpenAbs(rootdir)
	if err != nil {
		return err
	}
	defer unix.Close(rfd)
	for _, it := range todo {
		dir, name := path.Split(it.Path)
		full := path.Join(rootdir, it.Path)
		pfd, err := prepWalk(rfd, rootdir, path.Clean(dir))
		if err != nil {
			return err
		}
		switch it.Kind {
		case compat.PrepDir:
			err = unix.Mkdirat(pfd, name, 0o700)
			if err == nil {
				err = prepChmod(pfd, name, full, it.Mode)
			} else {
				err = fmt.Errorf("mkdir %s: %w", full, err)
			}
		case compat.PrepLink:
			if err = unix.Symlinkat(it.Target, pfd, name); err != nil {
				err = fmt.Errorf("symlink %s -> %s: %w", full, it.Target, err)
			}
		}
		unix.Close(pfd)
		if err != nil {
			return err
		}
		done(it)
	}
	return nil
}
