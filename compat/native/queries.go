package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"

	"rcjail/compat/state"
)

// The native host's queries: they change nothing.

// SysctlGet implements [compat.Executor].
func (x *Executor) SysctlGet(ctx context.Context, mib string) (string, error) {
	return sysctlGet(ctx, x, mib)
}

// Mounted implements [compat.Executor]: is dir itself a mount point (of a
// file system standing in for fstype)?
func (x *Executor) Mounted(ctx context.Context, dir, fstype string) (bool, error) {
	return isMounted(path.Clean(dir), fstype)
}

// JailRunning implements [compat.Executor] (see jailRunning in
// sys_<os>.go).
func (x *Executor) JailRunning(ctx context.Context, jid, root string) (bool, error) {
	if root == "" {
		return jailRunning(ctx, x, jid)
	}
	// The kernel's word on the jail's root: a recycled jid running
	// another jail is not this jail (issue 12 item 6).
	n, err := strconv.Atoi(jid)
	if err != nil {
		return false, nil
	}
	settle(x, n, root)
	rt, ok := jailRoot(x, n)
	return ok && rt == root, nil
}

// ReadIDFile implements [compat.Executor].
func (x *Executor) ReadIDFile(ctx context.Context, p string) (string, bool, error) {
	return x.readID(p)
}

// CheckStateFile implements [compat.Executor]: before anything of a
// start is done, the console log may be a regular file or a character
// device (/dev/null), the id file only a regular file; either may be
// missing (it is created). A FIFO, socket, directory, block device or
// symlink there refuses the start before the jail is created, instead of
// hanging the start or undoing a jail that already ran.
func (x *Executor) CheckStateFile(ctx context.Context, p string, console bool) error {
	kind := state.Regular
	if console {
		kind = state.Console
	}
	return x.checkState(p, kind)
}

// IsDir implements [compat.Executor]: lstat, a directory and not a
// symlink.
func (x *Executor) IsDir(_ context.Context, p string) (bool, error) {
	st, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lstat %s: %w", p, err)
	}
	return st.Mode().IsDir(), nil
}

// IsSymlink implements [compat.Executor].
func (x *Executor) IsSymlink(ctx context.Context, p string) (bool, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("lstat %s: %w", p, err)
	}
	return fi.Mode()&os.ModeSymlink != 0, nil
}

// ---- effects ----
