//go:build !unix

package record

import "rcjail/compat/state"

func removeEmpty(dir *state.Dir, name string) { _ = dir.Remove(name) }
