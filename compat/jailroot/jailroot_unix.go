//go:build linux || freebsd

package jailroot

import (
	"errors"
	"fmt"
	"io/fs"
	"path"

	"golang.org/x/sys/unix"

	"rcjail/compat"
	"rcjail/mount"
)

// openDir opens the absolute directory p with no symlink on the way,
// which stops a planted usr -> / from redirecting a creation onto the host.
func openDir(p string) (int, error) {
	fd, err := mount.OpenDir(p)
	if err != nil {
		return -1, WalkError(err)
	}
	return fd, nil
}

// WalkError words what stopped mount's walk on the way to an item:
// the component, and where a symlink points. errors.Is still finds
// mount.ErrSymlink and the kernel's errno through it. An error that is not
// about a component (open "/" failed) is mount's own.
func WalkError(err error) error {
	var w *mount.WalkError
	if !errors.As(err, &w) {
		return err
	}
	var errno unix.Errno
	switch {
	case errors.Is(err, mount.ErrSymlink):
		return symlinkError("refusing to follow "+w.Path, w.Link, "", err)
	case errors.Is(err, unix.ENOTDIR):
		return &wordedError{fmt.Sprintf("%s is not a directory: %v", w.Path, unix.ENOTDIR), []error{err}}
	case errors.As(err, &errno):
		return &wordedError{fmt.Sprintf("open %s: %v", w.Path, errno), []error{err}}
	}
	return err
}

// symlinkError is prepare's one refusal of a symlink: "<what>: it is a
// symbolic link (-> <link>)<why>: symlinks inside a jail root are never
// followed". It wraps ErrSymlink and mount's error.
func symlinkError(what, link, why string, err error) error {
	if link != "" {
		link = " (-> " + link + ")"
	}
	return &wordedError{fmt.Sprintf("%s: it is a symbolic link%s%s: %v", what, link, why, ErrSymlink),
		[]error{ErrSymlink, err}}
}

// wordedError is prepare's wording of an error from package mount; it wraps
// the original so that errors.Is and errors.As see through it.
type wordedError struct {
	msg    string
	causes []error
}

func (e *wordedError) Error() string   { return e.msg }
func (e *wordedError) Unwrap() []error { return e.causes }

// Found is what is at an item's path.
type Found struct {
	Missing bool
	Mode    fs.FileMode // type bits only: fs.ModeDir, fs.ModeSymlink, 0 for a file …
	Link    string      // a symlink's content ("" if it could not be read)
	Err     error       // mount's report of the symlink, for the error chain
}

// Look tells what is at rootdir/rel without following any symlink, on
// the way or at the end: mount.Resolve stats the last name in its parent
// and reports a symlink there with its content. A symlink or non-directory
// on the way is an error naming it (it must not be looked through: it
// could show a host directory as if it were the jail's).
func Look(rootdir, rel string) (Found, error) {
	full := path.Join(rootdir, rel)
	fi, err := mount.Resolve(rootdir, rel)
	if err == nil {
		return Found{Mode: fi.Mode().Type()}, nil
	}
	var w *mount.WalkError
	atEnd := !errors.As(err, &w) || w.Path == full // what stopped it is the item itself
	switch {
	case atEnd && errors.Is(err, fs.ErrNotExist):
		return Found{Missing: true}, nil
	case atEnd && errors.Is(err, mount.ErrSymlink) && w != nil:
		return Found{Mode: fs.ModeSymlink, Link: w.Link, Err: err}, nil
	}
	return Found{}, WalkError(err)
}

// EnsureRoot makes sure rootdir exists as a directory reached without any
// symlink. A missing rootdir is created (0755) when its parent exists; a
// missing parent is refused, so that a typo in rootdir does not grow a new
// tree on the host.
func EnsureRoot(rootdir string, dry bool) (created bool, err error) {
	fd, err := mount.OpenDir(rootdir)
	if err == nil {
		unix.Close(fd)
		return false, nil
	}
	var w *mount.WalkError
	switch {
	case !errors.As(err, &w):
		return false, err
	case w.Path != rootdir:
		// Stopped before rootdir: a parent is missing, a file, or a
		// symlink (which would put the jail root somewhere else).
		return false, fmt.Errorf("%w (the parent of rootdir must exist)", WalkError(err))
	case errors.Is(err, mount.ErrSymlink):
		// A rootdir that is a link would put every mount point on the
		// link's target, possibly on the host.
		return false, symlinkError("refusing rootdir "+rootdir, w.Link, "", err)
	case errors.Is(err, unix.ENOTDIR):
		return false, &wordedError{fmt.Sprintf("rootdir %s is not a directory: %v", rootdir, unix.ENOTDIR), []error{err}}
	case !errors.Is(err, fs.ErrNotExist):
		return false, WalkError(err)
	}
	if dry {
		return true, nil
	}
	parent, name := path.Split(rootdir)
	pfd, err := openDir(path.Clean(parent))
	if err != nil {
		return false, fmt.Errorf("%w (the parent of rootdir must exist)", err)
	}
	defer unix.Close(pfd)
	if err := unix.Mkdirat(pfd, name, 0o755); err != nil {
		return false, fmt.Errorf("mkdir %s: %w", rootdir, err)
	}
	return true, chmod(pfd, name, rootdir, 0o755)
}

