package compat

import (
	"context"
	"strings"

	"rcjail/compat/record"
)

// applyGuarded applies s; an Unmount runs only when something of the
// expected type is mounted exactly there (SPEC §3.5).
func (r *Runner) applyGuarded(ctx context.Context, s Step) error {
	if u, ok := s.(Unmount); ok {
		m, err := r.X.Mounted(ctx, u.Target, u.FSType)
		if err != nil {
			return err
		}
		if !m {
			// Gone already: the record forgets it (no second look at
			// the end of the stop).
			// A mount with a kernel identity may have moved (a parent
			// renamed): the record keeps it, for the cleanup to find.
			if j := r.journal(u.Jail); j != nil && j.Rec.HasMount(u.Target) && !identified(j.Rec, u.Target) {
				return j.Note(record.Event{Ev: "unmount", Paths: []string{u.Target}})
			}
			return nil
		}
	}
	_, err := r.apply(ctx, s)
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
			if err := r.cleanup(ctx, n); err != nil {
				r.warnf("%v", inJail(n, err))
				ok = false
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
	// Then what the record still lists (journal.go): an alias or a mount
	// the configuration no longer names, an intent a crash left.
	if j.JailConfFile == "" {
		if err := r.cleanup(ctx, n); err != nil {
			r.errorf("%v", inJail(n, err))
			ok = false
		}
	}
	return ok
}
