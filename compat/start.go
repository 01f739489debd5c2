package compat

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
)

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
		if _, err := r.apply(ctx, SysctlSet{MIB: k.MIB, Value: k.Want}); err != nil {
			r.warnf("%v", err)
		}
	}
	r.out(".\n")
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
	if j.JailConfFile == "" {
		for _, f := range []struct {
			path    string
			console bool
		}{{j.ConsoleLog, true}, {IDFile(j), false}} {
			if f.path == "" {
				continue
			}
			if err := r.X.CheckStateFile(ctx, f.path, f.console); err != nil {
				return refuse(err)
			}
		}
	}
	// What an unfinished run left is undone first, as a stop would.
	if err := r.beginStart(ctx, j); err != nil {
		return refuse(err)
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
		// And what the record lists that the undo did not cover (a
		// partial fstab, an intent).
		if err := r.cleanup(ctx, n); err != nil {
			r.errorf("%v", inJail(n, err))
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
		res, err := r.apply(ctx, s)
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
// stderr (see [Executor.SetHookOutput]).
func (r *Runner) hookOutput() {
	r.X.SetHookOutput(r.Stdout, r.Stderr)
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
	// skip is the script's check of an fdescfs or procfs mount point p
	// (info is its "Mounting …" line): a symlink on its path below the
	// root, or p missing, skips the mount; otherwise nil.
	skip := func(fs, p, info string) (*Skip, error) {
		link, err := r.symlinkBelow(ctx, root, p)
		if err != nil {
			return nil, err
		}
		if link {
			return &Skip{Jail: j.Name, FSType: fs, Target: p, Warn: p + " has symlink as parent, not mounting"}, nil
		}
		if ok, err := r.isDir(ctx, p); err != nil || ok {
			return nil, err
		}
		return &Skip{Jail: j.Name, FSType: fs, Target: p, Info: info, Warn: missing(fs, p)}, nil
	}
	var err error
	if j.Fdescfs && !devByUs {
		fd := under(dev, "fd")
		if f.FdescSkip, err = skip(FSFdescfs, fd, "Mounting fdescfs on "+fd); err != nil {
			return err
		}
	}
	if j.Procfs {
		p := under(root, "proc")
		if f.ProcSkip, err = skip(FSProcfs, p, "Mounting procfs onto "+p); err != nil {
			return err
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
	return r.X.IsDir(ctx, p)
}

// afterJail runs exec_afterstart*, prints the hostname, writes the console
// log and the id file, and runs exec_poststart*.
func (r *Runner) afterJail(ctx context.Context, j *Jail, res Result, undo []Step, fail func(error, []byte) bool) bool {
	for _, s := range PlanAfterJail(j, res.JID, res.Output) {
		_, err := r.apply(ctx, s)
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