// chmod sets the exact mode (umask and sticky bit included) on the
// directory name just made in dirfd.
func chmod(dirfd int, name, p string, mode fs.FileMode) error {
	// One name in an already-walked parent, not a walk. O_NOFOLLOW stops a
	// symlink swapped in since the mkdirat from taking the chmod to
	// whatever it points to.
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("chmod %s: open without following symlinks: %w", p, err)
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

// Scan compares items with what is under rootdir and returns the items
// that are missing, in order. It changes nothing. An existing path of the
// wrong kind (a file where a directory is wanted, a link pointing elsewhere)
// is an error: prepare never replaces anything. A symlink on the way to an
// item is an error naming it.
func Scan(rootdir string, items []compat.PrepItem, rootMissing bool) ([]compat.PrepItem, error) {
	missing := map[string]bool{}
	// refused holds the items already reported: what lies below one is
	// not reported again (a symlinked usr would otherwise give one line
	// for usr and one more for each of usr/bin, usr/lib, …).
	refused := map[string]bool{}
	said := map[string]bool{}
	var todo []compat.PrepItem
	var errs []error
	for _, it := range items {
		full := path.Join(rootdir, it.Path)
		if rootMissing || missing[path.Dir(it.Path)] {
			missing[it.Path] = true
			todo = append(todo, it)
			continue
		}
		if underRefused(refused, it.Path) {
			refused[it.Path] = true
			continue
		}
		n := len(errs)
		f, err := Look(rootdir, it.Path)
		switch {
		case err != nil:
			// Items below one parent fail on the same component: one
			// line for it.
			if !said[err.Error()] {
				said[err.Error()] = true
				errs = append(errs, err)
			}
			refused[it.Path] = true
		case f.Missing:
			missing[it.Path] = true
			todo = append(todo, it)
		case it.Kind == compat.PrepDir && f.Mode == fs.ModeSymlink:
			errs = append(errs, symlinkError("refusing "+full, f.Link, ", "+it.Why+" wants a directory", f.Err))
		case it.Kind == compat.PrepDir && f.Mode != fs.ModeDir:
			errs = append(errs, fmt.Errorf("%s exists and is not a directory (%s wants one); left alone: %w", full, it.Why, fs.ErrExist))
		case it.Kind == compat.PrepLink && f.Mode != fs.ModeSymlink:
			hint := ""
			if f.Mode == fs.ModeDir {
				// Typically an empty mount point left from nullfs mode.
				hint = " (if it is an empty mount point from nullfs mode, rmdir it and run prepare again)"
			}
			errs = append(errs, fmt.Errorf("%s exists and is not a symbolic link (%s wants -> %s); left alone%s: %w", full, it.Why, it.Target, hint, fs.ErrExist))
		case it.Kind == compat.PrepLink && (f.Link != it.Target || len(f.Link) >= mount.LinkMax):
			// A link as long as LinkMax may have been cut, so it is not
			// taken as equal even if its start is (no target prepare
			// makes is that long).
			got := f.Link
			switch {
			case got == "":
				got = "a target that could not be read"
			case len(got) >= mount.LinkMax:
				got += "…"
			}
			errs = append(errs, fmt.Errorf("%s points to %s, %s wants %s; left alone: %w", full, got, it.Why, it.Target, fs.ErrExist))
		}
		if len(errs) > n {
			refused[it.Path] = true
		}
	}
	return todo, errors.Join(errs...)
}

// underRefused reports whether an ancestor of rel is in refused.
func underRefused(refused map[string]bool, rel string) bool {
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		if refused[d] {
			return true
		}
	}
	return false
}

// Apply creates todo (parents first) under rootdir and calls done after
// each creation. Each creation happens in a parent opened by a no-follow walk
// and fails if something appeared there since the scan (mkdirat and symlinkat
// never replace).
func Apply(rootdir string, todo []compat.PrepItem, done func(compat.PrepItem)) error {
	for _, it := range todo {
		dir, name := path.Split(it.Path)
		full := path.Join(rootdir, it.Path)
		pfd, err := openDir(path.Join(rootdir, dir))
		if err != nil {
			return err
		}
		switch it.Kind {
		case compat.PrepDir:
			err = unix.Mkdirat(pfd, name, 0o700)
			if err == nil {
				err = chmod(pfd, name, full, it.Mode)
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
