package mount

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

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
// parent (shared by a Session), statx of the target (a Session reuses the
// one its MkdirAll of the same target just made), openat2 of the source,
// open_tree_attr, move_mount, renameat2 onto itself (settle; a Session
// reads the parent instead, cheaper), statx and statmount (verify), and the
// closes; per unmount: openat2 of the parent (shared by a Session), statx,
// stat of the source (skipped when the unique mount id matches), umount2.
// (A cache of opened sources shared across jails, cloning binds from
// detached copies of them, was removed: it moved start+stop of 100
// skeleton jails by less than 10%; see BENCHMARKS.md.)

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
	// readDirFlags opens a Session's directories (root, target parents):
	// readable, because settle reads the parent.
	readDirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
	devfsSize    = "64k"
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

// fdCache holds the directory fds one mount or unmount (or a
// [Session]'s sequence of them) opened: the jail root, target parents and
// source roots, each opened with no symlink in any component. A jail's
// entries share their root and parents (usr/bin, usr/lib …), so a session
// walks each once instead of once per entry.
//
// A cached fd pins a directory inode, not a path. Two things can make it
// stale, and both are handled. Our own mounts and unmounts: forget drops
// every entry at or below a path the cache mounted on or unmounted, whose
// fd would now name a covered or detached directory. Someone else's renames
// inside the root: an operation that used a cached fd and failed is retried
// once with a fresh walk (Session), and a mount that succeeded through a
// stale parent cannot be mistaken for a good one, because verify compares
// the kernel's own mount point path and parent mount with the request.
type fdCache struct {
	ents    []cachedDir
	hit     bool // the current operation used a cached fd
	session bool // kept across calls: worth caching source parents too

	// hint is the statx mkdirAll just made of a target's last component
	// in its cached parent, for the mount that usually follows at once
	// (see takeHint).
	hint targetStat
}

// targetStat is a statx of name rel in the cached parent fd pfd of root,
// which showed a directory.
type targetStat struct {
	ok        bool
	pfd       int
	root, rel string
	stx       unix.Statx_t
}

// takeHint returns the statx mkdirAll remembered and forgets it: it serves
// at most the one operation that comes next, and only a mount of the same
// root and rel through the same cached parent fd (lookTarget checks). Every
// entry point takes or clears it first (a Session call whose arguments are
// refused clears it too: dropHint), so no other call of the session can
// come between the statx and its use.
//
// Using it is as safe as the mount's own statx was. Between the statx and
// the attach, something could always be mounted on the target or swapped
// for it; the remembered statx only lengthens that window by what the
// caller does between the two calls (the executor: a record lookup), and
// what guards it is unchanged: move_mount never follows a symlink put at
// the name, a mount attached on top of one that appeared meanwhile sits on
// another parent mount than the statx showed, which verify refuses
// (ErrEscaped, the new mount detached: never stacked), and a directory
// moved away is caught by verify's mount-point path. The same holds when
// something outside the session (another process, or a caller's own
// rmdir) changed the name meanwhile: a missing name or a symlink there
// makes move_mount fail, and a new directory put there is the right
// mount point anyway.
func (c *fdCache) takeHint() targetStat {
	h := c.hint
	c.hint = targetStat{}
	return h
}

// dropHint forgets the statx mkdirAll remembered (see takeHint).
func (c *fdCache) dropHint() { c.hint = targetStat{} }

type cachedDir struct {
	path string
	fd   int // O_PATH, or readable in a session
}

// dir returns a directory fd of root/rel (rel may be "."), opened without
// following any symlink; the cache owns it (callers do not close it).
func (c *fdCache) dir(op, root, rel string) (int, error) {
	for _, e := range c.ents {
		if joinedIs(e.path, root, rel) {
			c.hit = true
			return e.fd, nil
		}
	}
	p := joinClean(root, rel)
	var fd int
	var err error
	// A session's directories are opened readable, for the cheaper settle
	// (see settle); one call's are O_PATH, cheaper to open and close.
	flags := uint64(pathDirFlags)
	if c.session {
		flags = readDirFlags
	}
	if rfd := c.lookup(root); rfd >= 0 && rel != "." {
		c.hit = true
		fd, err = openStrictAs(op, rfd, root, rel, flags)
	} else {
		// One openat2 from "/" for root and rel together: the same
		// no-symlink guarantee as opening the root, then rel in it.
		fd, err = openRootStrictAs(op, p, flags)
	}
	if err != nil {
		return -1, err
	}
	c.ents = append(c.ents, cachedDir{p, fd})
	return fd, nil
}

