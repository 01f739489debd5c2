package compat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Querier is the read-only half of an [Executor].
type Querier interface {
	SysctlGet(ctx context.Context, mib string) (string, error)
	Mounted(ctx context.Context, dir, fstype string) (bool, error)
	JailRunning(ctx context.Context, jid, root string) (bool, error)
	ReadIDFile(ctx context.Context, path string) (jid string, ok bool, err error)
	IsSymlink(ctx context.Context, path string) (bool, error)
}

// DryJID is the jid a dry run's jail(8) "returns"; it prints as '$jid'.
const DryJID = "$jid"

// FileQuerier is what a dry run may ask the host: questions that reading
// files answers (an id file, whether a path is a symlink). Nothing of it
// runs a program or asks the kernel (issue 16 item 7: -n queries no state
// beyond reading files).
type FileQuerier interface {
	ReadIDFile(ctx context.Context, path string) (jid string, ok bool, err error)
	IsSymlink(ctx context.Context, path string) (bool, error)
}

// BootSysctls are the values FreeBSD's kernel boots with for the knobs of
// the "Configuring jails:" block: what a dry run answers for `sysctl -n`,
// as rc.d/jail start meets them at boot.
var BootSysctls = map[string]string{
	"security.jail.set_hostname_allowed":    "1",
	"security.jail.socket_unixiproute_only": "1",
	"security.jail.sysvipc_allowed":         "0",
}

// DryRun is the `-n` executor: it prints, one per line and quoted for sh,
// every command the command backend would run, and changes nothing.
//
// Queries are printed too (`sysctl -n MIB`, `df DIR`, `jls -j JID`,
// `jls jid path`, `mount -p`), as commands start would run, but none of
// them runs, with either backend: a dry run reads files and nothing else
// (Q, which only reads files), so the default backend's `-n` and
// `-b command -n` print the same plan. The answers are those of a freshly
// booted host as its files describe it:
//
//   - `sysctl -n MIB` answers Sysctls[MIB] (the caller passes
//     [BootSysctls]); an unknown MIB answers "", so its set is shown;
//   - a jail runs when its id file names a jid (the id file is the record
//     that start wrote; a stale one after a crash is not told apart, since
//     that takes the kernel), and its root is its configured root (Roots);
//   - a jail that runs has its mounts mounted: a guarded unmount of its
//     stop is shown; nothing else is mounted, and no jail runs that no id
//     file names (`jls jid path` finds none, `mount -p` lists nothing).
//
// Steps that are not commands (writing the id file or the console log)
// print nothing; a missing mount point shows as the `mkdir` start does.
// jail(8) "returns" the jid [DryJID]. What the dry run "did" is remembered
// and answers later queries of the same run (restart, rollback). What it
// cannot foresee is a command failing: a failed mount or jail(8) shows only
// in a real run.
type DryRun struct {
	W       io.Writer
	Q       FileQuerier
	Resolve StateResolver
	Sysctls map[string]string // answers for SysctlGet: [BootSysctls], or the wanted values
	// Roots maps an id file's path to its jail's root directory: a jid
	// read from that file runs there (`jls -j JID path`), and the mounts
	// under it are those of a running jail.
	Roots map[string]string
	err   error

	// The dry run's own effects, laid over Q's answers, so that a later
	// query in the same run (restart's start after its stop, a rollback's
	// `df` before `umount`) answers as after a real run.
	mounted   map[string]string // target → fstype mounted by this run
	unmounted map[string]bool
	killed    map[string]bool
	written   map[string]string // id files written: path → jid
	removed   map[string]bool
	hooked    map[string]bool   // jails whose hooks ran before their start
	made      map[string]bool   // mount points this dry run "created"
	jidRoot   map[string]string // jid read from an id file → its jail's root
	stopped   map[string]bool   // roots of jails this run killed
}

func (d *DryRun) init() {
	if d.mounted == nil {
		d.mounted = map[string]string{}
		d.unmounted = map[string]bool{}
		d.killed = map[string]bool{}
		d.written = map[string]string{}
		d.removed = map[string]bool{}
		d.hooked = map[string]bool{}
		d.made = map[string]bool{}
		d.jidRoot = map[string]string{}
		d.stopped = map[string]bool{}
	}
}

var _ Executor = (*DryRun)(nil)

// Err returns the first error writing to W.
func (d *DryRun) Err() error { return d.err }

// QuoteArgv renders argv as one sh command line.
func QuoteArgv(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		q, err := syntax.Quote(a, syntax.LangPOSIX)
		if err != nil {
			// Quote refuses only bytes no POSIX sh literal can hold
			// (invalid UTF-8 or NUL); show them Go-quoted instead of
			// pretending the line is runnable.
			q = fmt.Sprintf("%q", a)
		}
		b.WriteString(q)
	}
	return b.String()
}

func (d *DryRun) print(argv []string) {
	if d.err != nil {
		return
	}
	_, d.err = io.WriteString(d.W, QuoteArgv(argv)+"\n")
}

