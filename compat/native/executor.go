package native

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"rcjail/compat"
	"rcjail/compat/fault"
	"rcjail/compat/native/proc"
	"rcjail/compat/state"
	"rcjail/mount"
)

// Executor is the native [compat.Executor]. It is safe for use by one
// runner at a time; separate Executors (in one process or several) exclude
// each other per jail through the jail's lock.
type Executor struct {
	opts Options
	dir  *state.Dir // <root>/var/run/rcjail
	sys  sysState   // what the OS layer (sys_<os>.go) keeps: FreeBSD's program runner

	mu    sync.Mutex
	jails map[string]*jailState
	calls map[string]int // fault counters per Fault.Op
	steps int            // effect steps done, for Fault.CrashAfter
}

// jailState is what the executor knows of one jail during this run.
type jailState struct {
	name    string
	lock    *state.JailLock
	journal *os.File // <j>.journal, opened (for reading, then appending) with the lock
	rec     *Record
	snap    bool // <j>.json may exist: it was there (or unreadable) at lock time, or we wrote it

	// pending holds encoded "unmount" lines not yet written: they go out
	// in front of the next line written, or are dropped when a snapshot
	// or the record's removal supersedes them (see note).
	pending  []byte
	root     string
	starting bool                   // a start-type step was seen since the last stop
	stale    map[string]mount.Entry // mounts under root at start that no step has explained yet
	scanned  bool                   // stale was filled from the mount table
	dirty    bool                   // the start found a record of an unfinished run
	made     map[string]bool        // mount points this start mounted or adopted
	stopping bool

	plainRoot string // a root join found plainAbs (see join)

	// mnt makes every mount, unmount and mount-point mkdir of this jail,
	// sharing the jail root and parent directories it opened (without
	// following symlinks) across the sequence instead of walking them
	// again per entry. Its open directories keep their file systems busy,
	// and a mount made beside it on a directory it holds would be hidden
	// from it: it is closed (closeSessions) before anything outside the
	// executor runs (hooks, the jail, jexec), at the end of a start's or
	// stop's sequence, when an unmount is busy, and before the lock goes.
	mnt mount.Session
}

var (
	_ compat.Executor = (*Executor)(nil)
	_ compat.Locker   = (*Executor)(nil)
)

// New returns a native executor whose state lives under opts.Root.
func New(opts Options) (*Executor, error) {
	opts.defaults()
	if err := supported(); err != nil {
		return nil, err
	}
	return &Executor{opts: opts, sys: newSysState(opts), jails: map[string]*jailState{}, calls: map[string]int{}}, nil
}

// stateDir opens (creating it) the state directory on first use: an
// executor that only answers queries (rcjail -n) changes nothing.
func (x *Executor) stateDir() (*state.Dir, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.dir != nil {
		return x.dir, nil
	}
	dir, err := openStateDir(x.opts.Root)
	if err != nil {
		return nil, fmt.Errorf("native backend: %w", err)
	}
	x.dir = dir
	return dir, nil
}

// Close finishes the stop of every jail this executor stopped (see
// [Executor.FinishStop]), then releases every lock it holds.
func (x *Executor) Close() error {
	var errs []error
	for _, js := range x.sortedJails() {
		if js.stopping && !js.starting {
			if err := x.finishStop(js); err != nil {
				errs = append(errs, err)
			}
		}
		x.release(js)
	}
	if x.dir != nil {
		x.dir.Close()
		x.dir = nil
	}
	return errors.Join(errs...)
}

// Release ends this run's work on a jail: its lock is released.
func (x *Executor) Release(jail string) {
	x.mu.Lock()
	js := x.jails[state.Key(jail)]
	x.mu.Unlock()
	if js != nil {
		x.release(js)
	}
}

func (x *Executor) release(js *jailState) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.flush(js); err != nil {
		x.warnf("%v", err)
	}
	if js.journal != nil {
		removeJournal(x.dir, js.name, js.journal)
		js.journal.Close()
		js.journal = nil
	}
	// Before the lock: once another rcjail may work on the jail, no
	// directory of ours may keep its mounts busy.
	js.mnt.Close()
	if js.lock != nil {
		// Locks exist only while held: the file goes with the lock.
		if err := unlockJail(x.dir, js.name, js.lock); err != nil {
			x.warnf("%v", err)
		}
		js.lock = nil
	}
	delete(x.jails, state.Key(js.name))
}

// closeSessions closes the mount session of every jail this executor
// holds. Before a program of any kind runs (a hook, the jail, jexec, jail(8),
// mount(8)): it may mount or unmount under a jail root, which the sessions
// must not hide (a mount beside a session) or keep busy (an open directory
// inside a mount it unmounts). Before retrying a busy unmount: one jail's
// cached directories may lie inside another's mount (nested jail roots).
// A closed session opens its directories again when it is next used.
func (x *Executor) closeSessions() {
	for _, js := range x.sortedJails() {
		js.mnt.Close()
	}
}

