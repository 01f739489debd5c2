package compat

import (
	"context"
	"errors"
	"fmt"
	"io"

	"rcjail/compat/fault"
)

// Executor is what every backend implements: the dry run ([DryRun]), the
// command backend (compat/cmdexec: each step as the external program the
// 8.x script runs) and the native backend (system calls). The interface is
// semantic, not FreeBSD-argv-shaped: a Linux backend maps nullfs to a bind
// mount, devfs to a tmpfs, and a jail to a namespaced process whose "jid" is
// its pid.
//
// Contract common to every method: paths are clean and absolute, as the
// script names them on the host; files that are rcjail's own state (id
// files, console logs, fstab, devfs.rules, jail.conf, /var/run/rcjail/) are
// resolved under the executor's -R root, paths of jail filesystems (rootdir,
// skel_root, mount sources and targets) are used as written. Errors name the
// operation, the object and the cause, and wrap the cause with %w. No method
// ever runs a shell.
//
// One interface: the state-file checks, the hooks' output, Close and the
// kernel queries (JailRoot, MountTable, JailsAt) are every host's (the dry
// run answers from its own facts). The jail's lock and its record are not
// a host's: the engine keeps them ([Records], journal.go) and hosts report
// what they did ([Result]).
type Executor interface {
	// ---- the run: checks, output, end (the jail's lock is the
	// engine's: [Records]) ----

	// CheckStateFile tells, before a start does anything, whether a state
	// file can be written: the console log (console true) may be a
	// regular file or a character device such as /dev/null, the id file
	// only a regular file, and either may be missing. A FIFO there would
	// hang the write, a symlink is never followed (SPEC §3.4): such a file
	// refuses the jail before it is created, not after.
	CheckStateFile(ctx context.Context, path string, console bool) error

	// IsDir reports, without following a symlink in the last component,
	// whether path is a directory. The runner asks it about the devfs,
	// fdescfs and procfs mount points, which the 8.x script never creates
	// (SPEC §0).
	IsDir(ctx context.Context, path string) (bool, error)

	// SetHookOutput hands the host the runner's stdout and stderr before
	// each jail's start or stop (in a parallel start, that jail's
	// buffers), for the hooks it runs. The 8.x script runs
	// exec_prestart*, exec_afterstart* (through jexec), exec_poststart*,
	// exec_prestop* and exec_poststop* in its own shell with stdout and
	// stderr inherited, so a hook's output lands on the script's stdout
	// where the hook ran: in the middle of "Starting jails:", before the
	// jail's " hostname" for prestart, afterstart and prestop, after it
	// for poststart and poststop.
	SetHookOutput(stdout, stderr io.Writer)

	// Close ends the run: the host releases what it holds (the native
	// host: its state directory). The engine's locks and records are
	// released after it ([Records.Close]).
	Close() error

	// ---- the modern script's jail.conf path (all.go); a host without
	// jail(8) (native Linux) fails them ----

	// JailConfAll runs the step and returns jail(8)'s combined output.
	JailConfAll(ctx context.Context, s JailConfAll) ([]byte, error)
	// ListJails lists the running jails (`jls jid name`).
	ListJails(ctx context.Context) ([]RunningJail, error)
	// StillRunning reports whether j, listed by ListJails, still runs
	// after its removal: the command backend asks `jls -j NAME` as the
	// modern script does, the native host by j's jid (its jid queries
	// take no names).
	StillRunning(ctx context.Context, j RunningJail) (bool, error)

	// ---- queries: they change nothing ----

	// SysctlGet returns the current value of a sysctl (command backend:
	// `sysctl -n MIB`). An unknown MIB is an error.
	SysctlGet(ctx context.Context, mib string) (string, error)

	// Mounted reports whether a filesystem is mounted exactly on dir (dir is
	// itself the mount point, after cleaning), of type fstype when fstype is
	// not empty (command backend: `df DIR` / `df -t FSTYPE DIR` and a
	// comparison of the mount-point column, as the script's
	// is_current_mountpoint does). A dir that does not exist is not mounted
	// (false, nil).
	Mounted(ctx context.Context, dir, fstype string) (bool, error)

	// JailRunning reports whether a jail with this jid exists now (command
	// backend: `jls -j JID`, true when it exits 0). root, when not empty,
	// is the root the runner configured or recorded for the jail: a host
	// that can ask the kernel for the jail's root (native) says false when
	// jid runs under another root, so that a stale id file naming a
	// recycled jid never makes rcjail act on another jail (issue 12 item
	// 6). The command backend asks `jls -j JID` as the script does.
	JailRunning(ctx context.Context, jid, root string) (bool, error)

	// JailRoot returns the root directory of the running jail jid
	// (command backend: `jls -j JID path`; native Linux: the root of
	// the jail's init).
	JailRoot(ctx context.Context, jid string) (string, error)

	// MountTable returns the kernel's mount table in mount order
	// (command backend: `mount -p`). Types are the names a step uses
	// (nullfs, devfs, procfs, …) where the host can tell them for sure;
	// native Linux names only proc (procfs) and a bind of a directory
	// (nullfs) so, and leaves every other mount under its kernel name
	// (tmpfs, ext4, …), which a stop never sweeps.
	MountTable(ctx context.Context) ([]MountEntry, error)

	// JailsAt returns the jids of the running jails whose root is root
	// and that no id file names (another jail sharing the root, as the
	// script allows, owns those): a stop without an id file (rcjail
	// killed between jail(8) and the id file, or the file removed) finds
	// the jail there, since stop always stops (SPEC §3.5) and the mounts
	// of a running jail are never pulled from under it. Command backend:
	// `jls jid path`.
	JailsAt(ctx context.Context, root string) (jids []string, err error)

	// ReadIDFile reads a jail's id file (path as the host names it,
	// "/var/run/jail_www.id", resolved under the root). ok is false when it
	// does not exist or is not a regular file; jid is its first line.
	ReadIDFile(ctx context.Context, path string) (jid string, ok bool, err error)

	// IsSymlink reports whether path (host path inside a jail root) is a
	// symlink, without following it.
	IsSymlink(ctx context.Context, path string) (bool, error)

	// ---- effects: each takes its step; see the step types for the exact
	// contract and the command the command backend runs ----

	SysctlSet(ctx context.Context, s SysctlSet) error
	AliasAdd(ctx context.Context, s AliasAdd) error
	AliasRemove(ctx context.Context, s AliasRemove) error
	// Mkdir returns every directory it made, parents first (s.Path last
	// when it made it), also on error: what it made before failing.
	Mkdir(ctx context.Context, s Mkdir) (dirs []string, err error)
	Rmdir(ctx context.Context, s Rmdir) error
	// Mount and FstabMount return the kernel's identity of each mount
	// they made (none for a host that cannot know it: the command
	// backend; none for a mount a host stands in for without mounting:
	// Linux fdescfs).
	Mount(ctx context.Context, s Mount) ([]MountID, error)
	Unmount(ctx context.Context, s Unmount) error
	FstabMount(ctx context.Context, s FstabMount) ([]MountID, error)
	DevfsRule(ctx context.Context, s DevfsRule) error
	DevfsRuleset(ctx context.Context, s DevfsRuleset) error
	DevfsApply(ctx context.Context, s DevfsApply) error
	Symlink(ctx context.Context, s Symlink) error
	CheckLink(ctx context.Context, s CheckLink) error
	Exec(ctx context.Context, s Exec) error
	// StartJail returns the jid and the rest of jail(8)'s output (for the
	// console log). On failure it returns the output lines after the first
	// (what the script prints after ` cannot start jail "x": `) with the
	// error.
	StartJail(ctx context.Context, s StartJail) (jid string, output []byte, err error)
	Jexec(ctx context.Context, s Jexec) error
	KillJail(ctx context.Context, s KillJail) error
	WriteFile(ctx context.Context, s WriteFile) error
	RemoveFile(ctx context.Context, s RemoveFile) error
	JailConf(ctx context.Context, s JailConf) error
}

