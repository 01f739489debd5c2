package mount

import (
	"errors"
	"fmt"
	"path"

	"golang.org/x/sys/unix"
)

// A mount is known by its identity, not its path: Mounted.ID (the mountinfo
// id, reused by the kernel after an unmount) and Mounted.UniqueID (Linux
// 6.8+, never reused). A directory above a mount point may be renamed while
// the mount stands (from inside the jail, mv /usr /usr.moved; or from the
// host, out of the jail root altogether): the kernel moves the mount with it
// and /proc/self/mountinfo shows the new path. locate finds it there and
// unmount undoes it there, after the same checks as at the path it was made
// on.

// unmount is unmountAt, and, for a mount with a recorded identity that its
// path no longer holds (the path is gone, is no mount point, or holds
// another mount), the unmount of that mount where it is now: the error then
// wraps ErrMoved and names the new place.
func (c *fdCache) unmount(e Expect) error {
	err := c.unmountAt(e)
	if err == nil || (e.ID == 0 && e.UniqueID == 0) || !(errors.Is(err, ErrNotMounted) || errors.Is(err, ErrNotOurs)) {
		return err
	}
	return c.unmountMoved(e, err)
}

// unmountMoved looks for the mount e identifies elsewhere after the path
// gave pathErr. Not found anywhere, or found but not ours (a reused short id
// with another type or source): pathErr stands, nothing is touched.
func (c *fdCache) unmountMoved(e Expect, pathErr error) error {
	full := joinClean(e.Root, e.Target)
	fail := func(err error) error {
		return &Error{Op: "unmount", FSType: e.FSType, Source: e.Source, Target: full, Err: err}
	}
	where, err := locate(e)
	switch {
	case errors.Is(err, ErrNotMounted) || errors.Is(err, ErrNotOurs):
		return pathErr
	case err != nil:
		// Not known to be gone: it must not read as "not mounted" (the
		// caller would forget a mount that may still stand).
		return fail(fmt.Errorf("%w; looking for it by its mount id: %w", unwrapOwn(pathErr), err))
	case where.Target == full:
		return pathErr // it is there, but the path's checks refused it
	}
	dir, name := path.Split(where.Target)
	if name == "" || !path.IsAbs(dir) {
		return fail(fmt.Errorf("mount %d is now on %q: cannot unmount it there", where.ID, where.Target))
	}
	// The directories this operation opened may lie inside the moved
	// mount (they would keep it busy): drop them all.
	c.close()
	moved := e
	moved.Root, moved.Target = path.Clean(dir), name
	// The same checks as at the old path, at the new one: opened without
	// following a symlink, mount root, mount id (unique where recorded),
	// type and source.
	var fresh fdCache
	defer fresh.close()
	if err := fresh.unmountAt(moved); err != nil {
		return fail(fmt.Errorf("moved to %q: %w", where.Target, unwrapOwn(err)))
	}
	return fail(fmt.Errorf("mount %d was mounted on %q: %w", where.ID, where.Target, ErrMoved))
}

// locate finds the mount e identifies in the current mount table. With a
// unique id, statmount(2) asks the kernel for exactly that mount (it is
// never reused, so nothing else need match); with the short id alone, the
// table line with that id must have e's type and, for nullfs with a
// source, a root that is the source directory (a mount made since may have
// taken a freed id).
func locate(e Expect) (Entry, error) {
	if e.ID == 0 && e.UniqueID == 0 {
		return Entry{}, errors.New("no mount id recorded")
	}
	id := e.ID
	if e.UniqueID != 0 {
		m, err := statmountUnique(e.UniqueID)
		switch {
		case errors.Is(err, unix.ENOENT):
			return Entry{}, fmt.Errorf("unique mount id %d is gone: %w", e.UniqueID, ErrNotMounted)
		case err != nil:
			return Entry{}, fmt.Errorf("statmount of unique mount id %d: %w", e.UniqueID, err)
		case e.ID != 0 && m.ID != e.ID:
			return Entry{}, fmt.Errorf("unique mount id %d has mount id %d, recorded %d: %w", e.UniqueID, m.ID, e.ID, ErrNotOurs)
		}
		id = m.ID
	}
	tbl, err := table()
	if err != nil {
		return Entry{}, err
	}
	var got *Entry
	for i := range tbl {
		if tbl[i].ID == id {
			got = &tbl[i]
		}
	}
	if got == nil {
		return Entry{}, fmt.Errorf("mount id %d is not in the mount table: %w", id, ErrNotMounted)
	}
	if e.UniqueID != 0 {
		return *got, nil
	}
	if t := linuxFSType(e.FSType); t != "" && got.FSType != t {
		return Entry{}, fmt.Errorf("mount id %d on %q is a %s mount: %w", id, got.Target, got.FSType, ErrNotOurs)
	}
	if e.FSType == NullFS && e.Source != "" {
		if err := rootIsSource(got, e.Source); err != nil {
			return Entry{}, err
		}
	}
	return *got, nil
}

// rootIsSource checks that the mount m (id m.ID, on m.Target) has the
// directory source as its root: opened without following a symlink, the
// mount point must show mount id m.ID and source's device and inode.
func rootIsSource(m *Entry, source string) error {
	fd, err := openRootStrict("locate", m.Target)
	if err != nil {
		return fmt.Errorf("mount id %d on %q: %w", m.ID, m.Target, unwrapOwn(err))
	}
	defer unix.Close(fd)
	var stx unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID|unix.STATX_INO, &stx); err != nil {
		return fmt.Errorf("statx %q: %w", m.Target, err)
	}
	if stx.Mnt_id != m.ID {
		return fmt.Errorf("%q shows mount id %d, not %d (covered): %w", m.Target, stx.Mnt_id, m.ID, ErrNotOurs)
	}
	var src unix.Stat_t
	if err := unix.Stat(source, &src); err != nil {
		return fmt.Errorf("stat source: %w", err)
	}
	if unix.Major(src.Dev) != stx.Dev_major || unix.Minor(src.Dev) != stx.Dev_minor || src.Ino != stx.Ino {
		return fmt.Errorf("mount id %d on %q is not a bind of %q: %w", m.ID, m.Target, source, ErrNotOurs)
	}
	return nil
}

// statmountUnique is statmount(2) of the mount with unique id id.
func statmountUnique(id uint64) (*Entry, error) {
	var small [statmountHeader + 512]byte
	e, err := statmountBuf(id, small[:])
	if errors.Is(err, unix.EOVERFLOW) {
		e, err = statmountBuf(id, make([]byte, statmountHeader+2*unix.PathMax))
	}
	return e, err
}