func (x *Executor) sortedJails() []*jailState {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]*jailState, 0, len(x.jails))
	for _, js := range x.jails {
		out = append(out, js)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (x *Executor) warnf(format string, args ...any) {
	fmt.Fprintf(x.opts.Stderr, "rcjail: WARNING: "+format+"\n", args...)
}

// LockJail implements [compat.Locker]: the runner takes the jail's lock
// before it reads anything of the jail (id file, kernel, record), so that a
// second rcjail starting or stopping it waits and then sees what the first
// did (issue 12, item 7), instead of acting on what it read before.
func (x *Executor) LockJail(_ context.Context, name string) error {
	_, err := x.jail(name)
	return err
}

// jail returns the state of a jail, taking its lock on first use: from the
// runner's [Executor.LockJail] (or the first step of a jail) to the end of
// the run (or [Executor.Release]), no other rcjail works on it (SPEC
// §3.7). It is keyed by the jail's variable name (state.Key): "a-b" and
// "a_b" are one jail.
func (x *Executor) jail(name string) (*jailState, error) {
	if name == "" {
		return nil, errors.New("step names no jail")
	}
	key := state.Key(name)
	x.mu.Lock()
	js := x.jails[key]
	x.mu.Unlock()
	if js != nil {
		return js, nil
	}
	dir, err := x.stateDir()
	if err != nil {
		return nil, err
	}
	lock, err := lockJail(dir, name, x.opts.LockWait)
	if err != nil {
		return nil, err
	}
	js = &jailState{name: name, lock: lock}
	js.rec, js.snap, js.journal = loadRecord(dir, name, x.warnf)
	if js.rec != nil {
		js.root = js.rec.Root
	}
	x.mu.Lock()
	x.jails[key] = js
	x.mu.Unlock()
	return js, nil
}

// beginStart is run by every start-type step: the first one of a start
// refuses a jail that is running, and notes what is already mounted under
// the jail root, so that later steps adopt exactly their own leftovers and
// refuse everything else.
//
// Reading the mount table costs time in proportion to every mount on the
// host (about 6 ms at 1100 mounts), so a start whose record is clean (the
// last stop finished; every mount we make is journaled after a "begin"
// event, so a crash always leaves a record) does not read it up front:
// the mount layer refuses to mount on a mount point, and only then is the
// table read to decide between adopting and refusing.
func (x *Executor) beginStart(js *jailState, root string) error {
	if !js.starting {
		js.dirty, js.scanned = js.rec != nil, false
		if r := js.rec; r != nil && r.JID != 0 {
			settle(x, r.JID, r.Root)
			if rt, ok := jailRoot(x, r.JID); ok && (r.Root == "" || rt == r.Root) {
				// Another start got here first (or the jail was never
				// stopped): never a second jail, never a second set of
				// mounts.
				return fmt.Errorf("jail %s: already running as jid %d (record %s)", js.name, r.JID, x.dir.Path(state.RecordName(js.name)))
			}
		}
		js.starting, js.stopping = true, false
		js.stale, js.made = nil, map[string]bool{}
		// What an earlier, unfinished run left stays in the record: stop
		// still has to clean it if this start fails.
		if err := x.note(js, event{Ev: "begin", Root: root}); err != nil {
			return err
		}
	}
	if root != "" && js.stale == nil {
		if js.rec.Root != root {
			if err := x.note(js, event{Ev: "root", Root: root}); err != nil {
				return err
			}
		}
		js.root = root
		js.stale = map[string]mount.Entry{}
		if js.dirty {
			return x.scan(js)
		}
	}
	return nil
}

// scan fills js.stale with what the mount table has under the jail root.
func (x *Executor) scan(js *jailState) error {
	tbl, err := mount.Table()
	if err != nil {
		return fmt.Errorf("jail %s: %w", js.name, err)
	}
	js.scanned = true
	for _, e := range mount.Under(tbl, js.root) {
		if e.Target == js.root {
			continue // the jail root may be a file system of its own
		}
		if _, dup := js.stale[e.Target]; dup {
			e.ID = 0 // stacked: never adoptable
		}
		js.stale[e.Target] = e
	}
	// Mounts this start already made or adopted are not stale; those an
	// earlier run left are, until a step of this start adopts them.
	for t := range js.made {
		delete(js.stale, t)
	}
	return nil
}

// beginStop is run by every stop-type step outside a start: a jail the
// record knows to be running is stopped first (TERM, wait, KILL), even when
// its id file is gone (a start that crashed after the jail ran): nothing is
// unmounted under live jail processes.
func (x *Executor) beginStop(js *jailState) error {
	if js.starting {
		return nil // an undo step of this run's start
	}
	js.stopping = true
	if r := js.rec; r != nil && r.JID != 0 {
		settle(x, r.JID, r.Root)
		if root, ok := jailRoot(x, r.JID); ok && (r.Root == "" || root == r.Root) {
			if err := stopJail(x, r.JID, root); err != nil {
				return fmt.Errorf("jail %s: %w", js.name, err)
			}
		}
		if err := x.note(js, event{Ev: "jid"}); err != nil {
			return err
		}
		return x.note(js, event{Ev: "state", State: "stopping"})
	}
	return nil
}

// note applies e to the jail's record and appends it to the journal, in
// one write(2) together with any unmount lines still pending.
//
// An "unmount" line is not written at once: it waits for the next line,
// the end of the run's work on the jail (release), or is dropped when a
// snapshot or the removal of the record makes it moot; a clean stop thus
// writes none. Losing one in a crash is safe, and only one kind of event
// may be lost this way: the journal then still lists a mount that is
// gone, and the next stop or start looks before it acts: a stop finds
// nothing mounted there with that id (ErrNotMounted: forgotten) or
// something else (ErrNotOurs: left alone and reported), and a start's
// mount of that target replaces the entry. The window already exists
// between umount2 and the write; this widens it to the rest of the stop.
// Every other event (begin, mount, created, alias, ...) records something
// a later run must undo or refuse over, and is written before note
// returns.
func (x *Executor) note(js *jailState, e event) error {
	if js.rec == nil {
		js.rec = &Record{Jail: js.name}
	}
	js.rec.apply(e)
	line := e.appendJSON(js.pending)
	if e.Ev == "unmount" {
		js.pending = line
		return nil
	}
	js.pending = line[:0]
	return x.writeJournal(js, line)
}

// flush writes the pending unmount lines.
func (x *Executor) flush(js *jailState) error {
	if len(js.pending) == 0 {
		return nil
	}
	line := js.pending
	js.pending = line[:0]
	return x.writeJournal(js, line)
}

func (x *Executor) writeJournal(js *jailState, b []byte) error {
	if js.journal == nil {
		f, err := openJournal(x.dir, js.name)
		if err != nil {
			return err
		}
		js.journal = f
	}
	fault.Before("journal")
	if _, err := js.journal.Write(b); err != nil {
		return fmt.Errorf("jail %s: journal %s: %w", js.name, js.journal.Name(), err)
	}
	fault.After("journal")
	return nil
}

// snapshot replaces <j>.json with the record (atomically, fsynced when
// sync) and then empties the journal it now contains.
func (x *Executor) snapshot(js *jailState, sync bool) error {
	if err := writeRecord(x.dir, js.rec, sync); err != nil {
		return err
	}
	js.snap = true
	return x.truncateJournal(js)
}

// truncateJournal empties the journal, whose events (and the pending
// ones) a new snapshot or the record's removal has just superseded.
func (x *Executor) truncateJournal(js *jailState) error {
	js.pending = js.pending[:0]
	if js.journal == nil {
		f, err := openJournal(x.dir, js.name)
		if err != nil {
			return err
		}
		js.journal = f
	}
	fault.Before("truncate journal")
	if err := js.journal.Truncate(0); err != nil {
		return fmt.Errorf("jail %s: truncate journal: %w", js.name, err)
	}
	fault.After("truncate journal")
	return nil
}

// effect counts one effect step for the crash seam.
func (x *Executor) effect() {
	x.mu.Lock()
	x.steps++
	n := x.steps
	x.mu.Unlock()
	if f := x.opts.Fault; f != nil && f.CrashAfter > 0 && n == f.CrashAfter {
		// A real crash: no deferred function, no cleanup runs.
		crashSelf()
	}
}

// fault reports whether call n of op must fail.
func (x *Executor) fault(op string) bool {
	f := x.opts.Fault
	if f == nil || f.Op != op {
		return false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.calls[op]++
	return x.calls[op] == f.At
}

// errInjected is wrapped by every injected failure.
var errInjected = errors.New("injected fault")

// staleError is the refusal of a start that finds mounts it did not make.
func staleError(js *jailState, what []string) error {
	sort.Strings(what)
	return fmt.Errorf("jail %s: stale mounts under %s, run stop: %s", js.name, js.root, strings.Join(what, ", "))
}

// join is joinPath for a step of this jail: the root's plainness is
// checked once per root (the steps of a jail all name the same one), not at
// every join. plainRoot starts empty, and "" is not plain: it never counts
// as the remembered root.
func (js *jailState) join(root, r string) string {
	if root != js.plainRoot || root == "" {
		if !plainAbs(root) {
			return path.Join(root, r)
		}
		js.plainRoot = root
	}
	if mount.PlainRel(r) {
		return root + "/" + r
	}
	return path.Join(root, r)
}

// joinPath is path.Join(root, r), one concatenation when root is a clean
// absolute path other than "/" and r a clean relative one that does not
// climb (every step of a plan): path.Join cleans again, at every mount and
// unmount.
func joinPath(root, r string) string {
	if plainAbs(root) && mount.PlainRel(r) {
		return root + "/" + r
	}
	return path.Join(root, r)
}

func rel(root, p string) (string, error) {
	// strings.HasPrefix(p, root+"/"), without building root+"/" for
	// every step.
	n := len(root)
	if n == 0 || len(p) <= n || p[n] != '/' || p[:n] != root {
		return "", fmt.Errorf("%q is not below the jail root %q", p, root)
	}
	return p[n+1:], nil
}

// ---- queries ----

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

// CheckStateFile implements [compat.StateChecker]: before anything of a
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

// IsDir implements [compat.DirQuerier]: lstat, a directory and not a
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

// SysctlSet implements [compat.Executor].
func (x *Executor) SysctlSet(ctx context.Context, s compat.SysctlSet) error {
	err := sysctlSet(ctx, x, s.MIB, s.Value)
	if err == nil {
		x.effect()
	}
	return err
}

// AliasAdd implements [compat.Executor]. An address that is already there
// is left alone and not recorded, so stop never removes an address it did
// not add.
func (x *Executor) AliasAdd(ctx context.Context, s compat.AliasAdd) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStart(js, ""); err != nil {
		return err
	}
	if x.fault("alias") {
		return fmt.Errorf("jail %s: add alias %s to %s: %w", s.Jail, s.Addr.Addr, s.Addr.Iface, errInjected)
	}
	a := s.Addr
	if has, err := ifaceHasAddr(a); err != nil {
		return fmt.Errorf("jail %s: add alias %s to %s: %w", s.Jail, a.Addr, a.Iface, err)
	} else if has {
		x.effect()
		return nil // the host's own: never recorded, never removed
	}
	// Intent before the effect: a crash right after the address is added
	// still leaves it in the record (issue 12: record before act). Should
	// the add not happen, a stop finds the address absent: removing an
	// absent address is not an error.
	if err := x.note(js, event{Ev: "alias", Addr: &a}); err != nil {
		return err
	}
	added, err := aliasAdd(ctx, x, a)
	if err != nil || !added {
		// Not added by us (failed, or someone added it in between).
		_ = x.note(js, event{Ev: "unalias", Addr: &a})
	}
	if err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	x.effect()
	return nil
}

// AliasRemove implements [compat.Executor]. Idempotent: an address that is
// gone is not an error; one the record says we did not add is kept.
func (x *Executor) AliasRemove(ctx context.Context, s compat.AliasRemove) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStop(js); err != nil {
		return err
	}
	i := indexAlias(js.rec, s.Addr)
	if js.rec != nil && i < 0 {
		return nil // not ours
	}
	if err := aliasRemove(ctx, x, s.Addr); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if i >= 0 {
		a := s.Addr
		if err := x.note(js, event{Ev: "unalias", Addr: &a}); err != nil {
			return err
		}
	}
	x.effect()
	return nil
}

