package compat

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"rcjail/compat/record"
	"rcjail/compat/state"
)

// What a stop undoes from the engine's record (journal.go), for every real
// host: after the planned steps, everything the record still
// lists — a mount made or about to be made (an intent), an alias, a
// directory made, the id file — through steps, so that each is one host
// call: an [Unmount] naming the recorded mount ([Unmount.Expect]: the host
// touches that mount and nothing else), [AliasRemove], [Rmdir], [RemoveFile].
// Mounts go deepest first; an entry whose mount point is not strictly below
// the record's jail root was not written by a start of this jail (a
// tampered record) and is refused, never unmounted. A start first does the
// same for what an unfinished run left, as a stop would.

// recorded returns what the jail's record says: the held record (the jail's lock is held), or one read
// without the lock (status).
func (r *Runner) recorded(ctx context.Context, jail string) (Recorded, error) {
	if r.Rec == nil {
		return Recorded{}, nil // the dry run: no record
	}
	if j := r.journal(jail); j != nil {
		return resolveRecorded(ctx, r.X, j.Rec, j)
	}
	return ReadRecorded(ctx, r.X, r.Rec.Root, jail)
}

// ReadRecorded is what the record under root says of jail, read without
// the jail's lock and without creating anything (status: it must not wait
// for a start or stop in progress; it may be one event behind one, never
// torn). A start killed between the jail's creation and its jid line left
// "creating" with the root: x (nil: not asked) is asked which jail runs
// there ([Executor.JailsAt]).
func ReadRecorded(ctx context.Context, x JailFinder, root, jail string) (Recorded, error) {
	rec, err := record.Read(root, jail)
	if err != nil {
		return Recorded{}, err
	}
	return resolveRecorded(ctx, x, rec, nil)
}

