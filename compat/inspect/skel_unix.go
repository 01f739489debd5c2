//go:build linux || freebsd

package inspect

import (
	"io/fs"
	"syscall"
)

// skelOwner returns the uid that owns fi.
func skelOwner(fi fs.FileInfo) (uid uint32, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Uid, true
}