func indexAlias(r *Record, a compat.Addr) int {
	if r == nil {
		return -1
	}
	for i, b := range r.Aliases {
		if b.Iface == a.Iface && b.Addr == a.Addr {
			return i
		}
	}
	return -1
}

// Mkdir implements [compat.Executor]. Deviation from the step's contract:
// a Path that is already a mount point is not refused here; the Mount step
// that follows decides (adopt our own leftover, refuse anything else), so
// that a start after a crash can adopt exactly its own mounts.
func (x *Executor) Mkdir(ctx context.Context, s compat.Mkdir) (bool, error) {
	js, err := x.jail(s.Jail)
	if err != nil {
		return false, err
	}
	if err := x.beginStart(js, s.Root); err != nil {
		return false, err
	}
	r, err := rel(s.Root, s.Path)
	if err != nil {
		return false, fmt.Errorf("jail %s: mkdir: %w", s.Jail, err)
	}
	if fdLinkOK(s.Root, r) {
		x.effect()
		return false, nil
	}
	// Through the session: the common case (rcjail prepare made the mount
	// point) is one no-follow statx in the cached parent, which the Mount
	// step that follows uses too.
	created, err := js.mnt.MkdirAll(s.Root, r, 0o755)
	if len(created) > 0 {
		if ferr := x.note(js, event{Ev: "created", Paths: created}); ferr != nil && err == nil {
			err = ferr
		}
	}
	if err != nil {
		return false, fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	x.effect()
	return len(created) > 0 && created[len(created)-1] == s.Path, nil
}

// Rmdir implements [compat.Executor]: only an empty directory that is not
// a mount point and not a symlink goes, so nothing is ever deleted under a
// live mount. A directory that is already gone is not an error.
func (x *Executor) Rmdir(ctx context.Context, s compat.Rmdir) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	r, err := rel(s.Root, s.Path)
	if err != nil {
		return fmt.Errorf("jail %s: rmdir: %w", s.Jail, err)
	}
	if err := rmdirStrict(s.Root, r); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if js.rec != nil && slices.Contains(js.rec.Created, s.Path) {
		if err := x.note(js, event{Ev: "uncreated", Paths: []string{s.Path}}); err != nil {
			return err
		}
	}
	x.effect()
	return nil
}

