//go:build linux || freebsd

package native

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"rcjail/compat/state"
	"rcjail/mount"
)

// File operations on paths in a jail root that follow no symlink, for
// FreeBSD, which has no RESOLVE_NO_SYMLINKS (Linux's sys_linux.go uses
// openat2 instead). There is no walker here: every path is walked by
// package mount's (mount.OpenDir), and the operation is one *at call in
// the parent it opened; state files are opened through package state
// (state.OpenVia and the rest). They are built on Linux too, where their
// tests run.

// openDirWalk opens the absolute directory p from "/" with O_NOFOLLOW on
// every component (package mount's walker): a symlink a jail's root planted
// anywhere on the path (dev -> /etc) makes it fail instead of leading onto
// the host (SA-07:01).
func openDirWalk(p string) (int, error) {
	p = path.Clean(p)
	if !path.IsAbs(p) {
		return -1, fmt.Errorf("%q is not an absolute path", p)
	}
	return mount.OpenDir(p)
}

// openParentWalk opens the parent directory of the absolute path p with no
// symlink in any component, and returns it with p's last component.
func openParentWalk(p string) (int, string, error) {
	dir, name := path.Split(path.Clean(p))
	fd, err := openDirWalk(dir)
	return fd, name, err
}

// isLinkRefusal reports whether err is the kernel refusing to follow a
// symlink under O_NOFOLLOW: ELOOP on Linux, EMLINK on FreeBSD.
func isLinkRefusal(err error) bool {
	return errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EMLINK)
}

// dirProbe looks at name in the directory pfd without following it and
// reports whether it is a directory and whether it is the root of a mount.
type dirProbe func(pfd int, name string) (isDir, mountRoot bool, err error)

// rmdirVia removes root/r if it is an empty directory that is not a mount
// point, reached through a parent opened by open (no symlink anywhere).
// Gone already: nil.
func rmdirVia(open parentOpener, probe dirProbe, root, r string) error {
	full := path.Join(root, r)
	pfd, name, err := open(full)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("rmdir %s: %w", full, err)
	}
	defer unix.Close(pfd)
	isDir, mountRoot, err := probe(pfd, name)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil
	case err != nil:
		return fmt.Errorf("rmdir %s: %w", full, err)
	case !isDir:
		return fmt.Errorf("rmdir %s: not a directory (a symlink or file put there is left alone)", full)
	case mountRoot:
		// Nothing is ever deleted under a live mount (the kernel would
		// refuse with EBUSY as well; this names the reason).
		return fmt.Errorf("rmdir %s: still a mount point; not removed", full)
	}
	if err := unix.Unlinkat(pfd, name, unix.AT_REMOVEDIR); err != nil {
		return fmt.Errorf("rmdir %s: %w", full, err)
	}
	return nil
}

// probeStat is the portable dirProbe: a mount root sits on another device
// than its parent directory.
func probeStat(pfd int, name string) (isDir, mountRoot bool, err error) {
	var st, pst unix.Stat_t
	if err := unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return false, false, err
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFDIR {
		return false, false, nil
	}
	if err := unix.Fstat(pfd, &pst); err != nil {
		return true, false, err
	}
	return true, st.Dev != pst.Dev, nil
}

// rmdirWalk is rmdirVia over the component-by-component walk.
func rmdirWalk(root, r string) error { return rmdirVia(openParentWalk, probeStat, root, r) }

// parentOpener opens p's parent directory without following any symlink
// on the way and returns it with p's last component: openParentWalk here,
// openat2 with RESOLVE_NO_SYMLINKS on Linux (sys_linux.go).
type parentOpener func(p string) (int, string, error)

// symlinkVia creates p -> target through p's parent, opened by open, so a
// symlink planted on the way cannot redirect the link out of the jail root.
func symlinkVia(open parentOpener, target, p string) error {
	pfd, name, err := open(p)
	if err != nil {
		return fmt.Errorf("symlink %s: %w", p, err)
	}
	defer unix.Close(pfd)
	err = unix.Symlinkat(target, pfd, name)
	if errors.Is(err, unix.EEXIST) {
		// A crashed start's devfs, adopted, already holds dev/log: the
		// same link is what the script's `ln -sf` leaves, so it is
		// accepted; anything else there (another target, a file, a
		// device) is refused, never replaced.
		buf := make([]byte, len(target)+1)
		n, rerr := unix.Readlinkat(pfd, name, buf)
		switch {
		case rerr == nil && string(buf[:n]) == target:
			return nil
		case rerr == nil:
			return fmt.Errorf("symlink %s -> %s: a link to %q is already there: %w", p, target, buf[:n], err)
		default:
			return fmt.Errorf("symlink %s -> %s: something that is not a symbolic link is already there: %w", p, target, err)
		}
	}
	if err != nil {
		return fmt.Errorf("symlink %s -> %s: %w", p, target, err)
	}
	return nil
}

