package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

// Runner does what rc.subr and the 8.x rc.d/jail script do for one
// invocation: the jail_enable gate, the verbs, the stdout lines byte for
// byte, and every effect through its [Executor].
//
// Decisions where the script leaves room:
//   - jail_parallel_start starts the jails in parallel, stdout in list
//     order (parallel.go).
//   - jail_reverse_stop reverses jail_list on stop, only when no names were
//     given on the command line (as the modern script).
//   - A failing hook (exec_prestart, exec_afterstart, exec_poststart,
//     exec_prestop, exec_poststop) is a warning naming the hook and its
//     status, and the start or stop goes on: the script ignores a hook's
//     status (SPEC §3.3). The hook's own stdout goes to stdout and its
//     stderr to stderr as it runs, where the script's inherited ones put
//     them ([HookOutputter]).
//   - `stop` of a jail without an id file prints the script's "cannot stop"
//     line, and still unmounts what the jail's start would have mounted if it
//     is mounted there now (SPEC §3.5); that is not a failure.
//   - A jail whose configuration is invalid is not started: start prints
//     ` cannot start jail "x": `, the reasons go to stderr, exit status 1.
//     It is stopped all the same (SPEC §3.5), as is a jail named on the
//     command line that is no longer configured but has an id file: from
//     the id file, the executor's record and the kernel (see stoprec.go),
//     the configuration's problems as warnings.
//   - A stale id file (its jid is not running, SPEC §3.5) is not "already
//     running": start starts the jail and replaces it; stop skips the stop
//     command and the kill (the jid may be another jail's by now) but does
//     the rest of the teardown.
type Runner struct {
	Config *Config
	X      Executor
	Stdout io.Writer // the script's stdout (io.Discard under -n)
	Stderr io.Writer
	Name   string // the path diagnostics are prefixed with

	// Status, if set, handles the "status" verb (the richer admin view lives
	// in cmd/rcjail); nil means the minimal rc.subr-like status below.
	Status func(ctx context.Context, names []string) int

	// NewX, if set, returns a fresh executor for one jail of a parallel
	// start (jail_parallel_start, parallel.go); nil starts jails one after
	// another. ParallelLimit bounds how many start at once (0: the
	// default).
	NewX          func() (Executor, error)
	ParallelLimit int

	// Limits, if set, lists what this host's kernel cannot take of a jail
	// (cmd/rcjail: on Linux with the native backend, a host name over
	// HOST_NAME_MAX, a start command over ARG_MAX), in the host's terms,
	// the messages check prints. A jail with any is refused before its
	// start does anything, instead of failing in the kernel behind a
	// jail(8) command line that this host never runs.
	Limits func(j *Jail) []string

	rulesLoaded bool
	rulesErr    error // the devfs rules a parallel start preloaded failed
}

func (r *Runner) out(s string) { io.WriteString(r.Stdout, s) }

func (r *Runner) warnf(format string, args ...any) {
	fmt.Fprintf(r.Stderr, "%s: WARNING: %s\n", r.Name, fmt.Sprintf(format, args...))
}

func (r *Runner) errorf(format string, args ...any) {
	fmt.Fprintf(r.Stderr, "%s: ERROR: %s\n", r.Name, fmt.Sprintf(format, args...))
}