// resolveRecorded is Recorded of rec; j, when the lock is held, learns the
// jid the kernel names for a "creating" record.
func resolveRecorded(ctx context.Context, x JailFinder, rec *record.Record, j *record.Journal) (Recorded, error) {
	if rec == nil {
		return Recorded{}, nil
	}
	out := Recorded{OK: true, Root: rec.Root}
	if rec.JID != 0 {
		out.JID = strconv.Itoa(rec.JID)
		return out, nil
	}
	if rec.State != "creating" || !cleanRoot(rec.Root) || x == nil {
		return out, nil
	}
	jids, err := x.JailsAt(ctx, rec.Root)
	if err != nil || len(jids) != 1 {
		return out, err
	}
	out.JID = jids[0]
	if n, err := strconv.Atoi(jids[0]); err == nil && n > 0 && j != nil {
		if err := j.Note(record.Event{Ev: "jid", JID: n, State: "running"}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// identified reports whether rec's mount at target carries a kernel
// identity (a host that can find it wherever it has moved).
func identified(rec *record.Record, target string) bool {
	for _, m := range rec.Mounts {
		if m.Target() == target && (m.ID != 0 || m.UniqueID != 0) {
			return true
		}
	}
	return false
}

// JailFinder finds the running jails rooted somewhere ([Executor.JailsAt]).
type JailFinder interface {
	JailsAt(ctx context.Context, root string) ([]string, error)
}

// recordEmpty reports whether rec lists nothing a stop must undo.
func recordEmpty(rec *record.Record) bool {
	return rec == nil || rec.JID == 0 && rec.State != "creating" && len(rec.Mounts) == 0 && len(rec.Intents) == 0 && len(rec.Aliases) == 0 && len(rec.Created) == 0 && rec.IDFile == ""
}

// belowRoot reports whether m's mount point lies strictly below root, the
// record's jail root: root is clean and not "/", m names it as its root,
// and m's relative part is clean and does not climb.
func belowRoot(root string, m record.Mount) bool {
	return cleanRoot(root) && m.Root == root &&
		m.Rel != "" && m.Rel != "." && !path.IsAbs(m.Rel) && path.Clean(m.Rel) == m.Rel &&
		m.Rel != ".." && !strings.HasPrefix(m.Rel, "../")
}

// cleanup undoes what jail's record still lists, once its jail is gone,
// and then forgets the record; what cannot be undone stays in it, marked
// dirty, for the next stop. Nothing for a jail without one (or the dry
// run).
func (r *Runner) cleanup(ctx context.Context, jail string) error {
	j := r.journal(jail)
	if j == nil || j.Rec == nil {
		return nil
	}
	rec := j.Rec
	if rec.JID != 0 || rec.State == "creating" {
		// Nothing is unmounted under live jail processes.
		jid, err := r.recorded(ctx, jail)
		if err != nil {
			return err
		}
		if jid.JID != "" {
			running, err := r.X.JailRunning(ctx, jid.JID, rec.Root)
			if err != nil {
				return err
			}
			if running {
				return fmt.Errorf("jail %s: jid %s still runs in %s: what its start did is left as it is", jail, jid.JID, rec.Root)
			}
		} else if cleanRoot(rec.Root) {
			// "creating" and no single jail found there: any jail in
			// the root that no id file names may be this one's.
			jids, err := r.X.JailsAt(ctx, rec.Root)
			if err != nil {
				return err
			}
			if len(jids) > 0 {
				return fmt.Errorf("jail %s: jails %s run in %s and its start was killed before its jid was recorded: what it did is left as it is", jail, strings.Join(jids, ", "), rec.Root)
			}
		}
		if err := j.Note(record.Event{Ev: "jid", State: "stopping"}); err != nil {
			return err
		}
	}
	var errs []error
	// Mounts, then the intents, deepest first (among equals the later
	// first); entries outside the jail root refused.
	type entry struct {
		m      record.Mount
		intent bool
	}
	var ms []entry
	for _, list := range []struct {
		ms     []record.Mount
		intent bool
	}{{rec.Mounts, false}, {rec.Intents, true}} {
		for i := len(list.ms) - 1; i >= 0; i-- {
			m := list.ms[i]
			if !belowRoot(rec.Root, m) {
				r.warnf("jail %s: record entry %s (root %q, rel %q) is not below the jail root %q: refused, left alone", jail, m.Target(), m.Root, m.Rel, rec.Root)
				if err := j.Note(record.Event{Ev: "unmount", Paths: []string{m.Target()}}); err != nil {
					return err
				}
				continue
			}
			ms = append(ms, entry{m, list.intent})
		}
	}
	sort.SliceStable(ms, func(a, b int) bool {
		return strings.Count(ms[a].m.Target(), "/") > strings.Count(ms[b].m.Target(), "/")
	})
	for _, e := range ms {
		m := e.m
		id := &MountID{Target: m.Target(), FSType: m.FSType, Source: m.Source, Root: m.Root, ID: m.ID, UniqueID: m.UniqueID}
		_, err := r.apply(ctx, Unmount{Jail: jail, FSType: m.FSType, Target: m.Target(), Root: m.Root, Expect: id})
		switch {
		case err == nil, errors.Is(err, ErrNotMounted):
		case errors.Is(err, ErrNotOurs):
			r.warnf("%v: left alone", inJail(jail, err))
		default:
			errs = append(errs, inJail(jail, err))
			continue
		}
		if j.Rec.HasMount(m.Target()) { // not ours: forgotten too
			if err := j.Note(record.Event{Ev: "unmount", Paths: []string{m.Target()}}); err != nil {
				return err
			}
		}
	}
	for _, a := range append([]record.Addr(nil), rec.Aliases...) {
		if _, err := r.apply(ctx, AliasRemove{Jail: jail, Addr: Addr(a)}); err != nil {
			// Gone already (a start killed before its add ran) or never
			// removable: reported, not kept, or every later stop fails.
			r.warnf("%v (the alias is no longer recorded)", inJail(jail, err))
			if err := j.Note(record.Event{Ev: "unalias", Addr: &a}); err != nil {
				return err
			}
		}
	}
	if len(rec.Mounts) == 0 && len(rec.Intents) == 0 {
		for i := len(rec.Created) - 1; i >= 0; i-- {
			d := rec.Created[i]
			if _, ok := recMount(rec.Root, d, "", "", false); ok {
				// A directory that holds something is simply kept.
				_, _ = r.apply(ctx, Rmdir{Jail: jail, Root: rec.Root, Path: d})
				continue
			}
			r.warnf("jail %s: recorded directory %s is not below the jail root %q: left alone", jail, d, rec.Root)
			if err := j.Note(record.Event{Ev: "uncreated", Paths: []string{d}}); err != nil {
				return err
			}
		}
	}
	if len(errs) == 0 && len(rec.Mounts) == 0 && len(rec.Intents) == 0 && len(rec.Aliases) == 0 {
		switch {
		case rec.IDFile == "":
		case !state.IsIDFile(rec.IDFile):
			// Only a start writes the field, always an id file of the
			// layout: anything else is a tampered record, which must
			// not make rcjail delete a file of its choosing.
			r.warnf("jail %s: record names %q as its id file, which is not one (/var/run/jail_*.id): left alone", jail, rec.IDFile)
			if err := j.Note(record.Event{Ev: "idfile"}); err != nil {
				return err
			}
		default:
			if _, err := r.apply(ctx, RemoveFile{Jail: jail, Path: rec.IDFile}); err != nil {
				errs = append(errs, inJail(jail, err))
			}
		}
	}
	if len(errs) == 0 && len(rec.Mounts) == 0 && len(rec.Intents) == 0 && len(rec.Aliases) == 0 && rec.IDFile == "" {
		return j.Remove()
	}
	rec.State = "dirty"
	if err := j.Snapshot(true); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// beginStart prepares the record of a start: what an unfinished run left
// (a start killed, a stop that could not finish) is undone first, as a
// stop would; what cannot be undone refuses the start ("run stop"). Then
// the start is journaled with its root.
func (r *Runner) beginStart(ctx context.Context, j *Jail) error {
	jr := r.journal(j.Name)
	if jr == nil || j.JailConfFile != "" {
		return nil // jail(8) keeps a jail.conf jail
	}
	if !recordEmpty(jr.Rec) {
		if err := r.cleanup(ctx, j.Name); err != nil {
			return fmt.Errorf("%w; what an earlier run left could not be undone: run stop", err)
		}
	}
	return jr.Note(record.Event{Ev: "begin", Root: j.RootDir})
}
