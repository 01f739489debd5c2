package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"runtime"
	"strconv"

	"rcjail/compat"
	"rcjail/compat/state"
	"rcjail/mount"
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

// JailRoot implements [compat.Executor]: the root the kernel says jail
// jid runs in (Linux: its init's root, once the init has entered it).
func (x *Executor) JailRoot(_ context.Context, jid string) (string, error) {
	n, err := strconv.Atoi(jid)
	if err != nil || n <= 0 {
		return "", fmt.Errorf("root of jid %q: not a jid", jid)
	}
	root, ok := jailRoot(x, n)
	if !ok {
		return "", fmt.Errorf("root of jid %s: no such jail", jid)
	}
	return root, nil
}

// MountTable implements [compat.Executor]: the kernel's table, each type
// named as a step would name it where that is sure (see kernelStepType),
// else by the kernel's own name, which a stop never sweeps.
func (x *Executor) MountTable(context.Context) ([]compat.MountEntry, error) {
	tbl, err := mount.Table()
	if err != nil {
		return nil, fmt.Errorf("mount table: %w", err)
	}
	out := make([]compat.MountEntry, len(tbl))
	for i, e := range tbl {
		out[i] = compat.MountEntry{FSType: kernelStepType(runtime.GOOS, e), Target: e.Target}
	}
	return out, nil
}

// JailsAt implements [compat.Executor]: the jail the kernel runs in root,
// unless an id file names its jid (another jail sharing the root owns it).
func (x *Executor) JailsAt(ctx context.Context, root string) ([]string, error) {
	n, ok := jailAt(ctx, x, root)
	if !ok {
		return nil, nil
	}
	jid := strconv.Itoa(n)
	names, err := state.IDFiles(x.opts.Root)
	if err != nil {
		return nil, fmt.Errorf("jails in %s: %w", root, err)
	}
	for _, j := range names {
		if id, ok, err := x.readID(state.IDFile(j)); err == nil && ok && id == jid {
			return nil, nil
		}
	}
	return []string{jid}, nil
}

// kernelStepType names a mount table entry's type as a step would, where
// that is sure. FreeBSD's table already uses those names. Linux: proc is
// procfs and a bind of a directory (its mount root is not its file
// system's root) is nullfs; anything else keeps the kernel's name (a
// tmpfs may be the devfs stand-in or the admin's own, an ext4 the jail's
// own file system): a stop without a record never sweeps those.
func kernelStepType(goos string, e mount.Entry) string {
	if goos != "linux" {
		return e.FSType
	}
	switch {
	case e.FSType == "proc":
		return compat.FSProcfs
	case e.Root != "" && e.Root != "/":
		return compat.FSNullfs
	}
	return e.FSType
}