// Run handles one rc.d invocation (arg is the verb with its prefix, names
// the jails after it, which replace jail_list) and returns the exit status:
// 0 when everything asked for happened, 1 otherwise.
func (r *Runner) Run(ctx context.Context, arg string, names []string) int {
	inv := ParseInvocation(arg)
	if arg == "" {
		fmt.Fprintln(r.Stderr, ScriptUsageLine(r.Name))
		return 1
	}
	if !isVerb(inv.Verb) {
		fmt.Fprintf(r.Stderr, "%s: unknown directive '%s'.\n", r.Name, inv.Verb)
		fmt.Fprintln(r.Stderr, UsageLine(r.Name))
		return 1
	}
	if inv.Verb != "rcvar" && !inv.Forced() && r.Config.EnableWarning != "" {
		// rc.subr's checkyesno of jail_enable, before the verb runs; the
		// one and force prefixes set jail_enable=YES first, so they never
		// see it (issue 10 item 9).
		r.warnf("%s", r.Config.EnableWarning)
	}
	if inv.Verb != "rcvar" && !r.Config.Enable && !inv.Forced() {
		if !inv.Quiet() {
			r.out(DisabledMessage(inv.Verb) + "\n")
		}
		return 0
	}
	for _, w := range r.Config.Warnings {
		r.warnf("%s", w)
	}
	given := len(names) > 0
	if !given {
		names = r.Config.List
	}
	all := !given && r.Config.AllConf != "" // the modern script's _ALL (all.go)
	switch inv.Verb {
	case "start":
		if all {
			r.configure(ctx)
			return r.startAll(ctx)
		}
		st := r.Start(ctx, names)
		r.confWarn(names)
		return st
	case "stop":
		if all {
			return r.stopAll(ctx)
		}
		if !given && r.Config.ReverseStop {
			names = slices.Clone(names)
			slices.Reverse(names)
		}
		return r.Stop(ctx, names)
	case "restart":
		if all {
			st := r.stopAll(ctx)
			r.configure(ctx)
			return max(st, r.startAll(ctx))
		}
		st := r.Stop(ctx, names)
		return max(st, r.Start(ctx, names))
	case "rcvar":
		// The raw value, as rc.subr's eval echo prints it; one/force set
		// it to YES first.
		v := r.Config.EnableRaw
		if inv.Forced() {
			v = "YES"
		}
		r.out(RcvarText(v))
		return 0
	case "status":
		if r.Status != nil {
			return r.Status(ctx, names)
		}
		return r.status(ctx, names)
	}
	return 1
}

// status prints one rc.subr-like line per jail.
func (r *Runner) status(ctx context.Context, names []string) int {
	st := 0
	for _, n := range names {
		j := r.Config.Jails[n]
		if j == nil {
			st = 1
			continue
		}
		jid, ok, err := r.X.ReadIDFile(ctx, IDFile(j))
		running := false
		if err == nil && ok && jid != "" {
			running, err = r.X.JailRunning(ctx, jid, j.RootDir)
		}
		if err == nil && !running {
			// The record, whether or not there is an id file (issue 12).
			var rj string
			if rj, err = r.recordedJID(ctx, j); rj != "" {
				jid, running = rj, true
			}
		}
		if err != nil {
			r.warnf("%v", inJail(n, err))
		}
		if running {
			r.out(fmt.Sprintf("jail %s is running as jid %s.\n", n, jid))
		} else {
			r.out(fmt.Sprintf("jail %s is not running.\n", n))
			st = 1
		}
	}
	return st
}

// Start is the script's jail_start: the "Configuring jails:" sysctl block,
// then "Starting jails:" and each jail in order.
func (r *Runner) Start(ctx context.Context, names []string) int {
	r.configure(ctx)
	if r.Config.ParallelStart && r.NewX != nil && len(names) > 1 {
		return r.startParallel(ctx, names)
	}
	return r.each(ctx, "Starting jails:", names, r.startOne)
}

// configure is the "Configuring jails:" sysctl block.
func (r *Runner) configure(ctx context.Context) {
	r.out("Configuring jails:")
	for _, k := range r.Config.Sysctls {
		if k.Warning != "" {
			r.warnf("%s", k.Warning)
		}
		if k.Want == "" {
			continue
		}
		cur, err := r.X.SysctlGet(ctx, k.MIB)
		if err != nil {
			// The script discards sysctl -n's errors and compares an empty
			// value, so it sets the knob; do the same, loudly.
			r.warnf("%v", err)
		}
		if cur == k.Want {
			continue
		}
		yn := "NO"
		if k.Want == "1" {
			yn = "YES"
		}
		r.out(" " + k.Label + "=" + yn)
		if _, err := Apply(ctx, r.X, SysctlSet{MIB: k.MIB, Value: k.Want}); err != nil {
			r.warnf("%v", err)
		}
	}
	r.out(".\n")
}

