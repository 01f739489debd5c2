package compat

import (
	"context"
	"path"
	"strings"
)

// Stop always stops (SPEC §0, §3.5): a running jail is stopped whatever its
// configuration has become — invalid (fstab or devfs ruleset gone, a
// spelling rcjail refuses), or its lines removed from rc.conf while it still
// has an id file. Such a stop works from what start recorded (the id file,
// rcjail's record) and what the kernel reports (the jail's root,
// the mount table); what of the configuration is still valid (the stop
// command, the stop hooks, the addresses) is used, and every configuration
// problem is a warning.

// With a record (the engine's, journal.go) a stop from the record needs
// only the kill and the removal of the id file; the rest is undone from the
// record (cleanup.go).
// Without one (a jail an older rcjail started) the kernel's mount table
// under the root is swept.

// Recorded is what a jail's record says of it.
type Recorded struct {
	OK   bool   // there is a record
	Root string // the root the jail was started in
	JID  string // the jail's jid since it was created; "" when none
}

// recordedJID returns the jid the host's record names for j when the
// kernel says that jail runs now in the root the record says it was
// started in (j's root when the record names none); "" otherwise.
//
// The recorded root, not the configured one: the record was written by
// this jail's own start, so a jid the kernel confirms in that root is this
// jail even when rootdir was edited while it ran. The 8.x script kills
// the id file's jid whatever the configuration says, and never starts a
// jail whose jid runs; refusing the match here left such a jail running
// at stop (SPEC §0). A recycled jid runs in another root and never
// matches.
func (r *Runner) recordedJID(ctx context.Context, j *Jail) (string, error) {
	rec, err := r.recorded(ctx, j.Name)
	if err != nil || !rec.OK || rec.JID == "" {
		return "", err
	}
	root := rec.Root
	if root == "" {
		root = j.RootDir
	}
	running, err := r.X.JailRunning(ctx, rec.JID, root)
	if err != nil || !running {
		return "", err
	}
	return rec.JID, nil
}

// JailListArgv lists the running jails with their roots, one "JID PATH" a
// line.
func JailListArgv() []string { return []string{"jls", "jid", "path"} }

// runningAt asks the executor for a jail running in j's root though no id
// file names it. A failed query is a warning and counts as found: nothing
// is unmounted under a jail that may run.
func (r *Runner) runningAt(ctx context.Context, j *Jail) (jid string, found, unsure bool) {
	if j.RootDir == "" {
		return "", false, false
	}
	jids, err := r.X.JailsAt(ctx, j.RootDir)
	if err != nil {
		r.warnf("%v", inJail(j.Name, err))
		return "", false, true
	}
	if len(jids) > 0 {
		return jids[0], true, false
	}
	return "", false, false
}

// stopUnrecorded stops jail jid, found running in j's root by the kernel
// (or named by the host's record) while no id file names it, as a stop
// from an id file would.
func (r *Runner) stopUnrecorded(ctx context.Context, j *Jail, jid string) bool {
	r.warnf("jail %s: no id file %s, but jail %s runs in %s: stopping it", j.Name, IDFile(j), jid, j.RootDir)
	return r.applyStop(ctx, j, PlanStop(j, StopFacts{IDFile: true, JID: jid, Running: true}), jid)
}

// MountEntry is one line of the kernel's mount table.
type MountEntry struct {
	FSType string
	Target string
}

// JailRootArgv is the command that asks for a running jail's root.
func JailRootArgv(jid string) []string { return []string{"jls", "-j", jid, "path"} }

// MountTableArgv is the command that lists the mount table (fstab format).
func MountTableArgv() []string { return []string{"mount", "-p"} }

// stopJailOf returns the jail a stop from the record works with: the name
// and what derives from it (the id file), and from the configuration cj (nil
// when the jail is no longer in it) only the knobs that have no error and
// that a stop uses: rootdir, hostname (for the line on stdout), the stop
// command and its console log, the stop hooks, the addresses. No mount knob
// is kept: what is mounted comes from the record or the mount table.
func stopJailOf(n string, cj *Jail) *Jail {
	j := &Jail{Name: n, DevfsRulesetN: -1}
	j.J, j.JV = jailNames(n)
	if cj == nil {
		return j
	}
	bad := func(knobs ...string) bool {
		for _, e := range cj.Errors {
			for _, k := range knobs {
				if strings.Contains(e.Var, "_"+k) {
					return true
				}
			}
		}
		return false
	}
	j.Hostname = cj.Hostname
	if r := cj.RootDir; !bad("rootdir") && cleanRoot(r) {
		j.RootDir = r
	}
	if !bad("exec_stop") {
		j.ExecStop = cj.ExecStop
	}
	if !bad("consolelog") {
		j.ConsoleLog = cj.ConsoleLog
	}
	if !bad("exec_prestop") {
		j.PreStop = cj.PreStop
	}
	if !bad("exec_poststop") {
		j.PostStop = cj.PostStop
	}
	if !bad("ip", "interface") {
		j.IPs = cj.IPs
	}
	return j
}

