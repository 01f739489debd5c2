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
	"rcjail/compat/state"
	"rcjail/mount"
)

// Executor is the native [compat.Executor]: a host of system calls. The
// jail's lock and record are the engine's (compat.Records, compat's
// journal): this host reports what it did (directories made, mount
// identities, the jid the moment the jail exists) and undoes exactly the
// mount it is handed (compat.Unmount.Expect). It is safe for use by one
// runner at a time.
type Executor struct {
	opts Options
	dir  *state.Dir // <root>/var/run/rcjail
	sys  sysState   // what the OS layer (sys_<os>.go) keeps: FreeBSD's program runner

	mu    sync.Mutex
	jails map[string]*jailState
	calls map[string]int // fault counters per Fault.Op
}

// jailState is what the executor knows of one jail during this run: its
// root, once a step named it (state files are never opened through a
// directory below a jail root the run works on).
type jailState struct {
	name string
	root string
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

// Close implements [compat.Executor]: the state directory, if opened.
func (x *Executor) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.dir != nil {
		x.dir.Close()
		x.dir = nil
	}
	return nil
}

// Release forgets what this run knew of a jail (its root).
func (x *Executor) Release(jail string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.jails, state.Key(jail))
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

// jail returns what this run knows of a jail, noting its root (root ""
// leaves it). It is keyed by the jail's variable name (state.Key).
func (x *Executor) jail(name, root string) (*jailState, error) {
	if name == "" {
		return nil, errors.New("step names no jail")
	}
	key := state.Key(name)
	x.mu.Lock()
	defer x.mu.Unlock()
	js := x.jails[key]
	if js == nil {
		js = &jailState{name: name}
		x.jails[key] = js
	}
	if root != "" {
		js.root = root
	}
	return js, nil
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
