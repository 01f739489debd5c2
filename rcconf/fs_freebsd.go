package rcconf

import "golang.org/x/sys/unix"

// maxLinks bounds symlink resolution in vfs.walk as the kernel's ELOOP
// does: FreeBSD's MAXSYMLINKS is 32 (a 33rd link fails /bin/sh there).
const maxLinks = 32

// FreeBSD has no openat2 or lookup rooted at a descriptor (O_RESOLVE_BENEATH
// refuses absolute symlinks instead of re-rooting them): every path is
// resolved by vfs.walk.

func (v *vfs) openat2(string, int) (fd int, ok bool, err error) { return -1, false, nil }

func (v *vfs) statat2(string, bool, *unix.Stat_t) (ok bool, err error) { return false, nil }
