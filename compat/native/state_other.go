//go:build !linux && !freebsd

package native

import (
	"errors"

	"rcjail/compat/state"
)

var errNoState = errors.ErrUnsupported

func openStateDir(root string) (*state.Dir, error)                          { return nil, errNoState }
func writeAtomic(dir *state.Dir, name string, data []byte, sync bool) error { return errNoState }
