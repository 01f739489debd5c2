package native

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"rcjail/compat"
	"rcjail/compat/record"
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
}

// jailState is what the executor knows of one jail during this run.
type jailState struct {
	name     string
	lock     *state.JailLock // nil when the engine holds the jail's lock (KeepRecord)
	j        *record.Journal // the jail's record, loaded with the lock
	root     string
	starting bool                   // a start-type step was seen since the last stop
	stale    map[string]mount.Entry // mounts under root at start that no step has explained yet
	scanned  bool                   // stale was filled from the mount table
	dirty    bool                   // the start found a record of an unfinished run
	made     map[string]bool        // mount points this start mounted or adopted
	stopping bool
}

var (
	_ compat.Executor = (*Executor)(nil)
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
	if js.lock == nil {
		// The engine's: it closes the record and releases the lock
		// (compat.Records), after this executor is closed.
		if err := js.j.Flush(); err != nil {
			x.warnf("%v", err)
		}
		delete(x.jails, state.Key(js.name))
		return
	}
	js.j.Close()
	if js.lock != nil {
		// Locks exist only while held: the file goes with the lock.
		if err := unlockJail(x.dir, js.name, js.lock); err != nil {
			x.warnf("%v", err)
		}
		js.lock = nil
	}
	delete(x.jails, state.Key(js.name))
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

// KeepRecord implements [compat.RecordKeeper]: the engine holds the
// jail's lock and hands over its record, which this host writes (until the
// engine journals for it).
func (x *Executor) KeepRecord(name string, j *record.Journal) {
	key := state.Key(name)
	x.mu.Lock()
	defer x.mu.Unlock()
	if js := x.jails[key]; js != nil && js.j == j {
		return
	}
	js := &jailState{name: name, j: j}
	if j.Rec != nil {
		js.root = j.Rec.Root
	}
	x.jails[key] = js
}

// jail returns the state of a jail: the one the engine handed over
// ([Executor.KeepRecord]), or, for a caller without the engine (a
// benchmark driving steps), one whose lock it takes on first use, to the
// end of the run (or [Executor.Release]). It is keyed by the jail's
// variable name (state.Key): "a-b" and "a_b" are one jail.
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
	js.j = record.Load(dir, name, x.warnf)
	if js.j.Rec != nil {
		js.root = js.j.Rec.Root
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
		js.dirty, js.scanned = js.j.Rec != nil, false
		if r := js.j.Rec; r != nil && r.JID != 0 {
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
		if err := js.j.Note(record.Event{Ev: "begin", Root: root}); err != nil {
			return err
		}
	}
	if root != "" && js.stale == nil {
		if js.j.Rec.Root != root {
			if err := js.j.Note(record.Event{Ev: "root", Root: root}); err != nil {
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
	if r := js.j.Rec; r != nil && r.JID != 0 {
		settle(x, r.JID, r.Root)
		if root, ok := jailRoot(x, r.JID); ok && (r.Root == "" || root == r.Root) {
			if err := stopJail(x, r.JID, root); err != nil {
				return fmt.Errorf("jail %s: %w", js.name, err)
			}
		}
		if err := js.j.Note(record.Event{Ev: "jid"}); err != nil {
			return err
		}
		return js.j.Note(record.Event{Ev: "state", State: "stopping"})
	}
	return nil
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

// rel is p relative to root, which p must lie strictly below.
func rel(root, p string) (string, error) {
	if p == root || !mount.Within(root, p) {
		return "", fmt.Errorf("%q is not below the jail root %q", p, root)
	}
	return strings.TrimPrefix(p[len(root):], "/"), nil
}

// ---- queries ----

// hangArgv is the hook the "hang" fault runs instead of the configured one:
// a sleep far past any time limit, its duration carrying this process's pid
// so that a test can tell its own hung hook from any other "sleep" on the
// machine (other test packages run at the same time).
func hangArgv() []string { return []string{"sleep", "3600." + strconv.Itoa(os.Getpid())} }