// The paths a cache is asked for are clean (validated requests, or their
// parents), so the hot path compares and joins them by hand: path.Join
// cleans again and allocates, for every entry of every call.

// splitRel is path.Dir and path.Base of a clean relative path.
func splitRel(rel string) (dir, name string) {
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return ".", rel
	}
	return rel[:i], rel[i+1:]
}

// joinClean is path.Join(root, rel) for a clean absolute root and a clean
// relative rel ("." for root itself).
func joinClean(root, rel string) string {
	switch {
	case rel == ".":
		return root
	case root == "/":
		return "/" + rel
	}
	return root + "/" + rel
}

// joinedIs reports whether p == joinClean(root, rel), without building it.
func joinedIs(p, root, rel string) bool {
	switch {
	case rel == ".":
		return p == root
	case root == "/":
		return len(p) == 1+len(rel) && p[0] == '/' && p[1:] == rel
	}
	n := len(root)
	return len(p) == n+1+len(rel) && p[n] == '/' && p[:n] == root && p[n+1:] == rel
}

func (c *fdCache) lookup(p string) int {
	for _, e := range c.ents {
		if e.path == p {
			return e.fd
		}
	}
	return -1
}

// forget closes and drops the entries at or below p: after a mount on p they
// name directories it covers, after an unmount directories of a detached
// tree.
func (c *fdCache) forget(p string) {
	keep := c.ents[:0]
	for _, e := range c.ents {
		if within(p, e.path) {
			unix.Close(e.fd)
			continue
		}
		keep = append(keep, e)
	}
	clear(c.ents[len(keep):])
	c.ents = keep
}

func (c *fdCache) close() {
	c.hint = targetStat{}
	for _, e := range c.ents {
		unix.Close(e.fd)
	}
	c.ents = c.ents[:0]
}

func (c *fdCache) mountRetry(r Request) (*Mounted, error) {
	c.hit, c.session = false, true
	m, err := c.mount(r)
	if err == nil || !c.hit {
		return m, err
	}
	// A cached directory may have been renamed or removed since it was
	// opened: walk everything again, once.
	var created []string
	var e *Error
	if errors.As(err, &e) {
		created = e.Created
	}
	c.close()
	m, err = c.mount(r)
	if len(created) > 0 {
		if err == nil {
			m.Created = append(created, m.Created...)
		} else if errors.As(err, &e) {
			e.Created = append(created, e.Created...)
		}
	}
	return m, err
}

func (c *fdCache) unmountRetry(e Expect) error {
	c.hit, c.session = false, true
	c.hint = targetStat{}
	err := c.unmount(e)
	if err == nil || !c.hit || errors.Is(err, ErrMoved) {
		return err
	}
	c.close()
	return c.unmount(e)
}