// Mount implements [compat.Executor].
func (x *Executor) Mount(ctx context.Context, s compat.Mount) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStart(js, s.Root); err != nil {
		return err
	}
	if s.FSType == compat.FSFdescfs && fdescfsIsLink() {
		// Linux: the devfs stand-in already has dev/fd -> /proc/self/fd.
		x.effect()
		return nil
	}
	r, err := rel(s.Root, s.Target)
	if err != nil {
		return fmt.Errorf("jail %s: mount %s: %w", s.Jail, s.FSType, err)
	}
	req := mount.Request{FSType: s.FSType, Source: s.Source, SourceRoot: s.SourceRoot,
		Root: s.Root, Target: r, ReadOnly: s.ReadOnly, Options: devfsOptions(s)}
	full := js.join(req.Root, req.Target)
	_, adopted := js.stale[full]
	if err := x.mountOne(js, req); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if req.Options != nil && !adopted {
		// Mounted here with the jail's ruleset (FreeBSD): the kernel
		// applied it before /dev held a node; an adopted devfs was
		// mounted with whatever it was, and gets devfs(8) as before.
		devfsMountedWith(x, full, s.DevfsRuleset)
	}
	x.effect()
	return nil
}

// mountOne reconciles one mount with the kernel's table and makes it.
func (x *Executor) mountOne(js *jailState, req mount.Request) error {
	full := js.join(req.Root, req.Target)
	for attempt := 0; ; attempt++ {
		if e, ok := js.stale[full]; ok {
			// Something is already mounted exactly here. Adopt it only
			// when it is precisely the mount this step would make (a
			// crashed start's); anything else is refused, never stacked.
			if e.ID != 0 && adoptable(e, req) {
				delete(js.stale, full)
				js.made[full] = true
				// No unique id: the table has none, so stop checks
				// type and source as for any mount without one.
				return x.note(js, event{Ev: "mount", M: &RecMount{ID: e.ID, FSType: req.FSType, Source: req.Source, Root: req.Root, Rel: req.Target, ReadOnly: req.ReadOnly}})
			}
			return staleError(js, []string{full})
		}
		// A leftover above or below this target would hide, or be hidden
		// by, the new mount.
		var around []string
		for t := range js.stale {
			if strings.HasPrefix(full, t+"/") || strings.HasPrefix(t, full+"/") {
				around = append(around, t)
			}
		}
		if len(around) > 0 {
			return staleError(js, around)
		}
		if attempt == 0 && x.fault("mount") {
			return &mount.Error{Op: "mount", FSType: req.FSType, Source: req.Source, Target: full, Err: errInjected}
		}
		m, err := js.mnt.Mount(req)
		if err != nil {
			var me *mount.Error
			if errors.As(err, &me) && len(me.Created) > 0 {
				_ = x.note(js, event{Ev: "created", Paths: me.Created})
			}
			if attempt == 0 && !js.scanned && errors.Is(err, syscall.EBUSY) {
				// The mount package refuses to stack on a mount point.
				// The record was clean, so the table was not read up
				// front: read it now and decide (adopt or refuse).
				if m, _ := isMounted(full, ""); m {
					if err := x.scan(js); err != nil {
						return err
					}
					continue
				}
			}
			return err
		}
		if req.ReadOnly && x.fault("remount") {
			// As the mount package does when its read-only step fails:
			// the fresh mount goes before the error is reported.
			uerr := js.mnt.Unmount(m.Expect())
			return errors.Join(&mount.Error{Op: "remount-ro", FSType: req.FSType, Source: req.Source, Target: full, Err: errInjected}, uerr)
		}
		js.made[full] = true
		if len(m.Created) > 0 {
			if err := x.note(js, event{Ev: "created", Paths: m.Created}); err != nil {
				return err
			}
		}
		return x.note(js, event{Ev: "mount", M: &RecMount{ID: m.ID, UniqueID: m.UniqueID, FSType: m.FSType, Source: m.Source, Root: m.Root, Rel: m.Rel, ReadOnly: req.ReadOnly}})
	}
}

