// Package mount is rcjail's per-OS mount layer: nullfs (a bind mount on Linux),
// devfs, fdescfs and procfs mounts made without following symlinks inside a jail
// root, checked after the fact, unmounted only when the kernel still shows the
// mount we made, and the mount table as the kernel reports it.
//
// It knows nothing of rc.conf or plans. OS code is split by file name
// (_linux.go, _freebsd.go, _other.go); pure parts (option and iovec building,
// mountinfo decoding) live in portable files so they are tested everywhere.
//
// # API
//
// [Mount] takes a [Request] (type, source, jail root, target relative to the
// root, read-only, create missing directories) and returns a [Mounted] whose
// [Mounted.Expect] is what [Unmount] needs later. [Table] is the kernel's mount
// table and [Under] the part of it at or below a directory, deepest first.
// [Resolve] and [MkdirAll] are the no-follow walker for other packages.
// [Locate] finds a mount by its identity (Mounted.ID, Mounted.UniqueID)
// wherever it is now, and [Unmount] of a recorded mount whose mount point
// was moved (a directory above it renamed) unmounts it there, after the
// same checks, reporting [ErrMoved].
// [Mounted.UniqueID] (Linux 6.8+) is a mount id the
// kernel never reuses; an [Expect] carrying it is recognised by it alone. Every
// error is an [*Error] naming operation, type, source, target, flags (by name)
// and cause, with the sentinels [ErrNotMounted] (treat the unmount as done),
// [ErrNotOurs], [ErrSymlink] and [ErrEscaped].
//
// The rule, as FreeBSD's jail(8) has it: no component of Root/Target may be a
// symbolic link (the root's own components included: pass the canonical
// path). A nullfs source may not contain one either, unless SourceRoot is set;
// then relative links that stay inside SourceRoot are followed (a host-"/"
// skeleton has bin -> usr/bin on a merged-/usr system).
//
// # Linux
//
// nullfs is a non-recursive bind mount; procfs a new proc (nosuid, nodev,
// noexec); devfs a 64 KiB tmpfs (0755, nosuid, noexec) holding null, zero,
// full, random, urandom and tty made with mknod (real root in a private mount
// namespace may; a user namespace could not) and fd -> /proc/self/fd, stdin,
// stdout, stderr; tmpfs a tmpfs. fdescfs is unsupported (an error wrapping
// errors.ErrUnsupported): a bind of /proc/self/fd would show the mounting
// process's descriptors; devfs's dev/fd link does the job, so a Linux backend
// skips fdescfs.
//
// Mounts are made through file descriptors opened with openat2
// (RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS). With the new
// mount API (open_tree/fsopen, mount_setattr, move_mount; open_tree_attr on
// 6.15+ clones and makes read-only in one call) the tree is made read-only,
// or populated, while detached and attached in one step onto the target's
// name in its parent's fd, without following it; without it, mount(2) is
// given /proc/thread-self/fd/N and read-only takes a second remount, undone
// at once if it fails. Then any rename in the parent in flight is waited out
// (reading the parent takes the lock every rename there holds), and the
// kernel's own record of the new mount (statmount(2),
// or /proc/self/mountinfo before Linux 6.8) must put it exactly on Root/Target,
// on the parent mount, with the right type and flags (a bind's root is the
// source's inode: by construction with open_tree, which clones the opened
// source itself, and checked after mount(2), which resolves a path);
// otherwise it is detached through its fd. A target that
// is already a mount point is refused (never stacked). Mounted.ID is the
// mountinfo mount id. Unmount walks the path again without symlinks, checks
// id, type (file system magic) and, for a bind, that its root is the source
// directory, then calls umount2(UMOUNT_NOFOLLOW) through the checked parent's
// fd. Mount ids are reused by the kernel after an unmount; that is why the
// source and type are checked as well, unless the Expect carries the unique
// id and it matches.
//
// # FreeBSD
//
// nmount(2) with an errmsg buffer (the kernel's text lands in Error.Errmsg),
// "nocover" (13.0+) and "ro"; nullfs passes its lower directory as "target";
// extra options (devfs's "ruleset") go along as name=value pairs.
//
// The mount point is walked from "/" one component at a time with
// O_NOFOLLOW|O_DIRECTORY and the final directory is held open. The mount is
// made on that very directory: fchdir to it, nmount with fspath ".", fchdir
// back. The working directory belongs to the process, so this is
// serialised process-wide, and syscall.ForkLock is held so that no child
// starts with its working directory inside a jail root. What makes it safe
// (FreeBSD 13–15, sys/kern):
//
//   - vfs_domount (vfs_mount.c) looks fspath up with namei; "." names the
//     working directory, the held vnode, and no symlink is followed on the
//     way: there is no way left to swap one in.
//   - nocover: vfs_domount refuses (EBUSY) a covered vnode that is the root
//     of a mount (VV_ROOT). The lookup of "." crosses a mount already on the
//     directory (vfs_lookup crosses v_mountedhere after every component), so
//     a mount someone put there first is refused, never stacked on.
//   - vn_path_to_global_path (vfs_cache.c) turns "." into the vnode's global
//     path (vn_fullpath_global) for f_mntonname, then looks fspath (".") up
//     again and refuses (ENOENT) if it no longer names the same vnode (with
//     ".", when something was mounted on the directory meanwhile).
//     vfs_domount_first then mounts on the vnode itself. A rename of the
//     directory (or of one above it) between the walk and the mount shows
//     as a global path other than Root/Target, which the check below
//     catches; one after the mount leaves f_mntonname stale, which is why
//     stop goes by fsid.
//
// The new mount is then found through the held directory (a lookup of "."
// through it crosses into the mount on it; if a kernel does not cross there,
// the table's only new mount of that type and source on the path) and its
// statfs must show a new fsid, the type, f_mntfromname == the source and
// f_mntonname == Root/Target (a different global path means the directory
// was moved in between); otherwise exactly that fsid is unmounted and
// ErrEscaped returned. A kernel that records "." itself (no global path) has
// its mount undone by fsid, and from then on this process mounts by path,
// detect-and-undo as before: nmount resolves the path again, following
// symlinks, the target is walked again and what is there compared; a mount
// that landed where the walk cannot see it is undone only when it is the
// only new mount of its type and source (devfs, fdescfs, procfs and tmpfs
// show their type as f_mntfromname, so another process's mount made in the
// same instant looks the same, and is never touched). [DotMountRefused]
// says whether, and why, that fallback is in use (`rcjail selftest`
// prints it).
//
// Mounted.ID is the fsid packed as uint64(uint32(val[0]))<<32|uint32(val[1]).
// Unmount of a recorded mount finds its fsid in getfsstat (type and, for
// nullfs, source must still match: a reused fsid is never taken) and
// unmounts by fsid (MNT_BYFSID, "FSID:a:b"): no path is resolved, and a
// mount whose mount point was renamed since (FreeBSD never updates
// f_mntonname; a jail's root can rename <root>/usr while <root>/usr/bin is
// mounted) is still found, unmounted, and reported with [ErrMoved]. Without
// a recorded fsid (a crashed start's mount) Unmount re-walks the path,
// checks type and source, confirms in getfsstat that the fsid is mounted on
// the path, and unmounts by fsid. None of this has run on a FreeBSD kernel
// in rcjail's own tests; it builds and vets for freebsd/amd64 and arm64, its
// pure parts (option lists, the checks above) are tested on Linux, and
// `rcjail selftest -b native` proves it on a FreeBSD host.
package mount