func (d *DryRun) step(s Step) error {
	for _, argv := range StepArgv(s, d.Resolve) {
		d.print(argv)
	}
	return nil
}

func (d *DryRun) SysctlGet(ctx context.Context, mib string) (string, error) {
	d.print(SysctlGetArgv(mib))
	return d.Sysctls[mib], nil
}

func (d *DryRun) Mounted(ctx context.Context, dir, fstype string) (bool, error) {
	d.print(MountedArgv(dir, fstype))
	d.init()
	if t, ok := d.mounted[dir]; ok {
		return fstype == "" || fstype == t, nil
	}
	if d.unmounted[dir] {
		return false, nil
	}
	// The mounts of a jail this run stopped (its id file said it runs)
	// are mounted; nothing else is.
	for root := range d.stopped {
		if root != "/" && strings.HasPrefix(dir, strings.TrimSuffix(root, "/")+"/") {
			return true, nil
		}
	}
	return false, nil
}

func (d *DryRun) JailRunning(ctx context.Context, jid, _ string) (bool, error) {
	d.print(JailRunningArgv(jid))
	d.init()
	if d.killed[jid] {
		return false, nil
	}
	if jid == DryJID {
		// A jail this dry run started runs ("www www" in jail_list: the
		// second start finds it running, as the real run does), and Q
		// must not be asked about a jid that is not a number.
		return true, nil
	}
	// Only an id file (a file read) names a jid: it records a jail that
	// runs.
	_, named := d.jidRoot[jid]
	return named, nil
}

func (d *DryRun) ReadIDFile(ctx context.Context, path string) (string, bool, error) {
	d.init()
	if jid, ok := d.written[path]; ok {
		return jid, true, nil
	}
	if d.removed[path] {
		return "", false, nil
	}
	if d.Q == nil {
		return "", false, nil
	}
	jid, ok, err := d.Q.ReadIDFile(ctx, path)
	if err == nil && ok && jid != "" {
		d.jidRoot[jid] = d.Roots[path]
	}
	return jid, ok, err
}

func (d *DryRun) IsSymlink(ctx context.Context, path string) (bool, error) {
	if d.Q != nil {
		return d.Q.IsSymlink(ctx, path)
	}
	return false, nil
}

// IsDir asks Q when it can; a clean host has every mount point.
func (d *DryRun) IsDir(ctx context.Context, path string) (bool, error) {
	if q, ok := d.Q.(interface {
		IsDir(ctx context.Context, path string) (bool, error)
	}); ok {
		return q.IsDir(ctx, path)
	}
	return true, nil
}

func (d *DryRun) SysctlSet(_ context.Context, s SysctlSet) error     { return d.step(s) }
func (d *DryRun) AliasAdd(_ context.Context, s AliasAdd) error       { return d.step(s) }
func (d *DryRun) AliasRemove(_ context.Context, s AliasRemove) error { return d.step(s) }

// Mkdir asks Q to check the mount point when Q can (read-only), so that a
// refused mount point refuses the dry run too. A mount point that does not
// exist on this host is shown as the `mkdir -m 0755 DIR` start would do
// (each missing component, parents first; the backends make them without a
// program, so a real run's command trace has no such line).
func (d *DryRun) Mkdir(ctx context.Context, s Mkdir) ([]string, error) {
	if c, ok := d.Q.(interface {
		CheckMkdir(context.Context, Mkdir) error
	}); ok {
		if err := dryCheck(c.CheckMkdir(ctx, s)); err != nil {
			return nil, err
		}
	}
	if d.Q == nil {
		return nil, nil // a clean host has every mount point
	}
	d.init()
	if _, err := os.Lstat(s.Root); err != nil {
		return nil, nil // the start fails at jail(8) (see StartJail)
	}
	rel, ok := strings.CutPrefix(s.Path, strings.TrimSuffix(s.Root, "/")+"/")
	if !ok {
		return nil, nil // not under the root: the executor refuses it
	}
	cur := s.Root
	for _, c := range strings.Split(rel, "/") {
		if c == "" || c == "." {
			continue
		}
		cur = path.Join(cur, c)
		if d.made[cur] {
			continue
		}
		if _, err := os.Lstat(cur); errors.Is(err, fs.ErrNotExist) {
			d.made[cur] = true
			d.print([]string{"mkdir", "-m", "0755", cur})
		}
	}
	return nil, nil
}

