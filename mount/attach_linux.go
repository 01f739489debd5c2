package mount

import (
	"errors"
	"fmt"
	"os"
	"path"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Making a new mount and attaching it: with the new mount API (detached,
// made read-only or populated, then move_mount onto the target's name) or
// with mount(2) on /proc/thread-self/fd paths; settling renames in flight
// and populating a devfs stand-in.

func tmpfsData(r Request) (mode, size string) {
	mode, size = "0755", ""
	if r.FSType == DevFS {
		size = devfsSize
	}
	if v, ok := r.Options["mode"]; ok {
		mode = v
	}
	if v, ok := r.Options["size"]; ok {
		size = v
	}
	return mode, size
}

// useOpenTreeAttr is cleared the first time open_tree_attr(2) (Linux 6.15)
// says ENOSYS: a read-only bind then takes open_tree and mount_setattr.
var useOpenTreeAttr atomic.Bool

func init() { useOpenTreeAttr.Store(true) }

// openTreeAttr is open_tree_attr(2): open_tree(OPEN_TREE_CLONE) that applies
// attr to the detached clone before returning it.
func openTreeAttr(dfd int, name string, flags uint, attr *unix.MountAttr) (int, error) {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return -1, err
	}
	fd, _, errno := unix.Syscall6(unix.SYS_OPEN_TREE_ATTR, uintptr(dfd), uintptr(unsafe.Pointer(p)),
		uintptr(flags), uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr), 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// attachNew builds the mount detached and moves it onto name in pfd (a
// symlink there is not followed: move_mount refuses it). It returns an fd on
// the new mount's root.
func attachNew(r Request, pfd int, name, full string, srcfd int) (mfd int, op string, flags uint64, err error) {
	var attrs uint64
	roAttrs := uint64(unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV)
	switch r.FSType {
	case NullFS:
		const otFlags = unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC | unix.AT_EMPTY_PATH
		if r.ReadOnly && useOpenTreeAttr.Load() {
			// Linux 6.15+: the clone is read-only from the moment it
			// exists, one system call instead of two.
			// It is the read-only step (and the clone): its failure
			// is reported as that step's, with nothing made.
			op = "set read-only"
			if testHookReadOnly != nil {
				if err := testHookReadOnly(); err != nil {
					return -1, op, 0, fmt.Errorf("open_tree_attr: %w", err)
				}
			}
			mfd, err = openTreeAttr(srcfd, "", otFlags, &unix.MountAttr{Attr_set: roAttrs})
			if err == nil {
				break
			}
			if !errors.Is(err, unix.ENOSYS) {
				return -1, op, 0, fmt.Errorf("open_tree_attr: %w", err)
			}
			useOpenTreeAttr.Store(false)
		}
		op = "open_tree"
		mfd, err = unix.OpenTree(srcfd, "", otFlags)
		if err != nil {
			return -1, op, 0, err
		}
		if r.ReadOnly {
			attrs = roAttrs
		}
	case ProcFS, TmpFS, DevFS:
		fstype := "tmpfs"
		if r.FSType == ProcFS {
			fstype = "proc"
		}
		op = "fsopen"
		fsfd, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
		if err != nil {
			return -1, op, 0, err
		}
		defer unix.Close(fsfd)
		if fstype == "tmpfs" {
			mode, size := tmpfsData(r)
			if err := unix.FsconfigSetString(fsfd, "mode", mode); err != nil {
				return -1, "fsconfig mode=" + mode, 0, err
			}
			if size != "" {
				if err := unix.FsconfigSetString(fsfd, "size", size); err != nil {
					return -1, "fsconfig size=" + size, 0, err
				}
			}
		}
		if err := unix.FsconfigCreate(fsfd); err != nil {
			return -1, "fsconfig create", 0, err
		}
		ma := unix.MOUNT_ATTR_NOSUID
		switch r.FSType {
		case ProcFS:
			ma |= unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC
		case TmpFS:
			ma |= unix.MOUNT_ATTR_NODEV
		case DevFS:
			ma |= unix.MOUNT_ATTR_NOEXEC // device nodes must work: no nodev
		}
		op = "fsmount"
		if mfd, err = unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, ma); err != nil {
			return -1, op, 0, err
		}
		if r.FSType == DevFS {
			if err := populateDev(mfd); err != nil {
				unix.Close(mfd)
				return -1, "populate", 0, err
			}
		}
		if r.ReadOnly {
			attrs = unix.MOUNT_ATTR_RDONLY
		}
	}
	if attrs != 0 {
		op = "set read-only"
		err = unix.MountSetattr(mfd, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: attrs})
		if testHookReadOnly != nil && err == nil {
			err = testHookReadOnly()
		}
		if err != nil {
			// Closing the fd drops the detached tree: nothing was visible.
			unix.Close(mfd)
			return -1, op, 0, err
		}
	}
	op = "move_mount"
	// No MOVE_MOUNT_T_SYMLINKS: a symlink swapped in at name since it was
	// looked at is not followed (EINVAL), so the mount cannot leave pfd.
	if err := unix.MoveMount(mfd, "", pfd, name, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		unix.Close(mfd)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ENOENT) {
			err = explain(pfd, name, full, err) // say what is there now
		}
		return -1, op, 0, err
	}
	return mfd, op, 0, nil
}

