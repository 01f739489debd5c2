package rcconf

import "golang.org/x/sys/unix"

// maxLinks bounds symlink resolution in vfs.walk as the kernel's ELOOP
// does (Linux's MAXSYMLINKS), so the walk and openat2 agree.
const maxLinks = 40

// resolveInRoot makes the kernel resolve a path as if the root were "/":
// ".." stops at it and absolute symlinks start from it, in one system call
// (the attack stopped: a symlink or ".." in the tree reaching host files).
// RESOLVE_NO_MAGICLINKS refuses /proc/<pid>/fd and /proc/<pid>/root links,
// which would lead out of the tree if a procfs were mounted inside it.
const resolveInRoot = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// openat2 opens r (relative to the root) with flags in one openat2 call. ok
// is false when the kernel cannot (no openat2 before Linux 5.6, or a seccomp
// filter refusing it) or kept reporting a race; the caller then walks.
func (v *vfs) openat2(r string, flags int) (fd int, ok bool, err error) {
	if v.noOpenat2 {
		return -1, false, nil
	}
	how := unix.OpenHow{Flags: uint64(flags), Resolve: resolveInRoot}
	for range 8 {
		fd, err = unix.Openat2(v.root, r, &how)
		switch err {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			// A rename or mount raced the lookup; the kernel asks for a
			// retry rather than risk an escape.
			continue
		case unix.ENOSYS, unix.EPERM:
			// EPERM: a seccomp filter that does not know openat2; any
			// real permission problem shows again in the walk.
			v.noOpenat2 = true
			return -1, false, nil
		}
		return fd, true, err
	}
	return -1, false, nil
}

// statat2 is stat (follow) or lstat of r: opened with O_PATH (which opens
// nothing: a FIFO or device is not touched), fstat, closed.
func (v *vfs) statat2(r string, follow bool, st *unix.Stat_t) (ok bool, err error) {
	flags := unix.O_PATH | unix.O_CLOEXEC
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	fd, ok, err := v.openat2(r, flags)
	if !ok || err != nil {
		return ok, err
	}
	defer unix.Close(fd)
	return true, unix.Fstat(fd, st)
}