// sweepable are the file system types a stop from the record unmounts
// from the kernel's mount table under the jail's root: those rcjail and the
// script mount themselves (skeleton and fstab nullfs, devfs, fdescfs,
// procfs), whose unmount loses no data. A ZFS dataset or a UFS or tmpfs
// file system under the root is most often the host's own (zroot/jails/
// www/var mounted at boot); unmounting it by force would take the jail's
// data away from its next start, or destroy it.
var sweepable = map[string]bool{FSNullfs: true, FSDevfs: true, FSFdescfs: true, FSProcfs: true}

// cleanRoot: r can be a jail root to unmount under (absolute, clean, not
// "/", no ".." component).
func cleanRoot(r string) bool {
	return path.IsAbs(r) && path.Clean(r) == r && r != "/" && !strings.Contains(r, "/../") && !strings.HasSuffix(r, "/..")
}

// stopRecorded is stopOne for a jail whose configuration is invalid or
// gone (cj nil).
func (r *Runner) stopRecorded(ctx context.Context, n string, cj *Jail) bool {
	j := stopJailOf(n, cj)
	if cj != nil {
		for _, e := range cj.Errors {
			r.warnf("%v (stopping from what start recorded)", e)
		}
	}
	if err := r.lock(ctx, j); err != nil {
		r.errorf("%v", err)
		return false
	}
	jid, idOK, err := r.X.ReadIDFile(ctx, IDFile(j))
	if err != nil {
		r.errorf("%v", inJail(n, err))
		return false
	}
	rec, err := r.recorded(ctx, n)
	if err != nil {
		r.warnf("%v", inJail(n, err))
	}
	hasRec := rec.OK
	if j.RootDir == "" && cleanRoot(rec.Root) {
		j.RootDir = rec.Root
	}
	if !idOK && cj == nil && !hasRec {
		r.errorf("jail %s: not in the configuration, and no id file %s", n, IDFile(j))
		return false
	}
	var f StopFacts
	if idOK {
		f.IDFile, f.JID = true, jid
		if jid != "" {
			if f.Running, err = r.X.JailRunning(ctx, jid, j.RootDir); err != nil {
				r.errorf("%v", inJail(n, err))
				return false
			}
		}
	}
	if !f.Running && hasRec {
		// The record knows the jail's jid when the id file does not (a
		// start killed during its start command) or names another jail.
		if rj, err := r.recordedJID(ctx, j); err != nil {
			r.warnf("%v", inJail(n, err))
		} else if rj != "" {
			if !idOK {
				r.warnf("jail %s: no id file %s, but its record names jail %s running in %s: stopping it", n, IDFile(j), rj, j.RootDir)
			}
			idOK, f.IDFile, f.JID, f.Running = true, true, rj, true
		}
	}
	if f.Running && !hasRec {
		// The kernel names the running jail's root. Without a valid
		// rootdir it is the root; with one, it must agree: an id file
		// whose jid now runs under another root is stale (the jid was
		// reused), and that other jail is neither killed nor unmounted.
		root, err := r.X.JailRoot(ctx, jid)
		switch {
		case err != nil:
			r.warnf("%v", inJail(n, err))
		case j.RootDir == "" && cleanRoot(root):
			j.RootDir = root
		case j.RootDir != "" && root != j.RootDir:
			r.warnf("jail %s: jid %s runs under %s, not %s: the id file is stale and that jail is left alone", n, jid, root, j.RootDir)
			f.Running = false
		}
	}
	// The mounts: the recorder's record, else every mount the kernel has
	// strictly under the jail's root, the latest first. The jail's own
	// root may be a file system of its own and stays.
	var unmounts []Step
	if !hasRec && j.RootDir != "" {
		tbl, err := r.X.MountTable(ctx)
		if err != nil {
			r.warnf("%v", inJail(n, err))
		}
		for i := len(tbl) - 1; i >= 0; i-- {
			if t := tbl[i].Target; strings.HasPrefix(t, j.RootDir+"/") && sweepable[tbl[i].FSType] {
				unmounts = append(unmounts, Unmount{Jail: n, FSType: tbl[i].FSType, Target: t, Root: j.RootDir})
			}
		}
	}
	if j.RootDir == "" && !hasRec {
		r.warnf("jail %s: its root directory is unknown (not in the configuration, not running); mounts it may have left are not looked for", n)
	}
	ok := true
	if !idOK && !hasRec {
		jid, found, unsure := r.runningAt(ctx, j)
		if found {
			return r.stopUnrecorded(ctx, j, jid)
		}
		if unsure {
			unmounts = nil
		}
	}
	if !idOK {
		r.out(" cannot stop jail " + n + ". No jail id in /var/run\n")
		for _, s := range unmounts {
			if err := r.applyGuarded(ctx, s); err != nil {
				r.warnf("%v", inJail(n, err))
				ok = false
			}
		}
		if hasRec {
			if err := r.cleanup(ctx, n); err != nil {
				r.warnf("%v", inJail(n, err))
				ok = false
			}
		}
		return ok
	}
	steps := PlanStop(j, f)
	at := 0
	for i, s := range steps {
		if _, kill := s.(KillJail); kill {
			at = i + 1
		}
	}
	steps = append(steps[:at:at], append(unmounts, steps[at:]...)...)
	return r.applyStop(ctx, j, steps, f.JID)
}
