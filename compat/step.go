package compat

import "rcjail/mount"

// Steps are plain data: one value per effect the 8.x script has on the host.
// Planning ([Build]) produces them, the runner hands them to an [Executor],
// and only executors act. Every path in a step is clean and absolute
// ("/jails/www/bin", never "//bin"), and names the file the way the script
// names it on the host; state files (the id file, the console log, fstab,
// jail.conf) are resolved under the executor's -R root by the executor, while
// paths inside jails (rootdir, skel_root, mount sources and targets) are used
// as written.
//
// Each step knows its undo ([Step.Undo]), so that a start that fails at step
// k can be rolled back by undoing steps k-1..1 in reverse (SPEC §3.3).

// Step is one planned effect.
type Step interface {
	// Undo returns the steps that reverse this one, in the order they must
	// run, or nil when the step leaves nothing to undo (a host hook, a sysctl
	// of the host-wide block, a devfs rule load).
	Undo() []Step
	// Jail names the jail the step belongs to ("" for host-wide steps).
	JailName() string
}

// SysctlSet sets one host-wide sysctl of the "Configuring jails:" block
// (command backend: `sysctl MIB=VALUE`). No undo: the script never restores
// them.
type SysctlSet struct {
	MIB   string // "security.jail.set_hostname_allowed"
	Value string // "0" or "1"
}

// AliasAdd adds an address to an interface (command backend:
// `ifconfig IF inet ADDR/LEN alias`; native Linux: an address on a link).
// Undo: [AliasRemove].
type AliasAdd struct {
	Jail string
	Addr Addr // Addr.Iface is never empty in a planned step
}

// AliasRemove removes an address added by [AliasAdd] (command backend:
// `ifconfig IF inet ADDR -alias`).
type AliasRemove struct {
	Jail string
	Addr Addr
}

// Mkdir makes sure a mount point exists under a jail root (SPEC §4.2).
// Contract for executors: Path must lie strictly below Root; every component
// below Root is checked without following symlinks; a missing final
// directory (and missing parents) are created with mode 0755; an existing
// symlink, non-directory, or a Path that is already a mount point refuses
// with an error. The executor reports whether it created the final
// directory; the runner then records an [Rmdir] as the undo (only for
// directories it created).
type Mkdir struct {
	Jail string
	Root string // the jail's rootdir: the walk starts here
	Path string // the mount point, clean, under Root
}

// Rmdir removes a mount point directory that [Mkdir] created, only if it is
// an empty directory and not a symlink.
type Rmdir struct {
	Jail string
	Root string
	Path string
}

// FS types a [Mount] may name. They are FreeBSD's names; a backend maps
// them (Linux native: nullfs → bind mount, devfs → tmpfs, procfs → proc,
// fdescfs → a bind of /proc/self/fd or whatever the backend documents).
const (
	FSNullfs  = "nullfs"
	FSDevfs   = "devfs"
	FSFdescfs = "fdescfs"
	FSProcfs  = "procfs"
)

// Mount mounts one filesystem (command backend: `mount_nullfs [-o ro] SRC
// DST`, `mount -t devfs dev DIR`, `mount -t fdescfs fdesc DIR`, `mount -t
// procfs proc DIR`). Root is the jail root the target must stay under; the
// executor refuses a target with a symlink in any component below Root
// (SPEC §3.4). Undo: [Unmount] of Target with FSType.
type Mount struct {
	Jail   string
	FSType string // FSNullfs, FSDevfs, FSFdescfs, FSProcfs
	Source string // nullfs: the directory mounted; others: ""
	// SourceRoot (a skeleton entry's mount only) is skel_root, the tree
	// Source lies in: the planner knows it, so no host has to recover it
	// from Source. A host may follow relative symlinks inside it (a
	// host-"/" skeleton on a merged-/usr system has bin -> usr/bin), never
	// out of it. "" for every other mount: no symlink in Source at all.
	SourceRoot string
	Target     string
	ReadOnly   bool
	Root       string
	// DevfsRuleset (devfs only; 0: none) is the jail's ruleset. The
	// native backend mounts devfs with it (nmount's "ruleset" option, as
	// jail(8) does), so /dev is never visible unfiltered; the command
	// backend mounts plainly and runs devfs(8) as the script does (the
	// [DevfsRuleset] step that follows).
	DevfsRuleset int
}