// each prints title, runs one for every name in order, then the closing
// "." of the script's line; 1 when any of them failed, else 0.
func (r *Runner) each(ctx context.Context, title string, names []string, one func(context.Context, string) bool) int {
	r.out(title)
	st := 0
	for _, n := range names {
		if !one(ctx, n) {
			st = 1
		}
	}
	r.out(".\n")
	return st
}

func (r *Runner) cannotStart(n string) {
	r.out(" cannot start jail \"" + n + "\": \n")
}

// startOne starts one jail; false when it could not.
func (r *Runner) startOne(ctx context.Context, n string) bool {
	r.hookOutput()
	j := r.Config.Jails[n]
	if j == nil {
		r.cannotStart(n)
		r.errorf("jail %s: not in the configuration", n)
		return false
	}
	// refuse prints the script's " cannot start" and err, the jail named
	// once: the jail is refused before its start has done anything.
	refuse := func(err error) bool {
		r.cannotStart(n)
		r.errorf("%v", inJail(n, err))
		return false
	}
	if len(j.Errors) > 0 {
		// SPEC §3.1: the jail is refused, the others still start.
		r.cannotStart(n)
		for _, e := range j.Errors {
			r.errorf("%v", e)
		}
		return false
	}
	if err := r.lock(ctx, j); err != nil {
		return refuse(err)
	}
	if j.JailConfFile == "" {
		idf := IDFile(j)
		jid, ok, err := r.X.ReadIDFile(ctx, idf)
		if err != nil {
			return refuse(err)
		}
		if ok && jid != "" {
			running, err := r.X.JailRunning(ctx, jid, j.RootDir)
			if err != nil {
				return refuse(err)
			}
			if running {
				r.out(" [" + j.Hostname + " already running (" + idf + " exists)]")
				return true
			}
			// A stale id file (SPEC §3.5): start the jail, the id file is
			// replaced on success.
		}
		// The host's record knows a jail whose id file was never written
		// (a start killed during its start command) or that another
		// spelling of its name started: never a second jail on the root.
		rj, err := r.recordedJID(ctx, j)
		if err != nil {
			return refuse(err)
		}
		if rj != "" {
			r.out(" [" + j.Hostname + " already running (jid " + rj + ")]")
			return true
		}
	}
	if r.Limits != nil && j.JailConfFile == "" {
		if errs := r.Limits(j); len(errs) > 0 {
			r.cannotStart(n)
			for _, e := range errs {
				r.errorf("jail %s: %s", n, e)
			}
			return false
		}
	}
	if c, ok := r.X.(StateChecker); ok && j.JailConfFile == "" {
		for _, f := range []struct {
			path    string
			console bool
		}{{j.ConsoleLog, true}, {IDFile(j), false}} {
			if f.path == "" {
				continue
			}
			if err := c.CheckStateFile(ctx, f.path, f.console); err != nil {
				return refuse(err)
			}
		}
	}
	var facts StartFacts
	if j.Devfs && j.JailConfFile == "" {
		m, err := r.X.Mounted(ctx, path.Join(j.RootDir, "dev"), FSDevfs)
		if err != nil {
			return refuse(err)
		}
		facts.DevfsMounted = m
	}
	if j.JailConfFile == "" {
		if err := r.fstabFacts(ctx, j, &facts); err != nil {
			return refuse(err)
		}
		if err := r.pseudoFacts(ctx, j, &facts); err != nil {
			return refuse(err)
		}
	}
	steps := PlanStart(j, facts)
	steps = r.withRules(j, steps)
	devInfo := false

	var undo []Step
	fail := func(err error, jailOutput []byte) bool {
		r.cannotStart(n)
		if jailOutput != nil {
			r.Stdout.Write(jailOutput)
		}
		if err != nil {
			r.errorf("%v", err)
		}
		for _, e := range r.rollback(ctx, undo) {
			r.errorf("%v", inJail(n, e))
		}
		return false
	}
	for _, s := range steps {
		if sk, ok := s.(Skip); ok {
			if sk.Info != "" {
				r.info(sk.Info)
			}
			r.warnf("%s", sk.Warn)
			continue
		}
		r.infoFor(j, s, &devInfo)
		res, err := Apply(ctx, r.X, s)
		if _, hook := s.(Exec); hook && err != nil {
			r.hookFailed(err)
			continue
		}
		if err != nil {
			if sj, ok := s.(StartJail); ok && !errors.Is(err, ErrJailFailed) {
				// A host that ran no jail(8) (native Linux): its own
				// message, not a FreeBSD command line it never ran.
				return fail(inJail(n, err), res.Output)
			} else if ok {
				argv := strings.Join(JailArgv(sj), " ")
				if NamesJail(err.Error(), n) {
					return fail(fmt.Errorf("%s: %w", argv, err), res.Output)
				}
				return fail(fmt.Errorf("start jail %s: %s: %w", n, argv, err), res.Output)
			}
			return fail(inJail(n, err), nil)
		}
		switch s := s.(type) {
		case Mkdir:
			if res.Created {
				undo = append(undo, Rmdir(s))
			}
		case StartJail:
			undo = append(undo, KillJail{Jail: n, JID: res.JID})
			return r.afterJail(ctx, j, res, undo, fail)
		default:
			undo = pushUndo(undo, s.Undo())
		}
	}
	// A jail.conf jail: jail(8) did everything.
	r.out(" " + hostOrName(j))
	r.jailConfIDFile(ctx, j)
	return true
}

