//go:build unix

package record

import (
	"golang.org/x/sys/unix"

	"rcjail/compat/state"
)

// removeEmpty unlinks name in dir, a journal found empty by its holder:
// without the fault seam of [state.Dir.Remove], which a clean stop does not
// need at this point.
func removeEmpty(dir *state.Dir, name string) { _ = unix.Unlinkat(dir.Fd(), name, 0) }