func hasMount(r *Record, target string) bool {
	plain := plainAbs(target)
	for i := range r.Mounts {
		if r.Mounts[i].atIn(target, plain) {
			return true
		}
	}
	return false
}

// Unmount implements [compat.Executor]. The record supplies the mount id
// (and source) we made; without a record (a crash before it was written,
// or a corrupt one) the mount table does, and the planned type must match.
// Idempotent: nothing mounted there is success.
func (x *Executor) Unmount(ctx context.Context, s compat.Unmount) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStop(js); err != nil {
		return err
	}
	if s.FSType == compat.FSFdescfs && fdescfsIsLink() {
		return nil
	}
	if js.root == "" {
		js.root = s.Root
	}
	r, err := rel(s.Root, s.Target)
	if err != nil {
		return fmt.Errorf("jail %s: unmount: %w", s.Jail, err)
	}
	exp, full, inRec, ok, err := x.expectFor(js, s.Root, r, s.FSType)
	if err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if !ok {
		return nil // nothing mounted there
	}
	if err := x.unmountRetry(js, exp, full, inRec); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	x.effect()
	return nil
}

// expectFor builds what Unmount must find at root/r: the record's entry,
// else the kernel's (by id, after checking the kernel's type against the
// planned one). ok is false when nothing is mounted there. full is
// root/r; inRec says the expectation is the record's entry.
func (x *Executor) expectFor(js *jailState, root, r, fstype string) (exp mount.Expect, full string, inRec, ok bool, err error) {
	full = js.join(root, r)
	if js.rec != nil {
		plain := plainAbs(full)
		for i := len(js.rec.Mounts) - 1; i >= 0; i-- {
			m := &js.rec.Mounts[i]
			if m.atIn(full, plain) && (fstype == "" || fstype == m.FSType) {
				return mount.Expect{ID: m.ID, UniqueID: m.UniqueID, FSType: m.FSType, Source: m.Source, Root: root, Target: r}, full, true, true, nil
			}
		}
	}
	tbl, err := mount.Table()
	if err != nil {
		return mount.Expect{}, full, false, false, fmt.Errorf("unmount %s: %w", full, err)
	}
	var top *mount.Entry
	for i := range tbl {
		if tbl[i].Target == full {
			top = &tbl[i]
		}
	}
	if top == nil {
		return mount.Expect{}, full, false, false, nil
	}
	kt := kernelFSType(*top)
	if fstype == "" {
		fstype = kt
	}
	if fstype != kt && !(fstype == mount.DevFS && kt == mount.TmpFS) {
		// An admin's own mount (or anything else) where the plan expects
		// ours: reported, never touched.
		return mount.Expect{}, full, false, false, &mount.Error{Op: "unmount", FSType: fstype, Target: full,
			Err: fmt.Errorf("%s is mounted there (%s): %w", top.FSType, top.Source, mount.ErrNotOurs)}
	}
	return mount.Expect{ID: top.ID, FSType: fstype, Root: root, Target: r}, full, false, true, nil
}

