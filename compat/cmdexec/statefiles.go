package cmdexec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"rcjail/compat"
	"rcjail/compat/state"
)

// state is the host path p under the root: /var/run, /var/log and the state
// directory may be symlinks (/var/run -> /run) and are followed inside the
// root (SPEC §3.8); the last component is left for the caller to open
// without following it. A path that cannot be resolved (a link loop) is
// joined as written, and the open that follows reports it.
func (x *Executor) state(p string) string { return state.HostPath(x.Root, p) }

// ReadIDFile reads the id file under the root: never through a symlink,
// never blocking on a FIFO, through a short prefix (package state). A
// missing file or one that is not a regular file is "no id file" (stop
// goes on; start refuses such a file earlier, see CheckStateFile).
func (x *Executor) ReadIDFile(_ context.Context, p string) (string, bool, error) {
	name := x.state(p)
	f, err := state.Open(name, os.O_RDONLY, 0o600, state.Regular)
	if err != nil {
		var te *state.TypeError
		if errors.Is(err, fs.ErrNotExist) || errors.As(err, &te) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("read id file %s: %w", name, err)
	}
	defer f.Close()
	id, err := state.ReadID(f)
	if err != nil {
		return "", false, fmt.Errorf("read id file %s: %w", name, err)
	}
	return id, true, nil
}

// CheckStateFile implements [compat.Executor] (see state.Check).
func (x *Executor) CheckStateFile(_ context.Context, p string, console bool) error {
	kind := state.Regular
	if console {
		kind = state.Console
	}
	return state.Check(x.state(p), kind)
}

// WriteFile writes the id file or the console log under the root.
func (x *Executor) WriteFile(_ context.Context, s compat.WriteFile) error {
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if s.Append {
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	name := x.state(s.Path)
	kind := state.Console
	if s.IDFile {
		kind = state.Regular
	}
	// O_NOFOLLOW (package state) refuses a symlink as the last
	// component, which stops a jail's root user from pointing the host's
	// console log or id file at another host file (FreeBSD-SA-07:01);
	// O_NONBLOCK and the type checks stop a FIFO planted there from
	// hanging the start or stop.
	f, err := state.Open(name, flag, 0o600, kind)
	if err != nil {
		return fmt.Errorf("write %s for jail %s: %w", name, s.Jail, err)
	}
	_, err = f.Write(s.Data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s for jail %s: %w", name, s.Jail, err)
	}
	return nil
}

// RemoveFile removes a state file under the root; missing is fine.
func (x *Executor) RemoveFile(_ context.Context, s compat.RemoveFile) error {
	name := x.state(s.Path)
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s for jail %s: %w", name, s.Jail, err)
	}
	return nil
}