// Unmount unmounts Target. The runner asks [Executor.Mounted] first and
// plans this step only for what is really mounted there with FSType (SPEC
// §3.5); executors unmount by force as the script does (`umount -f DIR`).
type Unmount struct {
	Jail   string
	FSType string // "" when any type is acceptable (fstab entries)
	Target string
	Root   string

	// Expect, set only by the engine from its record (never by the
	// planner: the runner adds it to a planned unmount whose target the
	// record names, and to its cleanup of what the record still lists),
	// names the very mount to undo (Target and Root equal to the step's):
	// the host unmounts that mount and nothing else. Native: with a kernel
	// identity (ID or UniqueID) the mount is found wherever it is now (a
	// directory above it renamed, inside the jail root or out of it) and
	// unmounted there, the move reported as a warning; without one (an
	// intent never confirmed) only the one mount exactly at Target, of
	// FSType and Source, strictly below Root is taken. Command backend:
	// the mount point checked (below Root, no symlink on the way), then
	// [Executor.Mounted](Target, FSType), then its usual `umount -f`.
	// Nothing there: an error wrapping [ErrNotMounted]; something else
	// there (another type or source, stacked mounts, a reused id, a
	// Target not below Root, a symlink on the way): an error wrapping
	// [ErrNotOurs], and nothing is touched. With Expect nil a missing
	// mount is success, as before.
	Expect *MountID
}

// MountID is a mount a host made, as the kernel knows it: what the engine
// records after a [Mount] or [FstabMount] ([Result.Mounts]) and hands back
// in [Unmount.Expect].
type MountID struct {
	Target string // absolute mount point where it was made
	FSType string // as the step named it: nullfs, devfs, procfs, tmpfs …
	Source string // nullfs: the directory mounted; "" otherwise
	Root   string // the jail root it was made strictly below
	// ID is the kernel's mount id (Linux: mountinfo's first field, reused
	// after an unmount; FreeBSD: the fsid packed as in mount.Mounted.ID);
	// 0 when not known (an intent journaled before the mount call).
	ID uint64
	// UniqueID is Linux's never-reused mount id (6.8+); 0 where none.
	UniqueID uint64
}

// ErrNotMounted (the mount package's own sentinel) means an [Unmount]
// with an Expect found no such mount: the engine forgets it.
var ErrNotMounted = mount.ErrNotMounted

// ErrNotOurs (the mount package's own sentinel) means an [Unmount] with
// an Expect found another mount where it looked: nothing was unmounted,
// and the engine reports it.
var ErrNotOurs = mount.ErrNotOurs

// FstabMount mounts every entry of a jail's fstab (command backend: `mount -a
// -F FSTAB`, FSTAB resolved under the -R root). Undo: an [Unmount] per entry
// in reverse file order.
type FstabMount struct {
	Jail    string
	Fstab   string
	Entries []FstabEntry
	Root    string
}

// [DevfsRule] (declared with the configuration) is also a step: it loads
// one devfs rule (command backend: `devfs rule -s N ARGS…`). The runner
// loads the rulesets at most once per run, before the first devfs mount, as
// rc.subr does.

// DevfsRuleset makes ruleset N the ruleset of the devfs mounted on Dir
// (command backend: `devfs -m DIR ruleset N`).
type DevfsRuleset struct {
	Jail    string
	Dir     string
	Ruleset int
}

// DevfsApply applies the current ruleset of the devfs on Dir (command
// backend: `devfs -m DIR rule applyset`).
type DevfsApply struct {
	Jail string
	Dir  string
}

