package cmdexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"rcjail/compat"
	"rcjail/compat/state"
	"rcjail/mount"
)

// DefaultTimeout bounds every command. jail(8) runs the jail's /etc/rc
// before it returns, so the limit is generous.
const DefaultTimeout = 5 * time.Minute

// Executor runs each step as an external program. The zero value is not
// usable; use [New].
type Executor struct {
	// Root is the -R root state files are resolved under ("/" in production).
	Root string
	// Timeout bounds each command; zero means DefaultTimeout.
	Timeout time.Duration
	// Env is the environment of every command (nil: the process's).
	Env []string
	// HookStdout and HookStderr receive what host hooks and jexec'd
	// afterstart commands print on their stdout and stderr: the script's
	// own stdout and stderr, as the 8.x script's hooks inherit them
	// (compat.Executor.SetHookOutput; nil: discarded).
	HookStdout, HookStderr io.Writer
	// LockWait is how long LockJail waits for another rcjail's lock on a
	// jail; zero means DefaultLockWait.
	LockWait time.Duration

	locks map[string]func() error // LockJail's: each removes the lock file and releases the lock
}

// DefaultLockWait bounds the wait for another rcjail working on a jail.
const DefaultLockWait = 5 * time.Minute

// LockJail takes the jail's exclusive lock in the state directory
// (package state: <root>/var/run/rcjail/<key>.lock) and keeps it until
// Close (which removes the file) or the end of the process (SPEC §3.7): two
// rcjail processes never start or stop the same jail at once, so neither
// sees the other's half-done mounts. The native backend takes the same
// lock file, so the two backends exclude each other. The directory is made
// 0700 and must be ours; it is a root-owned host path and may be reached
// through a symlink (SPEC §3.8); the lock file itself is opened without
// following one, so a planted link cannot make rcjail create or lock
// another file.
func (x *Executor) LockJail(ctx context.Context, j string) error {
	if _, held := x.locks[j]; held {
		return nil
	}
	if j == "" {
		return fmt.Errorf("lock jail %q: not a jail name", j)
	}
	wait := x.LockWait
	if wait <= 0 {
		wait = DefaultLockWait
	}
	unlock, err := lockJail(ctx, x.Root, j, wait)
	if err != nil {
		return err // names the jail
	}
	if x.locks == nil {
		x.locks = map[string]func() error{}
	}
	x.locks[j] = unlock
	return nil
}

// Close releases the jail locks, removing each lock file while it is still
// held (locks exist only while held; see state.Lock).
func (x *Executor) Close() error {
	var errs []error
	for j, unlock := range x.locks {
		if err := unlock(); err != nil {
			errs = append(errs, fmt.Errorf("unlock jail %s: %w", j, err))
		}
		delete(x.locks, j)
	}
	return errors.Join(errs...)
}

var (
	_ compat.Executor = (*Executor)(nil)
)

// New returns a command backend for the given -R root.
func New(root string) *Executor {
	if root == "" {
		root = "/"
	}
	return &Executor{Root: root}
}

func (x *Executor) resolve() compat.StateResolver { return compat.UnderRoot(x.Root) }

// state is the host path p under the root: /var/run, /var/log and the state
// directory may be symlinks (/var/run -> /run) and are followed inside the
// root (SPEC §3.8); the last component is left for the caller to open
// without following it. A path that cannot be resolved (a link loop) is
// joined as written, and the open that follows reports it.
func (x *Executor) state(p string) string { return state.HostPath(x.Root, p) }

// cmdError is a failed command: its argv, its exit status or start error,
// and the first line of what it printed.
type cmdError struct {
	argv []string
	out  string
	err  error
}

func (e *cmdError) Error() string {
	s := "run " + compat.QuoteArgv(e.argv) + ": " + e.err.Error()
	if e.out != "" {
		s += ": " + e.out
	}
	return s
}

func (e *cmdError) Unwrap() error { return e.err }

// command prepares argv with the time limit and process group.
func (x *Executor) command(ctx context.Context, argv []string) (*exec.Cmd, context.CancelFunc) {
	t := x.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = x.Env
	c.WaitDelay = time.Second
	setGroup(c)
	return c, cancel
}

// run runs argv with stdin from /dev/null and returns its stdout; stderr is
// kept for the error message.
func (x *Executor) run(ctx context.Context, argv []string) ([]byte, error) {
	c, cancel := x.command(ctx, argv)
	defer cancel()
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return out.Bytes(), &cmdError{argv: argv, out: firstLine(errb.String() + out.String()), err: err}
	}
	return out.Bytes(), nil
}

// SetHookOutput implements compat.Executor.SetHookOutput.
func (x *Executor) SetHookOutput(stdout, stderr io.Writer) {
	x.HookStdout, x.HookStderr = stdout, stderr
}

// runTo runs argv with its stdout going to stdout and its stderr to stderr.
func (x *Executor) runTo(ctx context.Context, argv []string, stdout, stderr io.Writer) error {
	c, cancel := x.command(ctx, argv)
	defer cancel()
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	c.Stdout, c.Stderr = stdout, stderr
	if err := c.Run(); err != nil {
		return &cmdError{argv: argv, err: err}
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func (x *Executor) steps(ctx context.Context, s compat.Step) error {
	for _, argv := range compat.StepArgv(s, x.resolve()) {
		if _, err := x.run(ctx, argv); err != nil {
			return err
		}
	}
	return nil
}

// ---- queries ----

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

// IsDir implements [compat.Executor]: lstat, a directory and not a
// symlink.
func (x *Executor) IsDir(_ context.Context, p string) (bool, error) {
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lstat %s: %w", p, err)
	}
	return st.Mode().IsDir(), nil
}

// IsSymlink lstats p.
func (x *Executor) IsSymlink(_ context.Context, p string) (bool, error) {
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lstat %s: %w", p, err)
	}
	return st.Mode()&fs.ModeSymlink != 0, nil
}