// hookOutput points the executor's hooks at this runner's stdout and
// stderr (see [HookOutputter]).
func (r *Runner) hookOutput() {
	if h, ok := r.X.(HookOutputter); ok {
		h.SetHookOutput(r.Stdout, r.Stderr)
	}
}

// info prints rc.subr's info line on stdout when rc_info is on (issue 10
// item 7): "<prog>: INFO: <msg>", in the middle of "Starting jails:" as
// the script prints it.
func (r *Runner) info(msg string) {
	if r.Config.Info {
		r.out(r.Name + ": INFO: " + msg + "\n")
	}
}

// infoFor prints the info line the script prints before step s: the fstab
// mount, the devfs block (before its rules are loaded, once), the fdescfs
// and procfs mounts. The texts are the 8.x script's, the jail named as
// given.
func (r *Runner) infoFor(j *Jail, s Step, devInfo *bool) {
	if !r.Config.Info {
		return
	}
	devfs := func(dir string) {
		if !*devInfo {
			*devInfo = true
			r.info("Mounting devfs on " + dir)
		}
	}
	switch s := s.(type) {
	case FstabMount:
		r.info("Mounting fstab for jail " + j.Name + " (" + j.Fstab + ")")
	case DevfsRule:
		devfs(under(j.RootDir, "dev"))
	case Mount:
		switch s.FSType {
		case FSDevfs:
			devfs(s.Target)
		case FSFdescfs:
			r.info("Mounting fdescfs on " + s.Target)
		case FSProcfs:
			r.info("Mounting procfs onto " + s.Target)
		}
	}
}

