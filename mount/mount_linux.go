package mount

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Linux mapping (SPEC §6):
//
//   - nullfs: a non-recursive bind mount of Source (nullfs carries no
//     submounts either); read-only ones also get nosuid and nodev.
//   - procfs: a new proc instance (nosuid, nodev, noexec).
//   - devfs: a tmpfs (mode 0755, 64 KiB, nosuid, noexec) holding the
//     character devices null, zero, full, random, urandom and tty, made with
//     mknod (real root in a private mount namespace may; a user namespace
//     could not, and would have to bind the host nodes instead), and the
//     symlinks fd -> /proc/self/fd, stdin, stdout and stderr -> fd/0..2.
//   - fdescfs: unsupported (an error wrapping errors.ErrUnsupported): a bind
//     of /proc/self/fd would show the mounting process's descriptors, not
//     the jailed one's; devfs's fd -> /proc/self/fd symlink does the job, so
//     a Linux backend skips fdescfs.
//   - tmpfs: a tmpfs (nosuid, nodev), Options "size" and "mode" honoured.
//
// Every mount is made through file descriptors, never through a path that a
// symlink could redirect a moment later (CVE-2021-30465): the target's
// parent (and the source) are opened with openat2 and
// RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS, and the target
// is its last component, looked at and attached to without following it.
// With the new mount API (Linux 5.2+; 5.12 for mount_setattr) the tree is
// built detached (open_tree(OPEN_TREE_CLONE), made read-only in the same call
// by open_tree_attr on 6.15+, or fsopen/fsmount), made read-only and
// populated while nobody can see it, then attached with move_mount onto the
// name in the parent fd (no MOVE_MOUNT_T_SYMLINKS: a symlink swapped in is
// refused): a read-only entry is never read-write, even for an instant.
// Without it (ENOSYS) mount(2) is given /proc/thread-self/fd/N of the target
// and a read-only bind takes a second MS_REMOUNT; if that fails the fresh
// mount is detached before returning. Either way any rename in flight in the
// parent is waited out (settle) and the result is checked afterwards: the
// kernel's record of the new mount (statmount, or mountinfo) must put it
// exactly on Root/Target, on the parent mount, with the right type and
// flags; a bind's root is the source's inode (by construction with
// open_tree, which clones the opened source or its name's dentry; checked
// after mount(2), which resolves a path).
//
// System calls per read-only bind (new API, Linux 6.15+): openat2 of the
// parent, statx of the target, openat2 of the source, open_tree_attr,
// move_mount, renameat2 onto itself (settle), statx and statmount
// (verify), and the closes; per unmount: openat2 of the parent, statx,
// stat of the source (skipped when the unique mount id matches), umount2.
// (A cache of opened sources shared across jails, cloning binds from
// detached copies of them, and a Session keeping its directories across a
// jail's sequence were removed: each moved start+stop of 100 skeleton
// jails by less than 10%; see BENCHMARKS.md.)

// useNewMountAPI is cleared the first time the kernel says ENOSYS; tests
// clear it to exercise the mount(2) path.
var useNewMountAPI atomic.Bool

func init() { useNewMountAPI.Store(true) }

// testHookReadOnly, when set, runs just before a read-only attribute is
// applied (mount_setattr or the MS_REMOUNT); its error is treated as the
// system call's. Tests inject the remount failure with it.
var testHookReadOnly func() error

const (
	resolveStrict = unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS
	pathDirFlags  = unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC
	devfsSize     = "64k"
)

var errNoProc = errors.New("/proc is not a procfs: fd-based mounts need it")

// checkProc makes sure /proc is a real procfs once per process: a fake /proc
// (a tmpfs with a planted thread-self/fd/N symlink) would redirect every
// fd-based mount.
var checkProc = sync.OnceValue(func() error {
	var st unix.Statfs_t
	if err := unix.Statfs("/proc", &st); err != nil {
		return fmt.Errorf("statfs /proc: %w", err)
	}
	if st.Type != unix.PROC_SUPER_MAGIC {
		return errNoProc
	}
	return nil
})

func fdPath(fd int) string { return "/proc/thread-self/fd/" + strconv.Itoa(fd) }