// unmountRetry unmounts, retrying a busy mount until BusyTimeout; then it
// reports the processes holding it. The record follows the kernel.
// full is exp's mount point; inRec says exp is the record's entry for it.
func (x *Executor) unmountRetry(js *jailState, exp mount.Expect, full string, inRec bool) error {
	deadline := time.Now().Add(x.opts.BusyTimeout)
	var err error
	closed := false
	for delay := 5 * time.Millisecond; ; {
		err = unmountExpect(&js.mnt, exp)
		if err == nil || errors.Is(err, mount.ErrNotMounted) {
			x.forgetMount(js, full, inRec)
			return nil
		}
		if errors.Is(err, mount.ErrMoved) {
			// Unmounted by its recorded fsid where it had been moved
			// to (FreeBSD): done, and worth telling.
			x.warnf("jail %s: %v", js.name, err)
			x.forgetMount(js, full, inRec)
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			break
		}
		if !closed {
			// The session already dropped its own directories inside
			// the mount; another jail's (a root nested below this
			// mount) may still hold it. Close them all and retry at
			// once, whatever BusyTimeout says: our own directories are
			// never a reason to give up, nor a holder to report.
			x.closeSessions()
			closed = true
			continue
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(delay)
		delay = min(2*delay, 200*time.Millisecond)
	}
	if errors.Is(err, syscall.EBUSY) {
		h := holders(full)
		if len(h) > 0 {
			err = fmt.Errorf("%w; held by %s", err, strings.Join(h, ", "))
		}
	}
	if js.rec != nil && js.rec.State != "starting" {
		_ = x.note(js, event{Ev: "state", State: "dirty"})
	}
	return err
}

// forgetMount records the unmount of full when the record lists it: inRec
// says so already (the search that found the entry), sparing a second one.
func (x *Executor) forgetMount(js *jailState, full string, inRec bool) {
	if js.rec != nil && (inRec || hasMount(js.rec, full)) {
		_ = x.note(js, event{Ev: "unmount", Paths: []string{full}})
	}
}

// FstabMount implements [compat.Executor]: each entry as a confined mount
// (Linux: nullfs, procfs, devfs and tmpfs, anything else refused; FreeBSD:
// see fstabFreeBSD, and an fstab it cannot map goes to `mount -a -F` whole).
func (x *Executor) FstabMount(ctx context.Context, s compat.FstabMount) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStart(js, s.Root); err != nil {
		return err
	}
	if byProgram, err := fstabProgram(ctx, x, s); byProgram {
		if err != nil {
			return fmt.Errorf("jail %s: %w", s.Jail, err)
		}
		x.effect()
		return nil
	}
	for _, e := range s.Entries {
		mp := path.Clean(e.MountPoint)
		r, err := rel(s.Root, mp)
		if err != nil {
			return fmt.Errorf("jail %s: %s:%d: fstab mount point: %w", s.Jail, s.Fstab, e.Line, err)
		}
		req, err := fstabRequest(s.Root, r, e)
		if err != nil {
			return fmt.Errorf("jail %s: %s:%d: %w", s.Jail, s.Fstab, e.Line, err)
		}
		if err := x.mountOne(js, req); err != nil {
			return fmt.Errorf("jail %s: %s:%d: %w", s.Jail, s.Fstab, e.Line, err)
		}
	}
	x.effect()
	return nil
}

// DevfsRule implements [compat.Executor]. Linux: the devfs stand-in is a
// fixed, minimal set of nodes, so rules have nothing to act on; FreeBSD:
// devfs(8), as the command backend runs it.
func (x *Executor) DevfsRule(ctx context.Context, s compat.DevfsRule) error {
	return devfsStep(ctx, x, s)
}

// DevfsRuleset implements [compat.Executor] (see DevfsRule).
func (x *Executor) DevfsRuleset(ctx context.Context, s compat.DevfsRuleset) error {
	return devfsStep(ctx, x, s)
}

// DevfsApply implements [compat.Executor] (see DevfsRule).
func (x *Executor) DevfsApply(ctx context.Context, s compat.DevfsApply) error {
	return devfsStep(ctx, x, s)
}

// Symlink implements [compat.Executor]: the link is made through its
// parent directory, opened with no symlink in any component.
func (x *Executor) Symlink(ctx context.Context, s compat.Symlink) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStart(js, ""); err != nil {
		return err
	}
	if err := symlinkStrict(s.Target, s.Path); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	x.effect()
	return nil
}

// CheckLink implements [compat.Executor].
func (x *Executor) CheckLink(ctx context.Context, s compat.CheckLink) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStart(js, s.Root); err != nil {
		return err
	}
	got, err := readlinkStrict(s.Path)
	if err != nil {
		return fmt.Errorf("jail %s: check link: %w", s.Jail, err)
	}
	if got != s.Target {
		return fmt.Errorf("jail %s: check link %s: points to %q, want %q", s.Jail, s.Path, got, s.Target)
	}
	return nil
}

// SetHookOutput implements [compat.HookOutputter]: hooks, afterstart
// commands and this executor's warnings go to the runner's stdout and
// stderr (nil: discarded).
func (x *Executor) SetHookOutput(stdout, stderr io.Writer) {
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	x.opts.Stdout, x.opts.Stderr = stdout, stderr
}

// Exec implements [compat.Executor]: a host hook, run with the hygiene of
// package proc.
func (x *Executor) Exec(ctx context.Context, s compat.Exec) error {
	if _, err := x.jail(s.Jail); err != nil {
		return err
	}
	argv := s.Argv
	if x.fault("hook") {
		return fmt.Errorf("jail %s: %s %q: %w", s.Jail, s.Var, strings.Join(argv, " "), errInjected)
	}
	if x.fault("hang") {
		argv = hangArgv()
	}
	// A hook may mount or unmount under any jail root.
	x.closeSessions()
	err := proc.Run(ctx, proc.Cmd{Argv: argv, Stdout: x.opts.Stdout, Stderr: x.opts.Stderr, Timeout: x.opts.CommandTimeout})
	if err != nil {
		return fmt.Errorf("jail %s: %s: %w", s.Jail, s.Var, err)
	}
	x.effect()
	return nil
}