// Symlink creates the link Path -> Target (command backend: `ln -sf TARGET
// PATH`), used for <rootdir>/dev/log -> ../var/run/log. The runner plans it
// only when Path is not already a symlink ([Executor.IsSymlink]). No undo:
// the link lives on the devfs that is unmounted anyway.
type Symlink struct {
	Jail   string
	Target string
	Path   string
}

// CheckLink verifies, without following it, that Path is a symlink whose
// text is exactly Target (skel_mode=symlink, SPEC §4.3). It changes nothing;
// the executor returns an error naming Path, the text found and the text
// wanted.
type CheckLink struct {
	Jail   string
	Root   string
	Path   string
	Target string
}

// Exec runs a host hook (exec_prestart<N>, exec_poststart<N>,
// exec_prestop<N>, exec_poststop<N>) as an argv, never through a shell.
type Exec struct {
	Jail string
	Var  string // "exec_prestart0": for messages
	Argv []string
}

// Skip stands where a devfs, fdescfs or procfs mount would be when the 8.x
// script would not mount it (see [StartFacts]). It is not an effect: the
// runner prints Info (rc.subr's info line, "" for none) when rc_info is on
// and Warn on stderr, and hands nothing to the executor.
type Skip struct {
	Jail   string
	FSType string
	Target string
	Info   string
	Warn   string
}

// StartJail creates and starts the jail (command backend: `[setfib -F FIB]
// jail FLAGS… -i ROOT HOSTNAME IPS COMMAND…`). The executor returns the jid
// (jail(8)'s first output line; Linux native: the pid of the jail's init)
// and the rest of the output, which the runner writes to the console log.
// Undo: [KillJail] of the jid the runner got back.
type StartJail struct {
	Jail     string
	J        string // _j, the jail(8) name
	Fib      string // "" for none
	Flags    []string
	Root     string
	Hostname string
	IPs      []string // addresses alone, joined with "," on jail(8)'s line
	Command  []string
	// Params are the modern script's jail(8) parameters (Jail.Params).
	// When there are any, jail(8) is run in its parameter form:
	// `jail FLAGS… -i -c name=J path=ROOT host.hostname=H ip4.addr=…
	// ip6.addr=… PARAMS… command=COMMAND…`.
	Params []string
	// IDFile is the id file the runner writes once the jail runs (host
	// path): a host that records the jail keeps it with the jid, so that
	// a stop by another spelling of the jail's name (one jail, one
	// record) removes it too. Not part of jail(8)'s command line.
	IDFile string

	// Created, set by the runner (never by a plan; nil: nothing to call),
	// is called by the host with the jail's jid the moment the jail
	// exists, before its start command runs (native Linux: from
	// linuxjail's Spec.Created), so that the jail is journaled even when
	// rcjail is killed during its start command. An error aborts the
	// start: the host removes the jail it made and StartJail fails with
	// it. A host that learns the jid only after the start command ran
	// (the command backend: jail(8) runs it) never calls Created; the
	// runner then journals the jid StartJail returns.
	Created func(jid string) error `json:"-"`
}

// Jexec runs a command inside a running jail. Afterstart commands run as
// `jexec JID CMD…` with their output discarded; the stop command runs as
// `env -i /usr/sbin/jexec JID CMD…` (CleanEnv) with stdout and stderr
// appended to AppendLog, a host path opened without following symlinks.
type Jexec struct {
	Jail      string
	JID       string // filled in by the runner when planned before the jail ran
	Argv      []string
	CleanEnv  bool
	AppendLog string // "" : the output goes to the hooks' stdout and stderr ([Executor.SetHookOutput])
}

// KillJail kills every process of the jail (command backend: `killall -j JID
// -TERM`, `sleep 1`, `killall -j JID -KILL`).
type KillJail struct {
	Jail string
	JID  string
}