// openStrict opens rel below dirfd (whose path is base) as an O_PATH
// directory without following any symlink or leaving dirfd. On failure it
// walks the path again to say which component is the culprit.
func openStrict(op string, dirfd int, base, rel string) (int, error) {
	return openStrictAs(op, dirfd, base, rel, pathDirFlags)
}

// openStrictAs is openStrict with the open flags given.
func openStrictAs(op string, dirfd int, base, rel string, flags uint64) (int, error) {
	how := unix.OpenHow{Flags: flags, Resolve: resolveStrict}
	var fd int
	var err error
	for range 8 {
		if fd, err = unix.Openat2(dirfd, rel, &how); !errors.Is(err, unix.EAGAIN) {
			break
		}
	}
	if err == nil {
		return fd, nil
	}
	d, derr := unix.Dup(dirfd)
	if derr != nil {
		return -1, &Error{Op: op, Target: path.Join(base, rel), Err: err}
	}
	wfd, _, werr := walkDirs(op, d, base, rel, false, 0)
	if werr != nil {
		return -1, werr
	}
	unix.Close(wfd)
	// The walk found no culprit: the tree changed under us. Say so.
	return -1, &Error{Op: op, Target: path.Join(base, rel), Err: fmt.Errorf("path changed during lookup: %w", err)}
}

// slashFD is an O_PATH fd of the process's root, opened once: every absolute
// path is resolved beneath it (a Mount would otherwise open "/" twice).
var slashFD = sync.OnceValues(func() (int, error) { return unix.Open("/", pathDirFlags, 0) })

// openRootStrict opens the absolute path p with no symlink in any component.
func openRootStrict(op, p string) (int, error) {
	return openRootStrictAs(op, p, pathDirFlags)
}

// openRootStrictAs is openRootStrict with the open flags given.
func openRootStrictAs(op, p string, flags uint64) (int, error) {
	slash, err := slashFD()
	if err != nil {
		return -1, &Error{Op: op, Target: p, Err: fmt.Errorf("open /: %w", err)}
	}
	rel := strings.TrimPrefix(p, "/")
	if rel == "" {
		rel = "." // p is "/" itself (a host-"/" skeleton's SourceRoot)
	}
	return openStrictAs(op, slash, "/", rel, flags)
}

func mount(r Request) (*Mounted, error) {
	var c fdCache
	defer c.close()
	return c.mount(r)
}

func unmount(e Expect) error {
	var c fdCache
	defer c.close()
	return c.unmount(e)
}

// lookTarget opens rel's parent (through the cache; pfd belongs to it) and
// looks at rel's last component in it without following it: it must be a
// directory (a symlink or anything else is refused, the error naming it)
// and not already a mount point. The mount is later attached to that name
// in pfd, again without following it (move_mount without
// MOVE_MOUNT_T_SYMLINKS refuses a symlink), so no fd of the target itself
// is needed.
func (c *fdCache) lookTarget(root, rel string) (pfd int, stx unix.Statx_t, err error) {
	dir, name := splitRel(rel)
	if pfd, err = c.dir("mount", root, dir); err != nil {
		return -1, stx, err
	}
	err = unix.Statx(pfd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_MNT_ID|unix.STATX_TYPE, &stx)
	if err == nil && stx.Mode&unix.S_IFMT != unix.S_IFDIR {
		err = unix.ENOTDIR
		if stx.Mode&unix.S_IFMT == unix.S_IFLNK {
			err = unix.ELOOP
		}
	}
	if err != nil {
		full := joinClean(root, rel)
		return -1, stx, &Error{Op: "mount", Target: full, Err: explain(pfd, name, full, err)}
	}
	return pfd, stx, nil
}

