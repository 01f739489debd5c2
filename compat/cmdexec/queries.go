package cmdexec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"strings"

	"rcjail/compat"
	"rcjail/compat/state"
	"rcjail/mount"
)

// SysctlGet runs `sysctl -n MIB`.
func (x *Executor) SysctlGet(ctx context.Context, mib string) (string, error) {
	out, err := x.run(ctx, compat.SysctlGetArgv(mib))
	if err != nil {
		return "", fmt.Errorf("read sysctl %s: %w", mib, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Mounted runs `df [-t FSTYPE] DIR` and compares the mount-point column of
// its last line with dir, as the script's is_current_mountpoint does. df
// runs in every case (so the trace is the same whatever the state), but
// its answer counts only when dir is a real directory: df follows
// symlinks, and a symlink planted by the jail would make it answer for
// another path.
func (x *Executor) Mounted(ctx context.Context, dir, fstype string) (bool, error) {
	dir = path.Clean(dir)
	out, err := x.run(ctx, compat.MountedArgv(dir, fstype))
	if st, lerr := os.Lstat(dir); lerr != nil || !st.IsDir() {
		return false, nil
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return false, nil // df exits non-zero: not on that fstype
		}
		return false, fmt.Errorf("is %s a mount point: %w", dir, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) == 0 {
		return false, nil
	}
	return path.Clean(f[len(f)-1]) == dir, nil
}

// JailRunning runs `jls -j JID`, as the script does (root is not asked:
// the script's trace has no `jls -j JID path` there).
func (x *Executor) JailRunning(ctx context.Context, jid, _ string) (bool, error) {
	_, err := x.run(ctx, compat.JailRunningArgv(jid))
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return false, nil
		}
		return false, fmt.Errorf("is jail %s running: %w", jid, err)
	}
	return true, nil
}

// JailRoot runs `jls -j JID path`: the root of a running jail whose
// configuration no longer names it (a stop from the id file, SPEC §3.5).
func (x *Executor) JailRoot(ctx context.Context, jid string) (string, error) {
	out, err := x.run(ctx, compat.JailRootArgv(jid))
	if err != nil {
		return "", fmt.Errorf("root of jid %s: %w", jid, err)
	}
	return strings.TrimSpace(firstLine(string(out))), nil
}

// JailsAt runs `jls jid path` and returns the jids of the running jails
// whose root is root (compared clean, as the kernel names it) and that no
// id file in /var/run names.
func (x *Executor) JailsAt(ctx context.Context, root string) ([]string, error) {
	out, err := x.run(ctx, compat.JailListArgv())
	if err != nil {
		return nil, fmt.Errorf("running jails: %w", err)
	}
	// A jid an id file names belongs to that jail (two jails may share
	// a root, as the script allows): it is not this jail's.
	owned := map[string]bool{}
	js, _ := state.IDFiles(x.Root)
	for _, j := range js {
		if id, ok, err := x.ReadIDFile(ctx, state.IDFile(j)); err == nil && ok {
			owned[id] = true
		}
	}
	var jids []string
	for _, line := range strings.Split(string(out), "\n") {
		jid, p, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok && !owned[jid] && path.Clean(strings.TrimSpace(p)) == path.Clean(root) {
			jids = append(jids, jid)
		}
	}
	return jids, nil
}

// MountTable runs `mount -p` and parses its fstab-format lines (device,
// mount point, type, …; blanks and tabs in a field are octal escapes).
func (x *Executor) MountTable(ctx context.Context) ([]compat.MountEntry, error) {
	out, err := x.run(ctx, compat.MountTableArgv())
	if err != nil {
		return nil, fmt.Errorf("mount table: %w", err)
	}
	var tbl []compat.MountEntry
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || strings.HasPrefix(f[0], "#") {
			continue
		}
		tbl = append(tbl, compat.MountEntry{FSType: mount.UnescapeOctal(f[2]), Target: path.Clean(mount.UnescapeOctal(f[1]))})
	}
	return tbl, nil
}

// IsDir implements [compat.Executor]: lstat, a directory and not a
// symlink.
func (x *Executor) IsDir(_ context.Context, p string) (bool, error) {
	m, err := lstatMode(p)
	return m.IsDir(), err
}

// IsSymlink lstats p.
func (x *Executor) IsSymlink(_ context.Context, p string) (bool, error) {
	m, err := lstatMode(p)
	return m&fs.ModeSymlink != 0, err
}

// lstatMode is p's mode, not following a last symlink; 0 when p is
// missing.
func lstatMode(p string) (fs.FileMode, error) {
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("lstat %s: %w", p, err)
	}
	return st.Mode(), nil
}