// pseudoFacts decides, as the 8.x script does, which of the devfs, fdescfs
// and procfs mounts are skipped (issue 10 item 6): a mount point that is
// missing is never created (the script skips procfs on `[ -d ]`, and its
// devfs and fdescfs mounts fail, the jail starting without them); an
// fdescfs or procfs mount point with a symlink on its path below the jail
// root gets the script's "has symlink as parent, not mounting". A symlink
// on the devfs mount point still refuses the start (Mkdir's check), as the
// script refuses to start that jail. dev/fd on a devfs this start mounts
// is the devfs's own and is not looked at.
func (r *Runner) pseudoFacts(ctx context.Context, j *Jail, f *StartFacts) error {
	root := j.RootDir
	dev := under(root, "dev")
	missing := func(fs, dir string) string {
		return fmt.Sprintf("jail %s: %s does not exist: %s is not mounted and the jail starts without it, as with the 8.x script", j.Name, dir, fs)
	}
	devByUs := false
	if j.Devfs && !f.DevfsMounted {
		link, err := r.symlinkBelow(ctx, root, dev)
		if err != nil {
			return err
		}
		ok, err := r.isDir(ctx, dev)
		if err != nil {
			return err
		}
		if !link && !ok {
			f.DevSkip = &Skip{Jail: j.Name, FSType: FSDevfs, Target: dev, Info: "Mounting devfs on " + dev, Warn: missing("devfs", dev)}
		} else {
			devByUs = true
		}
	}
	if j.Fdescfs && !devByUs {
		fd := under(dev, "fd")
		link, err := r.symlinkBelow(ctx, root, fd)
		if err != nil {
			return err
		}
		if link {
			f.FdescSkip = &Skip{Jail: j.Name, FSType: FSFdescfs, Target: fd, Warn: fd + " has symlink as parent, not mounting"}
		} else if ok, err := r.isDir(ctx, fd); err != nil {
			return err
		} else if !ok {
			f.FdescSkip = &Skip{Jail: j.Name, FSType: FSFdescfs, Target: fd, Info: "Mounting fdescfs on " + fd, Warn: missing("fdescfs", fd)}
		}
	}
	if j.Procfs {
		p := under(root, "proc")
		link, err := r.symlinkBelow(ctx, root, p)
		if err != nil {
			return err
		}
		if link {
			f.ProcSkip = &Skip{Jail: j.Name, FSType: FSProcfs, Target: p, Warn: p + " has symlink as parent, not mounting"}
		} else if ok, err := r.isDir(ctx, p); err != nil {
			return err
		} else if !ok {
			f.ProcSkip = &Skip{Jail: j.Name, FSType: FSProcfs, Target: p, Info: "Mounting procfs onto " + p, Warn: missing("procfs", p)}
		}
	}
	return nil
}

// fstabFacts decides, as the 8.x script's jail_mount_fstab, whether the
// fstab is mounted at all: when a mount point of it, or a parent up to
// "/", is a symlink, the script warns "<mp> has symlink as parent - not
// mounting from <fstab>", mounts nothing from that fstab, and starts the
// jail. Skipping is as safe as refusing (no mount follows the symlink),
// and refusing would break SPEC §0 (a root under FreeBSD's /home ->
// /usr/home is common).
func (r *Runner) fstabFacts(ctx context.Context, j *Jail, f *StartFacts) error {
	if !j.MountEnable {
		return nil
	}
	for _, e := range j.FstabEntries {
		link, err := r.symlinkBelow(ctx, "/", path.Clean(e.MountPoint))
		if err != nil {
			return err
		}
		if link {
			f.FstabSkip = &Skip{Jail: j.Name, FSType: "fstab", Target: e.MountPoint,
				Info: "Mounting fstab for jail " + j.Name + " (" + j.Fstab + ")",
				Warn: e.MountPoint + " has symlink as parent - not mounting from " + j.Fstab}
			return nil
		}
	}
	return nil
}

// symlinkBelow reports whether a component of p below root (p included)
// is a symlink. Above the jail root the host's own layout is trusted.
func (r *Runner) symlinkBelow(ctx context.Context, root, p string) (bool, error) {
	rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	cur := root
	for _, c := range strings.Split(rel, "/") {
		cur = under(cur, c)
		link, err := r.X.IsSymlink(ctx, cur)
		if err != nil || link {
			return link, err
		}
	}
	return false, nil
}

func (r *Runner) isDir(ctx context.Context, p string) (bool, error) {
	if q, ok := r.X.(DirQuerier); ok {
		return q.IsDir(ctx, p)
	}
	return true, nil
}

// hookFailed reports a hook that failed; the caller goes on (SPEC §3.3).
// The executor's error names the hook variable, the jail, the command and
// its exit status.
func (r *Runner) hookFailed(err error) {
	r.warnf("%v (ignored: the 8.x script ignores a hook's status)", err)
}

func hostOrName(j *Jail) string {
	if j.Hostname != "" {
		return j.Hostname
	}
	return j.Name
}

