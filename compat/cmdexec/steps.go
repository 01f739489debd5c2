package cmdexec

import (
	"bytes"
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
)

func (x *Executor) SysctlSet(ctx context.Context, s compat.SysctlSet) error {
	return x.steps(ctx, s)
}

func (x *Executor) AliasAdd(ctx context.Context, s compat.AliasAdd) error {
	return x.steps(ctx, s)
}

func (x *Executor) AliasRemove(ctx context.Context, s compat.AliasRemove) error {
	return x.steps(ctx, s)
}

// checkMkdir is Mkdir's checks: no symlink or non-directory on the way
// below the root, and the mount point, when it exists, not already a mount
// point. exists says whether it does.
func checkMkdir(s compat.Mkdir) (exists bool, err error) {
	exists, err = checkBelow(s.Root, s.Path)
	if err != nil {
		return false, fmt.Errorf("mount point of jail %s: %w", s.Jail, err)
	}
	if exists && isMountPoint(s.Path) {
		return true, fmt.Errorf("mount point of jail %s: %s is already a mount point", s.Jail, s.Path)
	}
	return exists, nil
}

// CheckMkdir is Mkdir's checks alone, changing nothing (the dry run asks it).
func (x *Executor) CheckMkdir(_ context.Context, s compat.Mkdir) error {
	_, err := checkMkdir(s)
	return err
}

// Mkdir creates a missing mount point (and missing parents) with mode
// 0755, refusing symlinks, non-directories and existing mount points. It
// returns the directories it made, parents first.
func (x *Executor) Mkdir(_ context.Context, s compat.Mkdir) ([]string, error) {
	exists, err := checkMkdir(s)
	if err != nil || exists {
		return nil, err
	}
	// Create one component at a time, re-checking each, so a symlink
	// planted meanwhile is not followed by a recursive mkdir.
	rel := strings.TrimPrefix(strings.TrimPrefix(path.Clean(s.Path), path.Clean(s.Root)), "/")
	cur := path.Clean(s.Root)
	var made []string
	for _, c := range strings.Split(rel, "/") {
		cur = path.Join(cur, c)
		err := os.Mkdir(cur, 0o755)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return made, fmt.Errorf("create mount point %s of jail %s: %w", cur, s.Jail, err)
		}
		if err == nil {
			made = append(made, cur)
		}
		st, err := os.Lstat(cur)
		if err != nil || !st.IsDir() || st.Mode()&fs.ModeSymlink != 0 {
			return made, fmt.Errorf("create mount point %s of jail %s: not a directory after mkdir", cur, s.Jail)
		}
	}
	return made, nil
}