// StartJail implements [compat.Executor]: on Linux a namespaced init
// (package linuxjail) whose pid is the jid. The jail runs only when
// nothing unexplained is mounted under its root.
func (x *Executor) StartJail(ctx context.Context, s compat.StartJail) (string, []byte, error) {
	js, err := x.jail(s.Jail)
	if err != nil {
		return "", nil, err
	}
	if err := x.beginStart(js, s.Root); err != nil {
		return "", nil, err
	}
	if len(js.stale) > 0 {
		var what []string
		for t := range js.stale {
			what = append(what, t)
		}
		return "", nil, staleError(js, what)
	}
	if x.fault("jail") {
		return "", nil, fmt.Errorf("jail %s: launch: %w: %w", s.Jail, compat.ErrJailFailed, errInjected)
	}
	// The start's mounts are made; jail(8) may mount beside the sessions
	// (FreeBSD), and none is needed again unless this start is undone.
	x.closeSessions()
	// The jail exists before its start command has finished: its jid and
	// root are journaled then (one line, one write), so that a kill of
	// rcjail during the start command leaves a jail the record knows
	// (issue 12 item 1): stop stops it, start does not start a second.
	// Intent first: a kill between the jail's creation and the jid line
	// leaves "creating" in the record, and Recorded then asks the kernel
	// for the jail running in the recorded root.
	if err := x.note(js, event{Ev: "state", State: "creating"}); err != nil {
		return "", nil, err
	}
	created := func(jid int) error {
		fault.Before("jail created")
		defer fault.After("jail created")
		// With the id file the runner will write: a stop by another
		// spelling of the name (one jail, one record) removes it too.
		e := event{Ev: "jid", JID: jid, Root: s.Root, State: "running"}
		if s.IDFile != "" {
			e.Paths = []string{s.IDFile}
		}
		return x.note(js, e)
	}
	jid, out, err := startJail(ctx, x, s, created)
	if err != nil {
		if js.rec != nil && js.rec.JID != 0 {
			// The host layer killed the jail it had created.
			_ = x.note(js, event{Ev: "jid", State: "starting"})
		}
		// FreeBSD's jail(8) failure wraps compat.ErrJailFailed and the
		// Runner names its command line; Linux ran no jail(8) and its
		// message stands alone.
		return "", out, err
	}
	js.rec.JID, js.rec.State, js.rec.Root = jid, "running", s.Root
	js.rec.Jail = js.name
	// The one fsync of a start: from here on the record describes a
	// running jail.
	if err := x.snapshot(js, true); err != nil {
		_ = stopJail(x, jid, s.Root)
		return "", nil, err
	}
	x.effect()
	return strconv.Itoa(jid), out, nil
}

// Jexec implements [compat.Executor]: Linux runs the command inside the
// jail's namespaces and root, with the hygiene of package proc; FreeBSD runs
// jexec(8) as the command backend does.
func (x *Executor) Jexec(ctx context.Context, s compat.Jexec) error {
	if _, err := x.jail(s.Jail); err != nil {
		return err
	}
	jid, err := strconv.Atoi(s.JID)
	if err != nil {
		return fmt.Errorf("jail %s: jexec: bad jid %q", s.Jail, s.JID)
	}
	// FreeBSD: a jail allowed to mount does so under its root, beside
	// the session.
	x.closeSessions()
	if err := jexec(ctx, x, s, jid); err != nil {
		return err
	}
	x.effect()
	return nil
}

// KillJail implements [compat.Executor]: TERM everything in the jail, wait
// (bounded), KILL. A jid that is not (or no longer) a jail of ours is left
// alone and is not an error.
func (x *Executor) KillJail(ctx context.Context, s compat.KillJail) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStop(js); err != nil {
		return err
	}
	jid, err := strconv.Atoi(s.JID)
	if err != nil {
		return fmt.Errorf("jail %s: kill: bad jid %q", s.Jail, s.JID)
	}
	root, ok := jailRoot(x, jid)
	if ok {
		if err := stopJail(x, jid, root); err != nil {
			return fmt.Errorf("jail %s: %w", s.Jail, err)
		}
	}
	if js.rec != nil && js.rec.JID == jid {
		_ = x.note(js, event{Ev: "jid"})
		if js.rec.State == "running" {
			_ = x.note(js, event{Ev: "state", State: "stopping"})
		}
	}
	x.effect()
	return nil
}

// WriteFile implements [compat.Executor].
func (x *Executor) WriteFile(ctx context.Context, s compat.WriteFile) error {
	if _, err := x.jail(s.Jail); err != nil {
		return err
	}
	kind := state.Console
	if s.IDFile {
		kind = state.Regular
	}
	f, err := x.openState(s.Path, true, s.Append, kind)
	if err != nil {
		return fmt.Errorf("jail %s: write %s: %w", s.Jail, s.Path, err)
	}
	_, err = f.Write(s.Data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("jail %s: write %s: %w", s.Jail, s.Path, err)
	}
	x.effect()
	return nil
}

// RemoveFile implements [compat.Executor]. Removing a jail's id file is the
// last step of its stop: the executor then finishes the stop from its
// record (see [Executor.FinishStop]).
func (x *Executor) RemoveFile(ctx context.Context, s compat.RemoveFile) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.removeState(s.Path); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	x.effect()
	if !js.starting && state.IsIDFile(s.Path) {
		return x.finishStop(js)
	}
	return nil
}

// JailConf implements [compat.Executor]: jail.conf jails are jail(8)'s own
// (FreeBSD: `jail -f FILE -c|-r NAME`) and have no Linux counterpart.
func (x *Executor) JailConf(ctx context.Context, s compat.JailConf) error {
	return jailConf(ctx, x, s)
}

// Recorded implements [compat.Recorder]: the jail root and jid the jail's
// record names (a stop whose configuration no longer names it, SPEC §3.5;
// a jail whose start was killed before its id file was written). It takes
// the jail's lock, as every step does.
func (x *Executor) Recorded(ctx context.Context, jail string) (compat.Recorded, error) {
	js, err := x.jail(jail)
	if err != nil || js.rec == nil {
		return compat.Recorded{}, err
	}
	if rec := js.rec; rec.State == "creating" && rec.JID == 0 && rec.Root != "" {
		// A start killed between the jail's creation and its jid line:
		// the kernel knows the jail running in the recorded root.
		if jid, ok := jailAt(ctx, x, rec.Root); ok {
			if err := x.note(js, event{Ev: "jid", JID: jid, State: "running"}); err != nil {
				return compat.Recorded{}, err
			}
		}
	}
	r := compat.Recorded{OK: true, Root: js.rec.Root}
	if js.rec.JID != 0 {
		r.JID = strconv.Itoa(js.rec.JID)
	}
	return r, nil
}