// afterJail runs exec_afterstart*, prints the hostname, writes the console
// log and the id file, and runs exec_poststart*.
func (r *Runner) afterJail(ctx context.Context, j *Jail, res Result, undo []Step, fail func(error, []byte) bool) bool {
	for _, s := range PlanAfterJail(j, res.JID, res.Output) {
		_, err := Apply(ctx, r.X, s)
		if w, ok := s.(WriteFile); ok && w.IDFile && err == nil {
			// The script prints the hostname before it writes the
			// console log and the id file; here either can still refuse
			// the jail (SPEC §3.3, §3.4), so the name is printed once
			// both are written: a refused jail shows only ` cannot start
			// jail "x": ` (issue 10 item 10).
			r.out(" " + j.Hostname)
		}
		switch s := s.(type) {
		case Jexec, Exec:
			if err != nil {
				r.hookFailed(err)
			}
		default:
			if err != nil {
				return fail(err, nil)
			}
			undo = pushUndo(undo, s.Undo())
		}
	}
	return true
}

// withRules inserts the devfs rule loading in front of the first devfs
// mount of the run, once per run, as rc.subr's devfs_mount_jail does.
func (r *Runner) withRules(j *Jail, steps []Step) []Step {
	if r.rulesLoaded || len(j.DevfsRules) == 0 {
		return steps
	}
	for i, s := range steps {
		if m, ok := s.(Mount); ok && m.FSType == FSDevfs {
			out := make([]Step, 0, len(steps)+len(j.DevfsRules))
			out = append(out, steps[:i]...)
			for _, rule := range j.DevfsRules {
				out = append(out, rule)
			}
			r.rulesLoaded = true
			return append(out, steps[i:]...)
		}
	}
	return steps
}

// lock takes the jail's lock when the executor has locks (SPEC §3.7),
// before anything of the jail is read; the executor keys it by the jail's
// variable name ([JailKey]).
func (r *Runner) lock(ctx context.Context, j *Jail) error {
	if l, ok := r.X.(Locker); ok {
		if err := l.LockJail(ctx, j.Name); err != nil {
			return inJail(j.Name, err)
		}
	}
	return nil
}

// pushUndo puts a step's undo steps on the undo stack. Undo returns them in
// the order they must run, and the stack is run from its top, so they go on
// in reverse (an fstab's unmounts must stay in reverse file order).
func pushUndo(stack, steps []Step) []Step {
	for i := len(steps) - 1; i >= 0; i-- {
		stack = append(stack, steps[i])
	}
	return stack
}

// rollback undoes done steps in reverse, past errors, and returns every
// error (SPEC §3.3).
func (r *Runner) rollback(ctx context.Context, undo []Step) []error {
	var errs []error
	for i := len(undo) - 1; i >= 0; i-- {
		if err := r.applyGuarded(ctx, undo[i]); err != nil {
			errs = append(errs, fmt.Errorf("undo: %w", err))
		}
	}
	return errs
}

// applyGuarded applies s; an Unmount runs only when something of the
// expected type is mounted exactly there (SPEC §3.5).
func (r *Runner) applyGuarded(ctx context.Context, s Step) error {
	if u, ok := s.(Unmount); ok {
		m, err := r.X.Mounted(ctx, u.Target, u.FSType)
		if err != nil {
			return err
		}
		if !m {
			return nil
		}
	}
	_, err := Apply(ctx, r.X, s)
	return err
}

// Stop is the script's jail_stop.
func (r *Runner) Stop(ctx context.Context, names []string) int {
	return r.each(ctx, "Stopping jails:", names, r.stopOne)
}