// Rmdir removes a mount point Mkdir created: only an empty real directory.
func (x *Executor) Rmdir(_ context.Context, s compat.Rmdir) error {
	// No symlink on the way below the root: a stop removes the mount
	// points its start made (the engine's record), and a jail's root user
	// may have replaced a parent with a link to a host directory.
	if _, err := checkBelow(s.Root, s.Path); err != nil {
		return fmt.Errorf("remove mount point %s of jail %s: %w", s.Path, s.Jail, err)
	}
	st, err := os.Lstat(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil || !st.IsDir() {
		return fmt.Errorf("remove mount point %s of jail %s: not a directory", s.Path, s.Jail)
	}
	if err := os.Remove(s.Path); err != nil {
		return fmt.Errorf("remove mount point %s of jail %s: %w", s.Path, s.Jail, err)
	}
	return nil
}

// Mount runs mount(8) for the step once its mount point is checked. The
// command backend cannot know the kernel's identity of what mount(8)
// made: it returns none.
func (x *Executor) Mount(ctx context.Context, s compat.Mount) ([]compat.MountID, error) {
	exists, err := checkBelow(s.Root, s.Target)
	if err != nil {
		return nil, fmt.Errorf("mount %s on %s for jail %s: %w", s.FSType, s.Target, s.Jail, err)
	}
	if !exists {
		return nil, fmt.Errorf("mount %s on %s for jail %s: mount point does not exist", s.FSType, s.Target, s.Jail)
	}
	return nil, x.steps(ctx, s)
}

// Unmount runs `umount -f TARGET`. With an Expect (the engine undoing a
// recorded mount) it first checks the recorded mount point and asks
// whether a filesystem of that type is mounted there (the script's
// is_current_mountpoint, `df`), and unmounts nothing when none is: that is
// reported as compat.ErrNotMounted. Without one no extra command runs: a
// planned unmount's trace is the script's.
func (x *Executor) Unmount(ctx context.Context, s compat.Unmount) error {
	if e := s.Expect; e != nil {
		// A recorded mount point lies strictly below its jail's root,
		// with no symlink on the way: the jail's root user may have
		// replaced a directory above it by a symlink to a host mount,
		// which umount(8) would follow. Anything else is not ours, and
		// nothing runs.
		if e.Target != s.Target || e.Root != s.Root || path.Clean(s.Target) == path.Clean(s.Root) {
			return fmt.Errorf("unmount %s of jail %s: expected mount %q (root %q) is not this step's: %w", s.Target, s.Jail, e.Target, e.Root, compat.ErrNotOurs)
		}
		exists, err := checkBelow(s.Root, s.Target)
		if err != nil {
			return fmt.Errorf("unmount %s of jail %s: %w: %w", s.Target, s.Jail, err, compat.ErrNotOurs)
		}
		if !exists {
			return fmt.Errorf("unmount %s of jail %s: no such directory: %w", s.Target, s.Jail, compat.ErrNotMounted)
		}
		there, err := x.Mounted(ctx, s.Target, e.FSType)
		if err != nil {
			return fmt.Errorf("unmount %s of jail %s: %w", s.Target, s.Jail, err)
		}
		if !there {
			fst := e.FSType
			if fst == "" {
				fst = "file system"
			}
			return fmt.Errorf("unmount %s of jail %s: no %s mounted there: %w", s.Target, s.Jail, fst, compat.ErrNotMounted)
		}
	}
	return x.steps(ctx, s)
}

// FstabMount refuses the whole fstab when a mount point has a symlink in
// its path (the 8.x script mounted nothing from such an fstab either). It
// returns no identities (see Mount).
func (x *Executor) FstabMount(ctx context.Context, s compat.FstabMount) ([]compat.MountID, error) {
	for _, e := range s.Entries {
		mp := path.Clean(e.MountPoint)
		if _, err := checkBelow("/", mp); err != nil {
			return nil, fmt.Errorf("mount fstab %s for jail %s: line %d: %w", s.Fstab, s.Jail, e.Line, err)
		}
	}
	return nil, x.steps(ctx, s)
}

func (x *Executor) DevfsRule(ctx context.Context, s compat.DevfsRule) error {
	return x.steps(ctx, s)
}

func (x *Executor) DevfsRuleset(ctx context.Context, s compat.DevfsRuleset) error {
	return x.steps(ctx, s)
}

func (x *Executor) DevfsApply(ctx context.Context, s compat.DevfsApply) error {
	return x.steps(ctx, s)
}

// Symlink runs `ln -sf` unless the link is already a symlink (the script's
// `[ ! -L ]`), after checking its directory has no symlink on the way.
func (x *Executor) Symlink(ctx context.Context, s compat.Symlink) error {
	if st, err := os.Lstat(s.Path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return nil
	}
	if _, err := checkBelow("/", path.Dir(s.Path)); err != nil {
		return fmt.Errorf("link %s for jail %s: %w", s.Path, s.Jail, err)
	}
	return x.steps(ctx, s)
}

// CheckLink verifies a symlink-mode entry without following it.
func (x *Executor) CheckLink(_ context.Context, s compat.CheckLink) error {
	if _, err := checkBelow(s.Root, path.Dir(s.Path)); err != nil {
		return fmt.Errorf("skeleton link of jail %s: %w", s.Jail, err)
	}
	got, err := os.Readlink(s.Path)
	if err != nil {
		return fmt.Errorf("skeleton link %s of jail %s: want a symlink to %s: %w", s.Path, s.Jail, s.Target, err)
	}
	if got != s.Target {
		return fmt.Errorf("skeleton link %s of jail %s: points to %q, want %q", s.Path, s.Jail, got, s.Target)
	}
	return nil
}

// Exec runs a host hook.
func (x *Executor) Exec(ctx context.Context, s compat.Exec) error {
	if len(s.Argv) == 0 {
		return nil
	}
	if err := x.runTo(ctx, s.Argv, x.HookStdout, x.HookStderr); err != nil {
		return fmt.Errorf("%s of jail %s: %w", s.Var, s.Jail, err)
	}
	return nil
}

// StartJail runs jail(8) with stdout and stderr captured together, as the
// script's `> tmp 2>&1`: the first line is the jid, the rest the console
// output.
func (x *Executor) StartJail(ctx context.Context, s compat.StartJail) (string, []byte, error) {
	argv := compat.JailArgv(s)
	c, cancel := x.command(ctx, argv)
	defer cancel()
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	err := c.Run()
	jid, rest := compat.SplitJailOutput(out.Bytes())
	if err != nil {
		return "", rest, fmt.Errorf("%w: %w: %s", compat.ErrJailFailed, err, jid)
	}
	jid = strings.TrimSpace(jid)
	if jid == "" || strings.ContainsAny(jid, " \t/") {
		return "", rest, fmt.Errorf("%w: no jid on the first line of its output: %q", compat.ErrJailFailed, jid)
	}
	return jid, rest, nil
}

// Jexec runs a command in the jail; the stop command's output is appended
// to the console log.
func (x *Executor) Jexec(ctx context.Context, s compat.Jexec) error {
	argv := compat.StepArgv(s, x.resolve())[0]
	w, ew := x.HookStdout, x.HookStderr
	if s.AppendLog != "" {
		f, err := state.Open(x.state(s.AppendLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600, state.Console)
		if err != nil {
			return fmt.Errorf("open console log of jail %s: %w", s.Jail, err)
		}
		defer f.Close()
		w, ew = f, f
	}
	if err := x.runTo(ctx, argv, w, ew); err != nil {
		return fmt.Errorf("jexec in jail %s: %w", s.Jail, err)
	}
	return nil
}

// KillJail runs killall -TERM, sleep 1, killall -KILL; killall's status is
// ignored as the script ignores it (it fails when nothing is left to kill).
func (x *Executor) KillJail(ctx context.Context, s compat.KillJail) error {
	for _, argv := range compat.StepArgv(s, x.resolve()) {
		_, err := x.run(ctx, argv)
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			return fmt.Errorf("kill jail %s: %w", s.Jail, err)
		}
	}
	return nil
}

func (x *Executor) JailConf(ctx context.Context, s compat.JailConf) error {
	return x.steps(ctx, s)
}