// attachClassic uses mount(2) on /proc/thread-self/fd paths, then re-opens
// the target to get the new mount; a read-only bind takes a second remount.
func attachClassic(r Request, pfd int, name, full string, srcfd int, parentID uint64) (mfd int, op string, flags uint64, err error) {
	op = "mount"
	// mount(2) takes paths: the target's fd, opened without following it,
	// stands for it as /proc/thread-self/fd/N.
	tfd, err := unix.Openat(pfd, name, pathDirFlags|unix.O_NOFOLLOW, 0)
	if err != nil {
		return -1, op, 0, explain(pfd, name, full, err)
	}
	defer unix.Close(tfd)
	switch r.FSType {
	case NullFS:
		flags = unix.MS_BIND
		err = unix.Mount(fdPath(srcfd), fdPath(tfd), "", uintptr(flags), "")
	case ProcFS:
		flags = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
		if r.ReadOnly {
			flags |= unix.MS_RDONLY
		}
		err = unix.Mount("proc", fdPath(tfd), "proc", uintptr(flags), "")
	case TmpFS, DevFS:
		flags = unix.MS_NOSUID | unix.MS_NODEV
		if r.FSType == DevFS {
			flags = unix.MS_NOSUID | unix.MS_NOEXEC
		}
		mode, size := tmpfsData(r)
		data := "mode=" + mode
		if size != "" {
			data += ",size=" + size
		}
		err = unix.Mount("tmpfs", fdPath(tfd), "tmpfs", uintptr(flags), data)
	}
	if err != nil {
		return -1, op, flags, err
	}
	firstFlags := flags
	// Let any rename of the target that was in flight finish (see settle),
	// then find the new mount by re-opening the path: it must be a fresh
	// mount root. If it is not, the directory was moved between the open
	// and the mount, and the mount sits wherever it went. umount2 through
	// the fd of the directory we mounted on detaches the mount on top of
	// it, wherever that is now, without naming any path.
	settle(pfd, name)
	mfd, err = openStrict("reopen", pfd, path.Dir(full), name)
	if err == nil && !isFreshMount(mfd, parentID) {
		unix.Close(mfd)
		mfd, err = -1, ErrEscaped
	}
	if err != nil {
		if where, lerr := os.Readlink(fdPath(tfd)); lerr == nil {
			err = fmt.Errorf("mount landed on %q: %w", where, err)
		}
		if uerr := unix.Unmount(fdPath(tfd), unix.MNT_DETACH); uerr != nil {
			err = errors.Join(err, fmt.Errorf("undo: detach: %w", uerr))
		}
		return -1, "reopen", flags, err
	}
	if r.FSType == DevFS {
		if err := populateDev(mfd); err != nil {
			unix.Unmount(fdPath(mfd), unix.MNT_DETACH)
			unix.Close(mfd)
			return -1, "populate", flags, err
		}
	}
	if r.ReadOnly && r.FSType != ProcFS {
		op = "remount-ro"
		flags = unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV
		if r.FSType != NullFS {
			// A remount replaces the per-mount flags: keep the first
			// call's (tmpfs nodev, devfs noexec) and add read-only.
			flags = firstFlags | unix.MS_REMOUNT | unix.MS_RDONLY
		}
		err = nil
		if testHookReadOnly != nil {
			err = testHookReadOnly()
		}
		if err == nil {
			err = unix.Mount("", fdPath(mfd), "", uintptr(flags), "")
		}
		if err != nil {
			// Never leave a read-write mount of a read-only entry.
			if uerr := unix.Unmount(fdPath(mfd), unix.MNT_DETACH); uerr != nil {
				err = errors.Join(err, fmt.Errorf("undo: detach: %w", uerr))
			}
			unix.Close(mfd)
			return -1, op, flags, err
		}
	}
	return mfd, op, flags, nil
}

// settle waits until no rename is in flight in the target's parent
// directory pfd. A rename of the target directory that had already passed
// the kernel's "is it a mount point?" check when the mount was attached
// would otherwise carry the new mount to another name after verify looked
// (seen in the race test: RENAME_EXCHANGE does not lock a directory's own
// inode). Every rename that touches a name in pfd holds pfd's inode lock
// exclusively from before that check until it is done, so anything that
// takes that lock returns only once every rename in flight has finished;
// after it, every new rename of the mount point fails with EBUSY, so what
// verify sees stays true. Renaming name onto itself takes the lock and
// changes nothing (vfs_rename returns at once when source and target are
// the same).
//
// The error is ignored: the lock was taken either way, or pfd's directory is
// gone, or read-only, and no rename can move anything in it.
func settle(pfd int, name string) {
	_ = unix.Renameat2(pfd, name, pfd, name, 0)
}

// isFreshMount reports whether fd is the root of a mount other than parentID.
func isFreshMount(fd int, parentID uint64) bool {
	var stx unix.Statx_t
	if unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx) != nil {
		return false
	}
	return stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0 && stx.Mnt_id != parentID
}

// populateDev fills a fresh devfs stand-in through its root fd.
func populateDev(dfd int) error {
	nodes := []struct {
		name         string
		major, minor uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}}
	// An O_PATH fd cannot be used as a *at base for mknod on every kernel;
	// open the root for real, relative to it.
	fd, err := unix.Openat(dfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for _, n := range nodes {
		if err := unix.Mknodat(fd, n.name, unix.S_IFCHR|0o666, int(unix.Mkdev(n.major, n.minor))); err != nil {
			return fmt.Errorf("mknod %s: %w", n.name, err)
		}
		// mknod applies the umask; the nodes must be usable by everyone.
		if err := unix.Fchmodat(fd, n.name, 0o666, 0); err != nil {
			return fmt.Errorf("chmod %s: %w", n.name, err)
		}
	}
	for name, to := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		if err := unix.Symlinkat(to, fd, name); err != nil {
			return fmt.Errorf("symlink %s: %w", name, err)
		}
	}
	return nil
}
