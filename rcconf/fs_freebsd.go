package rcconf

import "golang.org/x/sys/unix"

// FreeBSD has no openat2 or lookup rooted at a descriptor (O_RESOLVE_BENEATH
// refuses absolute symlinks instead of re-rooting them): every path is
// resolved by vfs.walk.

func (v *vfs) openat2(string, int) (fd int, ok bool, err error) { return -1, false, nil }

func (v *vfs) statat2(string, bool, *unix.Stat_t) (ok bool, err error) { return false, nil }