// ErrAliasPresent is wrapped by a host's AliasAdd that found the address
// already on the interface and left it alone (the native host): the engine
// records nothing, the start goes on, and no stop removes the address.
var ErrAliasPresent = errors.New("the address is already there")

// Result is what applying one step produced, for the runner's bookkeeping.
type Result struct {
	Created bool      // Mkdir made the directory s.Path itself
	Dirs    []string  // Mkdir: every directory made, parents first (also on error)
	Mounts  []MountID // Mount, FstabMount: each mount made, with its kernel identity
	JID     string    // StartJail
	Output  []byte    // StartJail: console output (or failure text)
}

// Apply hands one step to the executor method that implements it.
//
// Each step is a pair of crash points of the rcjailfault test seam.
func Apply(ctx context.Context, x Executor, s Step) (Result, error) {
	if fault.Enabled {
		what := fmt.Sprintf("%T", s)
		fault.Before(what)
		defer fault.After(what)
	}
	var r Result
	var err error
	switch s := s.(type) {
	case SysctlSet:
		err = x.SysctlSet(ctx, s)
	case AliasAdd:
		err = x.AliasAdd(ctx, s)
	case AliasRemove:
		err = x.AliasRemove(ctx, s)
	case Mkdir:
		r.Dirs, err = x.Mkdir(ctx, s)
		r.Created = len(r.Dirs) > 0 && r.Dirs[len(r.Dirs)-1] == s.Path
	case Rmdir:
		err = x.Rmdir(ctx, s)
	case Mount:
		r.Mounts, err = x.Mount(ctx, s)
	case Unmount:
		err = x.Unmount(ctx, s)
	case FstabMount:
		r.Mounts, err = x.FstabMount(ctx, s)
	case DevfsRule:
		err = x.DevfsRule(ctx, s)
	case DevfsRuleset:
		err = x.DevfsRuleset(ctx, s)
	case DevfsApply:
		err = x.DevfsApply(ctx, s)
	case Symlink:
		err = x.Symlink(ctx, s)
	case CheckLink:
		err = x.CheckLink(ctx, s)
	case Exec:
		err = x.Exec(ctx, s)
	case StartJail:
		r.JID, r.Output, err = x.StartJail(ctx, s)
	case Jexec:
		err = x.Jexec(ctx, s)
	case KillJail:
		err = x.KillJail(ctx, s)
	case WriteFile:
		err = x.WriteFile(ctx, s)
	case RemoveFile:
		err = x.RemoveFile(ctx, s)
	case JailConf:
		err = x.JailConf(ctx, s)
	default:
		err = fmt.Errorf("apply %T: unknown step type", s)
	}
	return r, err
}