// mkdirAll answers "already a directory" from the cached parent with one
// statx that follows nothing; anything else (missing, a symlink, not a
// directory, an error) goes to the full no-follow walk, which makes what is
// missing and names any culprit. The statx asks for what lookTarget needs
// too and is remembered for a mount of the same target that comes next
// (see takeHint).
func (c *fdCache) mkdirAll(root, rel string, perm fs.FileMode) ([]string, error) {
	c.session = true
	c.hint = targetStat{}
	if rel != "." {
		dir, name := splitRel(rel)
		if pfd, err := c.dir("mkdir", root, dir); err == nil {
			h := &c.hint
			err := unix.Statx(pfd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_MNT_ID|unix.STATX_TYPE, &h.stx)
			if err == nil && h.stx.Mode&unix.S_IFMT == unix.S_IFDIR {
				h.ok, h.pfd, h.root, h.rel = true, pfd, root, rel
				return nil, nil
			}
			c.hint = targetStat{}
		}
	}
	return mkdirAll(root, rel, perm)
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
// is needed. h, when it holds a statx of the same root and rel in the same
// parent fd (see takeHint), stands for the statx.
func (c *fdCache) lookTarget(root, rel string, h *targetStat) (pfd int, stx unix.Statx_t, err error) {
	dir, name := splitRel(rel)
	if pfd, err = c.dir("mount", root, dir); err != nil {
		return -1, stx, err
	}
	if h != nil && h.ok && h.pfd == pfd && h.rel == rel && h.root == root {
		stx = h.stx
	} else {
		err = unix.Statx(pfd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_MNT_ID|unix.STATX_TYPE, &stx)
	}
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
	hint := c.takeHint()
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
	pfd, stx, err := c.lookTarget(r.Root, r.Target, &hint)
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
		pfd, stx, err = c.lookTarget(r.Root, r.Target, nil)
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
		mfd, op, flags, err = attachClassic(r, pfd, name, full, c.session, srcfd, parentID)
	}
	if err != nil {
		return nil, err
	}
	// Whatever the cache holds at or below the target now names covered
	// directories.
	c.forget(full)
	defer unix.Close(mfd)
	settle(pfd, name, c.session)
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
		if !c.session || r.Source == "/" {
			return openRootStrict("open source", r.Source)
		}
		// A skeleton's entries share a few parents (skel, skel/usr):
		// a session walks each once.
		dir, name := path.Split(r.Source)
		dir = path.Clean(dir)
		pfd, err := c.dir("open source", dir, ".")
		if err != nil {
			return -1, err
		}
		return openStrict("open source", pfd, dir, name)
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
func attachClassic(r Request, pfd int, name, full string, readable bool, srcfd int, parentID uint64) (mfd int, op string, flags uint64, err error) {
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
	settle(pfd, name, readable)
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
// verify sees stays true. Two ways, both free of side effects:
//
//   - pfd readable (a Session's): read the directory with a one-byte
//     buffer. The kernel takes the lock (shared), fails to fit the first
//     entry (EINVAL) and releases it, reading nothing: a third of a rename's
//     cost.
//   - pfd O_PATH (one call's, cheaper to open and close than a readable
//     one): rename name onto itself, which takes the lock and changes
//     nothing (vfs_rename returns at once when source and target are the
//     same).
//
// The error is ignored: the lock was taken either way, or pfd's directory is
// gone, or read-only, and no rename can move anything in it.
func settle(pfd int, name string, readable bool) {
	if readable {
		var b [1]byte
		_, _ = unix.Getdents(pfd, b[:])
		return
	}
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

// verify checks the attached mount mfd against the request and returns its
// mount id.
func verify(r Request, full string, mfd, srcfd int, parentID uint64) (id, uniq uint64, err error) {
	// One statx gives the mount id (unique, for statmount; or the
	// mountinfo one) and the root's device and inode, for the source check.
	var stx unix.Statx_t
	var found *Entry
	viaStatmount := false
	if useStatmount.Load() {
		if err := unix.Statx(mfd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID_UNIQUE|unix.STATX_INO, &stx); err != nil {
			return 0, 0, fmt.Errorf("statx new mount: %w", err)
		}
		e, err := statmountID(stx)
		switch {
		case err == nil:
			found, viaStatmount, uniq = e, true, stx.Mnt_id
		case errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL):
			useStatmount.Store(false)
		default:
			return 0, 0, fmt.Errorf("statmount: %w", err)
		}
	}
	if !viaStatmount {
		if err := unix.Statx(mfd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID|unix.STATX_INO, &stx); err != nil {
			return 0, 0, fmt.Errorf("statx new mount: %w", err)
		}
		// Where the kernel says the new mount is (d_path of its root);
		// statmount's mount point says the same in one call.
		where, err := os.Readlink(fdPath(mfd))
		if err != nil {
			return 0, 0, fmt.Errorf("read new mount's path: %w", err)
		}
		if where != full {
			return 0, 0, fmt.Errorf("kernel path %q: %w", where, ErrEscaped)
		}
		tab, err := table()
		if err != nil {
			return 0, 0, err
		}
		for i := range tab {
			if tab[i].ID == stx.Mnt_id {
				found = &tab[i]
			}
		}
		if found == nil {
			return 0, 0, fmt.Errorf("mount id %d not in the mount table: %w", stx.Mnt_id, ErrEscaped)
		}
	}
	id = found.ID
	switch {
	case found.Target != full:
		return id, 0, fmt.Errorf("mount table puts mount %d on %q: %w", id, found.Target, ErrEscaped)
	case found.Parent != parentID:
		return id, 0, fmt.Errorf("mount %d sits on mount %d, not %d: %w", id, found.Parent, parentID, ErrEscaped)
	case found.FSType != linuxFSType(r.FSType) && r.FSType != NullFS:
		return id, 0, fmt.Errorf("mount %d has type %q, want %q", id, found.FSType, linuxFSType(r.FSType))
	case r.ReadOnly && !found.ReadOnly:
		return id, 0, fmt.Errorf("mount %d is not read-only", id)
	}
	if srcfd >= 0 {
		var src unix.Stat_t
		if err := unix.Fstat(srcfd, &src); err != nil {
			return id, 0, err
		}
		if unix.Major(src.Dev) != stx.Dev_major || unix.Minor(src.Dev) != stx.Dev_minor || src.Ino != stx.Ino {
			return id, 0, fmt.Errorf("mount %d's root is not the source directory: %w", id, ErrEscaped)
		}
	}
	return id, uniq, nil
}

// useStatmount is cleared when the kernel lacks statmount(2) (before 6.8);
// verify then reads the whole of /proc/self/mountinfo instead.
var useStatmount atomic.Bool

func init() { useStatmount.Store(true) }

// statmount(2) request and reply layout (include/uapi/linux/mount.h; the
// reply header is 512 bytes, strings follow as offsets into str[]).
const (
	statmountMntBasic = 0x02
	statmountMntPoint = 0x10
	statmountFSType   = 0x20
	statmountHeader   = 512
)

// statmount returns the kernel's record of the mount mfd is the root of.
func statmount(mfd int) (*Entry, error) {
	var stx unix.Statx_t
	if err := unix.Statx(mfd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID_UNIQUE, &stx); err != nil {
		return nil, err
	}
	return statmountID(stx)
}

// statmountID asks statmount(2) about the mount whose unique id stx holds.
// It reports the same fields as that mount's mountinfo line, for one system
// call (reading and parsing all of mountinfo was half the cost of a Mount).
func statmountID(stx unix.Statx_t) (*Entry, error) {
	if stx.Mask&unix.STATX_MNT_ID_UNIQUE == 0 {
		return nil, unix.ENOSYS // statx too old for unique ids: no statmount either
	}
	// Most mount points are short: a small buffer on the stack first (the
	// kernel allocates one of the size passed, and a large one was a third
	// of the call), the full size only when the kernel says EOVERFLOW.
	return statmountUnique(stx.Mnt_id)
}

// statmountRaw is one statmount(2) of the mount with unique id id into
// buf, asking for what mask names.
func statmountRaw(id, mask uint64, buf []byte) error {
	var req [24]byte // struct mnt_id_req, version 0
	le := binary.LittleEndian
	if !isLittleEndian {
		return unix.ENOSYS // the layout is written for little-endian
	}
	le.PutUint32(req[0:], uint32(len(req)))
	le.PutUint64(req[8:], id)
	le.PutUint64(req[16:], mask)
	_, _, errno := unix.Syscall6(unix.SYS_STATMOUNT, uintptr(unsafe.Pointer(&req[0])),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// statmountBuf is one statmount(2) of the mount with unique id id into buf.
func statmountBuf(id uint64, buf []byte) (*Entry, error) {
	if err := statmountRaw(id, statmountMntBasic|statmountMntPoint|statmountFSType, buf); err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	str := func(off uint32) string {
		if statmountHeader+int(off) >= len(buf) {
			return ""
		}
		s := buf[statmountHeader+int(off):]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}
	attr := le.Uint64(buf[64:])
	return &Entry{
		ID:       uint64(le.Uint32(buf[56:])), // mnt_id_old: the mountinfo id
		Parent:   uint64(le.Uint32(buf[60:])), // mnt_parent_id_old
		FSType:   str(le.Uint32(buf[36:])),
		Target:   str(le.Uint32(buf[108:])),
		ReadOnly: attr&unix.MOUNT_ATTR_RDONLY != 0,
	}, nil
}

var isLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// linuxFSType is the type the kernel reports for our stand-ins ("" for a
// bind, whose type is the source's).
func linuxFSType(t string) string {
	switch t {
	case ProcFS:
		return "proc"
	case DevFS, TmpFS:
		return "tmpfs"
	}
	return ""
}

func fsMagic(t string) int64 {
	switch t {
	case ProcFS:
		return unix.PROC_SUPER_MAGIC
	case DevFS, TmpFS:
		return unix.TMPFS_MAGIC
	}
	return 0
}

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