func (c *fdCache) mount(r Request) (m *Mounted, err error) {
	full := joinClean(r.Root, r.Target)
	var created []string
	var flags uint64
	op := "mount"
	defer func() {
		if err == nil {
			return
		}
		e, ok := err.(*Error)
		if !ok {
			e = &Error{Op: op, Err: err, Flags: flags, flagNames: linuxMountFlags}
		}
		e.FSType, e.Source, e.Target, e.Created = r.FSType, r.Source, full, created
		err = e
	}()
	if r.FSType == FdescFS {
		return nil, errors.Join(errors.New("fdescfs has no Linux counterpart (devfs provides dev/fd -> /proc/self/fd)"), errors.ErrUnsupported)
	}
	if err := checkProc(); err != nil {
		return nil, err
	}

	// The parent first (no symlink anywhere), then the target as one
	// no-follow component of it: the same guarantee as one openat2 of the
	// whole path, and the parent fd is needed for settle anyway.
	pfd, stx, err := c.lookTarget(r.Root, r.Target)
	if r.Create && errors.Is(err, fs.ErrNotExist) {
		rootfd, rerr := c.dir("mount", r.Root, ".")
		if rerr != nil {
			return nil, rerr
		}
		d, derr := unix.Dup(rootfd)
		if derr != nil {
			return nil, derr
		}
		var dfd int
		dfd, created, err = walkDirs("mkdir", d, r.Root, r.Target, true, 0o755)
		if err != nil {
			return nil, err
		}
		unix.Close(dfd)
		pfd, stx, err = c.lookTarget(r.Root, r.Target)
	}
	if err != nil {
		return nil, err
	}
	_, name := splitRel(r.Target)

	// Never stack on a mount that is already there (a stale mount from a
	// crashed start would otherwise be hidden under a second one). If one
	// appears between this look and the attach, ours lands on top of it
	// and verify sees the wrong parent mount.
	if stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0 {
		return nil, fmt.Errorf("target is already a mount point (mount id %d): %w", stx.Mnt_id, unix.EBUSY)
	}
	parentID := stx.Mnt_id

	// /proc/thread-self names this thread's fds; keep the goroutine on it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	srcfd := -1
	if r.FSType == NullFS {
		if srcfd, err = c.openSource(r); err != nil {
			return nil, err
		}
		defer unix.Close(srcfd)
	}
	// checkSrc is the source fd verify must compare the new mount's root
	// with, or -1. open_tree clones the mount srcfd is on at srcfd's own
	// dentry, so on that path the new mount's root is srcfd's directory by
	// construction and a mount's root never changes: the comparison could
	// not fail. mount(2) resolves /proc/thread-self/fd/N and the new mount
	// is then found again by its path, so there the check is kept: it
	// stops a bind of something else than the opened source (a swap of
	// the magic link's target or of the target between mount and reopen).
	var mfd int
	checkSrc := -1
	if useNewMountAPI.Load() {
		mfd, op, flags, err = attachNew(r, pfd, name, full, srcfd)
		if errors.Is(err, unix.ENOSYS) && op != "populate" {
			useNewMountAPI.Store(false)
		}
	}
	if !useNewMountAPI.Load() {
		checkSrc = srcfd
		mfd, op, flags, err = attachClassic(r, pfd, name, full, srcfd, parentID)
	}
	if err != nil {
		return nil, err
	}
	// Whatever the cache holds at or below the target now names covered
	// directories.
	c.forget(full)
	defer unix.Close(mfd)
	settle(pfd, name)
	op = "verify"
	id, uniq, err := verify(r, full, mfd, checkSrc, parentID)
	if err != nil {
		// Undo exactly the mount we made, wherever it landed: the fd
		// names it, not a path.
		if uerr := unix.Unmount(fdPath(mfd), unix.MNT_DETACH); uerr != nil {
			err = errors.Join(err, fmt.Errorf("undo: detach: %w", uerr))
		}
		return nil, err
	}
	return &Mounted{ID: id, UniqueID: uniq, FSType: r.FSType, Source: r.Source, Root: r.Root, Rel: r.Target,
		Target: full, Created: created}, nil
}

// openSource opens the bind source. Without SourceRoot no symlink is
// followed at all; with it, symlinks are followed only while they stay below
// SourceRoot (RESOLVE_BENEATH refuses absolute and escaping ones), which lets
// a host-"/" skeleton use bin -> usr/bin without letting bin -> /etc/.. out.
func (c *fdCache) openSource(r Request) (int, error) {
	if r.SourceRoot == "" {
		return openRootStrict("open source", r.Source)
	}
	srfd, err := c.dir("open source root", r.SourceRoot, ".")
	if err != nil {
		return -1, err
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(r.Source, r.SourceRoot), "/")
	if rel == "" {
		rel = "."
	}
	how := unix.OpenHow{Flags: pathDirFlags, Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS}
	fd, err := unix.Openat2(srfd, rel, &how)
	if err != nil {
		return -1, &Error{Op: "open source", Source: r.Source, Err: err}
	}
	return fd, nil
}