// dryCheck keeps a check's verdict, except that a path that does not exist
// yet is taken as the clean state a prepared jail will have (`rcjail -n
// prepare` then `rcjail -n start` plans a start on a tree prepare has not
// created yet). A symlink in the way, a wrong link or a file where a
// directory belongs refuses the dry run exactly as it refuses the real one.
func dryCheck(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
func (d *DryRun) Rmdir(context.Context, Rmdir) error { return nil }
func (d *DryRun) Mount(_ context.Context, s Mount) ([]MountID, error) {
	d.init()
	d.mounted[s.Target] = s.FSType
	delete(d.unmounted, s.Target)
	return nil, d.step(s)
}

func (d *DryRun) Unmount(_ context.Context, s Unmount) error {
	d.init()
	delete(d.mounted, s.Target)
	d.unmounted[s.Target] = true
	return d.step(s)
}

func (d *DryRun) FstabMount(_ context.Context, s FstabMount) ([]MountID, error) {
	d.init()
	for _, e := range s.Entries {
		d.mounted[path.Clean(e.MountPoint)] = e.FSType
		delete(d.unmounted, path.Clean(e.MountPoint))
	}
	return nil, d.step(s)
}
func (d *DryRun) DevfsRule(_ context.Context, s DevfsRule) error { return d.step(s) }
func (d *DryRun) DevfsRuleset(_ context.Context, s DevfsRuleset) error {
	return d.step(s)
}
func (d *DryRun) DevfsApply(_ context.Context, s DevfsApply) error { return d.step(s) }
func (d *DryRun) Symlink(_ context.Context, s Symlink) error       { return d.step(s) }

// CheckLink asks Q when it can check links (see dryCheck); otherwise a
// clean host is assumed to be prepared as the configuration says.
func (d *DryRun) CheckLink(ctx context.Context, s CheckLink) error {
	if c, ok := d.Q.(interface {
		CheckLink(context.Context, CheckLink) error
	}); ok {
		return dryCheck(c.CheckLink(ctx, s))
	}
	return nil
}
func (d *DryRun) Exec(_ context.Context, s Exec) error {
	d.init()
	d.hooked[s.Jail] = true
	return d.step(s)
}

// StartJail prints jail(8)'s line and "starts" the jail, except when its
// root directory does not exist and no hook of this start ran that could
// create it: jail(8) then fails in the real run, and the dry run fails the
// same way (the start's undo follows, as in the real run) instead of
// printing a plan for a start that cannot happen. With Q nil (a clean host)
// every root exists.
func (d *DryRun) StartJail(_ context.Context, s StartJail) (string, []byte, error) {
	d.init()
	d.step(s)
	if d.Q != nil && s.Root != "" && !d.hooked[s.Jail] {
		if _, err := os.Stat(s.Root); errors.Is(err, fs.ErrNotExist) {
			return "", nil, JailFailed(fmt.Errorf("root directory %s does not exist, so jail(8) would fail (rcjail prepare %s creates it)", s.Root, s.Jail))
		}
	}
	return DryJID, nil, nil
}
func (d *DryRun) Jexec(_ context.Context, s Jexec) error { return d.step(s) }
func (d *DryRun) KillJail(_ context.Context, s KillJail) error {
	d.init()
	d.killed[s.JID] = true
	if root := d.jidRoot[s.JID]; root != "" {
		d.stopped[root] = true
	}
	return d.step(s)
}

func (d *DryRun) WriteFile(_ context.Context, s WriteFile) error {
	d.init()
	if s.IDFile {
		jid, _, _ := strings.Cut(string(s.Data), "\n")
		d.written[s.Path] = jid
		delete(d.removed, s.Path)
	}
	return nil
}

func (d *DryRun) RemoveFile(_ context.Context, s RemoveFile) error {
	d.init()
	delete(d.written, s.Path)
	d.removed[s.Path] = true
	return nil
}
func (d *DryRun) JailConf(_ context.Context, s JailConf) error { return d.step(s) }

// JailRoot prints `jls -j JID path` and answers the root of the jail whose
// id file named jid (SPEC §3.5's check then agrees); a jid no id file named
// is not known without the kernel.
func (d *DryRun) JailRoot(_ context.Context, jid string) (string, error) {
	d.print(JailRootArgv(jid))
	d.init()
	if root := d.jidRoot[jid]; root != "" {
		return root, nil
	}
	return "", fmt.Errorf("root of jid %s: not known to a dry run", jid)
}

// JailsAt prints `jls jid path`; no jail runs that no id file names.
func (d *DryRun) JailsAt(context.Context, string) ([]string, error) {
	d.print(JailListArgv())
	return nil, nil
}

// MountTable prints `mount -p`; a dry run knows no mount it did not make
// (its own are in the mounted set, unmounted by the stop's own plan).
func (d *DryRun) MountTable(context.Context) ([]MountEntry, error) {
	d.print(MountTableArgv())
	return nil, nil
}

// lock.

// CheckStateFile implements [Executor]: a dry run writes no state file.
func (d *DryRun) CheckStateFile(context.Context, string, bool) error { return nil }

// SetHookOutput implements [Executor]: a dry run runs no hook.
func (d *DryRun) SetHookOutput(io.Writer, io.Writer) {}

// Close implements [Executor]: a dry run holds nothing.
func (d *DryRun) Close() error { return nil }