// readlinkVia reads the symlink p through its parent, opened by open.
func readlinkVia(open parentOpener, p string) (string, error) {
	pfd, name, err := open(p)
	if err != nil {
		return "", fmt.Errorf("readlink %s: %w", p, err)
	}
	defer unix.Close(pfd)
	buf := make([]byte, 4096)
	n, err := unix.Readlinkat(pfd, name, buf)
	if err != nil {
		return "", fmt.Errorf("readlink %s: %w", p, err)
	}
	return string(buf[:n]), nil
}

// symlinkWalk and readlinkWalk are symlinkVia and readlinkVia over the
// portable component-by-component walk.
func symlinkWalk(target, p string) error    { return symlinkVia(openParentWalk, target, p) }
func readlinkWalk(p string) (string, error) { return readlinkVia(openParentWalk, p) }

// openStateWalk opens the host path p for a state file (id file, console
// log): below a jail root this run knows, with no symlink in any component
// (the jail's root user owns that tree); elsewhere resolved inside the -R
// root by package state (host directories such as /var/run -> /run are
// followed, SPEC §3.8) with the last component never followed, and with beneath (FreeBSD:
// O_RESOLVE_BENEATH) added when the -R root is not "/", so that a symlink
// in the tree under -R cannot lead out of it.
func (x *Executor) openStateWalk(p string, flags int, mode uint32, beneath int) (int, error) {
	p = path.Clean(p)
	if !path.IsAbs(p) {
		return -1, fmt.Errorf("%q is not an absolute path", p)
	}
	flags |= unix.O_NOFOLLOW | unix.O_CLOEXEC
	for _, js := range x.sortedJails() {
		if js.root != "" && strings.HasPrefix(p, js.root+"/") {
			pfd, name, err := openParentWalk(p)
			if err != nil {
				return -1, err
			}
			defer unix.Close(pfd)
			return unix.Openat(pfd, name, flags, mode)
		}
	}
	// Host directories are followed inside the -R root (SPEC §3.8:
	// /var/run may be a symlink); the file itself is not (O_NOFOLLOW), nor
	// a directory asked for as such once resolved.
	root := path.Clean(x.opts.Root)
	resolve := state.ResolveFile
	if flags&unix.O_DIRECTORY != 0 {
		resolve = state.ResolveDir
	}
	full, err := resolve(root, p)
	if err != nil {
		return -1, err
	}
	rfd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(rfd)
	rel := strings.TrimPrefix(strings.TrimPrefix(full, root), "/")
	if rel == "" {
		rel = "."
	}
	if root != "/" {
		flags |= beneath
	}
	return unix.Openat(rfd, rel, flags, mode)
}

// stateOpener opens a state file's directory by its host path, following
// no symlink where a jail could have planted one: openStateWalk here,
// openat2 on Linux (sys_linux.go's openStateAt). It is a [state.Opener].
type stateOpener = state.Opener

// walkOpener is openStateWalk with beneath fixed (FreeBSD:
// O_RESOLVE_BENEATH; 0 in tests).
func (x *Executor) walkOpener(beneath int) stateOpener {
	return func(p string, flags int, mode uint32) (int, error) { return x.openStateWalk(p, flags, mode, beneath) }
}

func (x *Executor) openStateWith(p string, create, appendTo bool, kind state.Kind, beneath int) (*os.File, error) {
	return state.OpenVia(x.walkOpener(beneath), p, create, appendTo, kind)
}

func (x *Executor) readIDWith(p string, beneath int) (string, bool, error) {
	return state.ReadIDVia(x.walkOpener(beneath), p)
}

func (x *Executor) checkStateWith(p string, kind state.Kind, beneath int) error {
	return state.CheckVia(x.walkOpener(beneath), p, kind)
}

func (x *Executor) removeStateWith(p string, beneath int) error {
	return state.RemoveVia(x.walkOpener(beneath), p)
}
