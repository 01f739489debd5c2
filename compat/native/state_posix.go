//go:build linux || freebsd

package native

import (
	"rcjail/compat/state"
)

// openStateDir opens (making it when missing) the state directory under
// root: package state defines where it is and what it must be (a 0700
// directory of ours; /var/run followed inside the -R root, SPEC §3.8).
func openStateDir(root string) (*state.Dir, error) { return state.OpenDir(root) }

func writeAtomic(dir *state.Dir, name string, data []byte, sync bool) error {
	return dir.WriteAtomic(name, data, sync)
}