// ---- path checks ----

// culprit says what is wrong with cur on the way to p, naming p only when
// cur is not p itself (issue 10 item 13: no path said twice).
func culprit(p, cur, what string) error {
	if cur == p {
		return fmt.Errorf("%s is %s", p, what)
	}
	return fmt.Errorf("check %s: %s is %s", p, cur, what)
}

// checkBelow walks p below root with package mount's no-follow walker
// and refuses a symlink or a non-directory on the way (SPEC §3.4: a jail's
// root user can plant a symlink to send a mount or a write onto the host).
// The last component is checked too when it exists. It reports whether the
// last component exists. root itself is the administrator's and may be
// reached through host symlinks (it is resolved first, as mount(8) and the
// script resolve it); the walk starts there.
func checkBelow(root, p string) (bool, error) {
	root, p = path.Clean(root), path.Clean(p)
	if !mount.Within(root, p) {
		return false, fmt.Errorf("check %s: not under the jail root %s", p, root)
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	if rel == "" {
		return true, nil
	}
	real, err := filepath.EvalSymlinks(root)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check %s: %w", p, err)
	}
	// The walker takes a root other than "/": below "/" the first
	// component serves (and is walked without following, as the rest).
	wroot := real
	if real == "/" {
		first, rest, _ := strings.Cut(rel, "/")
		wroot, rel = "/"+first, rest
		if rel == "" {
			rel = "."
		}
	}
	// at names a component as the configuration does, under root.
	at := func(c string) string {
		if c == real {
			return root
		}
		if real != "/" && strings.HasPrefix(c, real+"/") {
			return path.Join(root, strings.TrimPrefix(c, real+"/"))
		}
		return c
	}
	fi, err := mount.Resolve(wroot, rel)
	var w *mount.WalkError
	switch {
	case err == nil && !fi.IsDir():
		return false, culprit(p, p, "not a directory")
	case err == nil:
		return true, nil
	case errors.As(err, &w) && errors.Is(err, mount.ErrSymlink):
		return false, culprit(p, at(w.Path), "a symlink")
	case errors.As(err, &w) && errors.Is(err, syscall.ENOTDIR):
		return false, culprit(p, at(w.Path), "not a directory")
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("check %s: %w", p, err)
}

// ---- effects ----

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
// 0755, refusing symlinks, non-directories and existing mount points.
func (x *Executor) Mkdir(_ context.Context, s compat.Mkdir) (bool, error) {
	exists, err := checkMkdir(s)
	if err != nil || exists {
		return false, err
	}
	// Create one component at a time, re-checking each, so a symlink
	// planted meanwhile is not followed by a recursive mkdir.
	rel := strings.TrimPrefix(strings.TrimPrefix(path.Clean(s.Path), path.Clean(s.Root)), "/")
	cur := path.Clean(s.Root)
	for _, c := range strings.Split(rel, "/") {
		cur = path.Join(cur, c)
		err := os.Mkdir(cur, 0o755)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return false, fmt.Errorf("create mount point %s of jail %s: %w", cur, s.Jail, err)
		}
		st, err := os.Lstat(cur)
		if err != nil || !st.IsDir() || st.Mode()&fs.ModeSymlink != 0 {
			return false, fmt.Errorf("create mount point %s of jail %s: not a directory after mkdir", cur, s.Jail)
		}
	}
	return true, nil
}

// Rmdir removes a mount point Mkdir created: only an empty real directory.
func (x *Executor) Rmdir(_ context.Context, s compat.Rmdir) error {
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

func (x *Executor) Mount(ctx context.Context, s compat.Mount) error {
	exists, err := checkBelow(s.Root, s.Target)
	if err != nil {
		return fmt.Errorf("mount %s on %s for jail %s: %w", s.FSType, s.Target, s.Jail, err)
	}
	if !exists {
		return fmt.Errorf("mount %s on %s for jail %s: mount point does not exist", s.FSType, s.Target, s.Jail)
	}
	return x.steps(ctx, s)
}

func (x *Executor) Unmount(ctx context.Context, s compat.Unmount) error {
	return x.steps(ctx, s)
}

// FstabMount refuses the whole fstab when a mount point has a symlink in
// its path (the 8.x script mounted nothing from such an fstab either).
func (x *Executor) FstabMount(ctx context.Context, s compat.FstabMount) error {
	for _, e := range s.Entries {
		mp := path.Clean(e.MountPoint)
		if _, err := checkBelow("/", mp); err != nil {
			return fmt.Errorf("mount fstab %s for jail %s: line %d: %w", s.Fstab, s.Jail, e.Line, err)
		}
	}
	return x.steps(ctx, s)
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

func (x *Executor) JailConf(ctx context.Context, s compat.JailConf) error {
	return x.steps(ctx, s)
}

// Recorded implements [compat.Executor]: the command backend keeps no
// record (the script keeps none); a stop asks jls and the mount table.
func (x *Executor) Recorded(context.Context, string) (compat.Recorded, error) {
	return compat.Recorded{}, nil
}

// FinishStop implements [compat.Executor]: no record, nothing to finish.
func (x *Executor) FinishStop(context.Context, string) error { return nil }