// WriteFile writes a host state file (the id file, the console log) under
// the -R root, opened without following a symlink in its last component,
// mode 0600 when created. Append adds instead of truncating. Undo (id file
// only): [RemoveFile].
type WriteFile struct {
	Jail   string
	Path   string
	Data   []byte
	Append bool
	IDFile bool // the undo removes the file
}

// RemoveFile removes a host state file under the -R root; a missing file is
// not an error.
type RemoveFile struct {
	Jail string
	Path string
}

// JailConf starts or stops a jail defined in a jail.conf file instead of
// rc.conf (command backend: `jail -f FILE -c NAME` / `jail -f FILE -r NAME`).
// Undo of a start: the matching stop.
type JailConf struct {
	Jail   string
	File   string
	J      string
	Remove bool
}

func (SysctlSet) JailName() string      { return "" }
func (s AliasAdd) JailName() string     { return s.Jail }
func (s AliasRemove) JailName() string  { return s.Jail }
func (s Mkdir) JailName() string        { return s.Jail }
func (s Rmdir) JailName() string        { return s.Jail }
func (s Mount) JailName() string        { return s.Jail }
func (s Unmount) JailName() string      { return s.Jail }
func (s FstabMount) JailName() string   { return s.Jail }
func (DevfsRule) JailName() string      { return "" }
func (s DevfsRuleset) JailName() string { return s.Jail }
func (s DevfsApply) JailName() string   { return s.Jail }
func (s Symlink) JailName() string      { return s.Jail }
func (s CheckLink) JailName() string    { return s.Jail }
func (s Exec) JailName() string         { return s.Jail }
func (s StartJail) JailName() string    { return s.Jail }
func (s Skip) JailName() string         { return s.Jail }
func (s Jexec) JailName() string        { return s.Jail }
func (s KillJail) JailName() string     { return s.Jail }
func (s WriteFile) JailName() string    { return s.Jail }
func (s RemoveFile) JailName() string   { return s.Jail }
func (s JailConf) JailName() string     { return s.Jail }

func (SysctlSet) Undo() []Step { return nil }
func (s AliasAdd) Undo() []Step {
	return []Step{AliasRemove(s)}
}
func (AliasRemove) Undo() []Step { return nil }

// Undo of a Mkdir depends on whether the executor created the directory;
// the runner records an Rmdir itself when it did.
func (Mkdir) Undo() []Step { return nil }
func (Rmdir) Undo() []Step { return nil }
func (s Mount) Undo() []Step {
	return []Step{Unmount{Jail: s.Jail, FSType: s.FSType, Target: s.Target, Root: s.Root}}
}
func (Unmount) Undo() []Step { return nil }
func (s FstabMount) Undo() []Step {
	out := make([]Step, 0, len(s.Entries))
	for i := len(s.Entries) - 1; i >= 0; i-- {
		out = append(out, Unmount{Jail: s.Jail, Target: s.Entries[i].MountPoint, Root: s.Root})
	}
	return out
}
func (DevfsRule) Undo() []Step    { return nil }
func (DevfsRuleset) Undo() []Step { return nil }
func (DevfsApply) Undo() []Step   { return nil }
func (Symlink) Undo() []Step      { return nil }
func (CheckLink) Undo() []Step    { return nil }
func (Exec) Undo() []Step         { return nil }
func (Skip) Undo() []Step         { return nil }

// Undo of StartJail needs the jid; the runner records a KillJail itself.
func (StartJail) Undo() []Step { return nil }
func (Jexec) Undo() []Step     { return nil }
func (KillJail) Undo() []Step  { return nil }
func (s WriteFile) Undo() []Step {
	if s.IDFile {
		return []Step{RemoveFile{Jail: s.Jail, Path: s.Path}}
	}
	return nil
}
func (RemoveFile) Undo() []Step { return nil }
func (s JailConf) Undo() []Step {
	if s.Remove {
		return nil
	}
	r := s
	r.Remove = true
	return []Step{r}
}