// FinishStop completes the stop of a jail from its record: every recorded
// mount still present is unmounted (deepest first, only if it is still the
// mount we made), recorded aliases are removed, and the directories we
// created are removed when empty and unmounted. When all is clean the
// record goes; otherwise it stays, marked dirty, for the next stop. Mounts
// under the root that are not ours are reported, never touched. The runner
// may call it after a stop; [Executor.Close] does so for every jail that
// was stopped.
func (x *Executor) FinishStop(ctx context.Context, jail string) error {
	js, err := x.jail(jail)
	if err != nil {
		return err
	}
	return x.finishStop(js)
}

func (x *Executor) finishStop(js *jailState) error {
	if err := x.beginStop(js); err != nil {
		return err
	}
	js.stopping = false
	r := js.rec
	if r == nil {
		return nil
	}
	var errs []error
	// An entry whose mount point is not strictly below the record's jail
	// root was not written by a start of this jail (a tampered record,
	// issue 12 item 8): it is refused and reported, never unmounted, and
	// dropped from the record.
	for i := len(r.Mounts) - 1; i >= 0; i-- {
		m := r.Mounts[i]
		if !belowRoot(r.Root, m) {
			x.warnf("jail %s: record entry %s (root %q, rel %q) is not below the jail root %q: refused, left alone", js.name, m.Target(), m.Root, m.Rel, r.Root)
			r.Mounts = append(r.Mounts[:i:i], r.Mounts[i+1:]...)
		}
	}
	// Deepest first; among equals the later mount first.
	// Each target's depth is counted once, not at every comparison.
	type byDepth struct {
		m     RecMount
		depth int
	}
	ms := make([]byDepth, 0, len(r.Mounts))
	for i := len(r.Mounts) - 1; i >= 0; i-- {
		ms = append(ms, byDepth{r.Mounts[i], strings.Count(r.Mounts[i].Target(), "/")})
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].depth > ms[j].depth })
	for i := range ms {
		m := ms[i].m
		if err := x.unmountRetry(js, mount.Expect{ID: m.ID, UniqueID: m.UniqueID, FSType: m.FSType, Source: m.Source, Root: m.Root, Target: m.Rel}, js.join(m.Root, m.Rel), true); err != nil {
			errs = append(errs, fmt.Errorf("jail %s: %w", js.name, err))
		}
	}
	// The stop's mount sequence ends here: the directories the session
	// holds would keep what is left mounted busy (a later stop, or an
	// enclosing jail's unmount), and some may be removed below.
	js.mnt.Close()
	for _, a := range append([]compat.Addr(nil), r.Aliases...) {
		if err := aliasRemove(context.Background(), x, a); err != nil {
			errs = append(errs, fmt.Errorf("jail %s: %w", js.name, err))
		} else if indexAlias(r, a) >= 0 {
			_ = x.note(js, event{Ev: "unalias", Addr: &a})
		}
	}
	if len(r.Mounts) == 0 {
		for i := len(r.Created) - 1; i >= 0; i-- {
			c := r.Created[i]
			cr, err := rel(r.Root, c)
			if err == nil {
				err = rmdirStrict(r.Root, cr)
			}
			if err != nil {
				// A directory that holds something is simply kept.
				x.warnf("jail %s: %v", js.name, err)
				continue
			}
			_ = x.note(js, event{Ev: "uncreated", Paths: []string{c}})
		}
	}
	// Only after a failure: the table costs time in proportion to every
	// mount on the host, and a clean stop has nothing to explain.
	if r.Root != "" && len(errs) > 0 {
		if tbl, err := mount.Table(); err == nil {
			var foreign []string
			for _, e := range mount.Under(tbl, r.Root) {
				if e.Target != r.Root {
					foreign = append(foreign, e.Target)
				}
			}
			if len(foreign) > 0 {
				x.warnf("jail %s: mounts under %s that rcjail did not make are left alone: %s", js.name, r.Root, strings.Join(foreign, ", "))
			}
		}
	}
	if len(r.Mounts) == 0 && len(r.Aliases) == 0 && len(errs) == 0 {
		if r.IDFile != "" {
			if err := x.removeState(r.IDFile); err != nil {
				errs = append(errs, fmt.Errorf("jail %s: %w", js.name, err))
			}
		}
		if js.snap {
			if err := removeRecord(x.dir, js.name); err != nil {
				errs = append(errs, err)
			} else {
				js.snap = false
			}
		}
		if err := x.truncateJournal(js); err != nil {
			errs = append(errs, err)
		}
		js.rec = nil
	} else {
		r.State = "dirty"
		if err := x.snapshot(js, true); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// belowRoot reports whether m's mount point lies strictly below root, the
// record's jail root: root is absolute, clean and not "/", m names it as
// its root, and m's relative part is clean and does not climb.
func belowRoot(root string, m RecMount) bool {
	return path.IsAbs(root) && path.Clean(root) == root && root != "/" && m.Root == root &&
		m.Rel != "" && m.Rel != "." && !path.IsAbs(m.Rel) && path.Clean(m.Rel) == m.Rel &&
		m.Rel != ".." && !strings.HasPrefix(m.Rel, "../")
}

// hangArgv is the hook the "hang" fault runs instead of the configured one:
// a sleep far past any time limit, its duration carrying this process's pid
// so that a test can tell its own hung hook from any other "sleep" on the
// machine (other test packages run at the same time).
func hangArgv() []string { return []string{"sleep", "3600." + strconv.Itoa(os.Getpid())} }