func (r *Runner) stopOne(ctx context.Context, n string) bool {
	r.hookOutput()
	j := r.Config.Jails[n]
	if j == nil || len(j.Errors) > 0 {
		// Stop always stops (SPEC §3.5): from the id file, the record and
		// the kernel, the configuration's problems as warnings.
		return r.stopRecorded(ctx, n, j)
	}
	if err := r.lock(ctx, j); err != nil {
		r.errorf("%v", err)
		return false
	}
	var f StopFacts
	if j.JailConfFile == "" {
		jid, ok, err := r.X.ReadIDFile(ctx, IDFile(j))
		if err != nil {
			r.errorf("%v", inJail(n, err))
			return false
		}
		if !ok {
			if rj, err := r.recordedJID(ctx, j); err != nil {
				r.warnf("%v", inJail(n, err))
			} else if rj != "" {
				return r.stopUnrecorded(ctx, j, rj)
			}
			jid, found, unsure := r.runningAt(ctx, j)
			if found {
				return r.stopUnrecorded(ctx, j, jid)
			}
			r.out(" cannot stop jail " + n + ". No jail id in /var/run\n")
			if unsure {
				return false
			}
			// Clean what a crashed start or an earlier failed stop left.
			ok := true
			for _, s := range PlanStop(j, StopFacts{}) {
				if err := r.applyGuarded(ctx, s); err != nil {
					r.warnf("%v", inJail(n, err))
					ok = false
				}
			}
			return ok
		}
		f.IDFile, f.JID = true, jid
		if jid != "" {
			f.Running, err = r.X.JailRunning(ctx, jid, j.RootDir)
			if err != nil {
				r.errorf("%v", inJail(n, err))
				return false
			}
		}
		if !f.Running {
			// A stale or foreign jid: the record may know the jail's own.
			rj, err := r.recordedJID(ctx, j)
			if err != nil {
				r.warnf("%v", inJail(n, err))
			} else if rj != "" {
				f.JID, f.Running = rj, true
			}
		}
	}
	return r.applyStop(ctx, j, PlanStop(j, f), f.JID)
}

// applyStop runs a stop's steps past errors, printing the jail's name on
// stdout where the script prints it; false when one of rcjail's own steps
// failed (a failing hook is a warning).
func (r *Runner) applyStop(ctx context.Context, j *Jail, steps []Step, jid string) bool {
	n := j.Name
	ok := true
	printed := jid == "" && j.JailConfFile == ""
	for _, s := range steps {
		if !printed {
			switch s := s.(type) {
			case AliasRemove, RemoveFile:
				r.out(" " + hostOrName(j))
				printed = true
			case Exec:
				if strings.HasPrefix(s.Var, "exec_poststop") {
					r.out(" " + hostOrName(j))
					printed = true
				}
			}
		}
		err := r.applyGuarded(ctx, s)
		if err != nil {
			var hook bool
			switch s.(type) {
			case Exec, Jexec:
				hook = true
			}
			if hook {
				r.warnf("%v", inJail(n, err))
				continue
			}
			r.errorf("%v", inJail(n, err))
			ok = false
		}
	}
	if !printed {
		r.out(" " + hostOrName(j))
	}
	return ok
}

// SplitJailOutput splits jail(8)'s output into the jid (first line) and the
// rest, as the script's `head -1` and `tail +2` do.
func SplitJailOutput(out []byte) (jid string, rest []byte) {
	first, rest, found := bytes.Cut(out, []byte("\n"))
	if !found {
		return string(first), nil
	}
	return string(first), rest
}

// ErrJailFailed is wrapped by executors when jail(8) itself failed; the
// Runner then names jail(8)'s command line in the message.
var ErrJailFailed = errors.New("jail(8) failed")

// JailFailed marks err as a failure of jail(8) (errors.Is(err,
// ErrJailFailed)) without changing its text: the dry run's "would fail".
func JailFailed(err error) error { return jailFailed{err} }

type jailFailed struct{ error }

func (e jailFailed) Unwrap() error        { return e.error }
func (e jailFailed) Is(target error) bool { return target == ErrJailFailed }

// inJail names jail n in err once (issue 10 item 13: one jail name per
// message, each layer adding only what its caller does not know). The
// executors name the jail of a step in their errors (the step carries it);
// queries (id file, jls, df) do not, and the runner adds it.
func inJail(n string, err error) error {
	if NamesJail(err.Error(), n) {
		return err
	}
	return fmt.Errorf("jail %s: %w", n, err)
}

// NamesJail reports whether msg already names jail n: "jail n" or
// `jail "n"` followed by the end or a character no jail name ends with
// here (":", " ", ",", ")", ";").
func NamesJail(msg, n string) bool {
	for _, w := range []string{"jail " + n, `jail "` + n + `"`} {
		for rest := msg; ; {
			i := strings.Index(rest, w)
			if i < 0 {
				break
			}
			rest = rest[i+len(w):]
			if rest == "" || strings.IndexByte(": ,);", rest[0]) >= 0 {
				return true
			}
		}
	}
	return false
}
