package mount

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Unmounting at a path after checking that it holds the mount the caller
// made, and reading the mount table.

// unmountAt unmounts the mount e names at its path, after checking that the
// path holds it (see [Unmount]).
func (c *fdCache) unmountAt(e Expect) (err error) {
	full := joinClean(e.Root, e.Target)
	flags := uint64(unix.UMOUNT_NOFOLLOW)
	if e.Force {
		flags |= unix.MNT_DETACH
	}
	op := "unmount"
	defer func() {
		if err != nil {
			err = &Error{Op: op, FSType: e.FSType, Source: e.Source, Target: full,
				Flags: flags, flagNames: linuxUmountFlags, Err: err}
		}
	}()
	if e.FSType == FdescFS {
		return errors.Join(errors.New("fdescfs has no Linux counterpart"), errors.ErrUnsupported)
	}
	if e.FSType == NullFS && e.ID == 0 && e.Source == "" {
		return errors.New("a bind mount needs its id or its source to be recognised")
	}
	if err := checkProc(); err != nil {
		return err
	}
	dir, name := splitRel(e.Target)
	// The root and the parent are opened without following symlinks: a
	// path that a jail turned into a symlink to a host mount (dev -> /dev)
	// is refused here, and the host mount is left alone (SA-07:01).
	pfd, err := c.dir("unmount", e.Root, dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			// No root or parent, nothing mounted below it: a second
			// stop after the root was removed is done.
			return errors.Join(unwrapOwn(err), ErrNotMounted)
		}
		return unwrapOwn(err)
	}
	var stx unix.Statx_t
	mask := unix.STATX_MNT_ID | unix.STATX_TYPE | unix.STATX_INO
	if e.UniqueID != 0 {
		mask = unix.STATX_MNT_ID_UNIQUE | unix.STATX_TYPE | unix.STATX_INO
	}
	if err := unix.Statx(pfd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, mask, &stx); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("%q does not exist: %w", full, ErrNotMounted)
		}
		return err
	}
	if stx.Mode&unix.S_IFMT == unix.S_IFLNK {
		return explain(pfd, name, full, unix.ELOOP)
	}
	if stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		return fmt.Errorf("%q is not a mount point: %w", full, ErrNotMounted)
	}
	switch {
	case e.UniqueID != 0 && stx.Mask&unix.STATX_MNT_ID_UNIQUE == 0:
		return fmt.Errorf("the kernel gives no unique mount id to check %d against: %w", e.UniqueID, ErrNotOurs)
	case e.UniqueID != 0 && stx.Mnt_id != e.UniqueID:
		return fmt.Errorf("unique mount id is %d, expected %d: %w", stx.Mnt_id, e.UniqueID, ErrNotOurs)
	case e.UniqueID == 0 && e.ID != 0 && stx.Mnt_id != e.ID:
		return fmt.Errorf("mount id is %d, expected %d: %w", stx.Mnt_id, e.ID, ErrNotOurs)
	}
	// Type and source: a bind's root must be the source directory; the
	// stand-ins must have the right file system magic. A matching unique
	// id already proves it is the mount Mount made and checked (a mount's
	// root and type never change, and the id is never reused); the short
	// ids are reused after an unmount, so with them both are checked.
	if m := fsMagic(e.FSType); m != 0 && e.UniqueID == 0 {
		// The stand-ins must have the right file system magic.
		mfd, err := unix.Openat(pfd, name, pathDirFlags|unix.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		var sfs unix.Statfs_t
		err = unix.Fstatfs(mfd, &sfs)
		unix.Close(mfd)
		if err != nil {
			return err
		}
		if sfs.Type != m {
			return fmt.Errorf("file system magic is %#x, not %s's: %w", sfs.Type, e.FSType, ErrNotOurs)
		}
	}
	if e.FSType == NullFS && e.Source != "" && e.UniqueID == 0 {
		// A bind's root is the source directory itself.
		var src unix.Stat_t
		if err := unix.Stat(e.Source, &src); err != nil {
			return fmt.Errorf("stat source: %w", err)
		}
		if unix.Major(src.Dev) != stx.Dev_major || unix.Minor(src.Dev) != stx.Dev_minor || src.Ino != stx.Ino {
			return fmt.Errorf("mounted directory is not %q: %w", e.Source, ErrNotOurs)
		}
	}
	// umount2 through the parent we checked: the intermediate components
	// cannot be swapped any more, and UMOUNT_NOFOLLOW covers the last one.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// What the cache holds at or below the target is inside the mount:
	// an open directory there would make it busy (and after the unmount
	// name a detached tree). pfd is above it and stays.
	c.forget(full)
	target := fdPath(pfd) + "/" + name
	if err := unix.Unmount(target, int(flags)); err != nil {
		if errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("%w (%w)", ErrNotMounted, err)
		}
		return err
	}
	return nil
}

func table() ([]Entry, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, &Error{Op: "table", Err: err}
	}
	defer f.Close()
	t, err := parseMountinfo(f)
	if err != nil {
		return nil, &Error{Op: "table", Target: "/proc/self/mountinfo", Err: err}
	}
	return t, nil
}
