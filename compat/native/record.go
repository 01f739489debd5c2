package native

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"rcjail/compat"
	"rcjail/compat/record"
	"rcjail/mount"
)

// The native host's record as this run keeps it: events applied and
// journaled, snapshots, and the end of a stop from what the record lists.

// Recorded implements [compat.Executor]: the jail root and jid the jail's
// record names (a stop whose configuration no longer names it, SPEC §3.5;
// a jail whose start was killed before its id file was written). It takes
// the jail's lock, as every step does.
func (x *Executor) Recorded(ctx context.Context, jail string) (compat.Recorded, error) {
	js, err := x.jail(jail)
	if err != nil || js.j.Rec == nil {
		return compat.Recorded{}, err
	}
	if rec := js.j.Rec; rec.State == "creating" && rec.JID == 0 && rec.Root != "" {
		// A start killed between the jail's creation and its jid line:
		// the kernel knows the jail running in the recorded root.
		if jid, ok := jailAt(ctx, x, rec.Root); ok {
			if err := js.j.Note(record.Event{Ev: "jid", JID: jid, State: "running"}); err != nil {
				return compat.Recorded{}, err
			}
		}
	}
	r := compat.Recorded{OK: true, Root: js.j.Rec.Root}
	if js.j.Rec.JID != 0 {
		r.JID = strconv.Itoa(js.j.Rec.JID)
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
	r := js.j.Rec
	if r == nil {
		return nil
	}
	var errs []error
	if err := x.resolveIntents(js); err != nil {
		errs = append(errs, err)
	}
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
		m     record.Mount
		depth int
	}
	ms := make([]byDepth, 0, len(r.Mounts))
	for i := len(r.Mounts) - 1; i >= 0; i-- {
		ms = append(ms, byDepth{r.Mounts[i], strings.Count(r.Mounts[i].Target(), "/")})
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].depth > ms[j].depth })
	for i := range ms {
		m := ms[i].m
		if err := x.unmountRetry(js, mount.Expect{ID: m.ID, UniqueID: m.UniqueID, FSType: m.FSType, Source: m.Source, Root: m.Root, Target: m.Rel}, m.Target(), true); err != nil {
			errs = append(errs, fmt.Errorf("jail %s: %w", js.name, err))
		}
	}
	for _, a := range append([]record.Addr(nil), r.Aliases...) {
		if err := aliasRemove(context.Background(), x, compat.Addr(a)); err != nil {
			errs = append(errs, fmt.Errorf("jail %s: %w", js.name, err))
		} else if r.IndexAlias(a) >= 0 {
			_ = js.j.Note(record.Event{Ev: "unalias", Addr: &a})
		}
	}
	if len(r.Mounts) == 0 && len(r.Intents) == 0 {
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
			_ = js.j.Note(record.Event{Ev: "uncreated", Paths: []string{c}})
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
	if len(r.Mounts) == 0 && len(r.Intents) == 0 && len(r.Aliases) == 0 && len(errs) == 0 {
		if r.IDFile != "" {
			if err := x.removeState(r.IDFile); err != nil {
				errs = append(errs, fmt.Errorf("jail %s: %w", js.name, err))
			}
		}
		if err := js.j.Remove(); err != nil {
			errs = append(errs, err)
		}
	} else {
		r.State = "dirty"
		if err := js.j.Snapshot(true); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// belowRoot reports whether m's mount point lies strictly below root, the
// record's jail root: root is absolute, clean and not "/", m names it as
// its root, and m's relative part is clean and does not climb.
func belowRoot(root string, m record.Mount) bool {
	return path.IsAbs(root) && path.Clean(root) == root && root != "/" && m.Root == root &&
		m.Rel != "" && m.Rel != "." && !path.IsAbs(m.Rel) && path.Clean(m.Rel) == m.Rel &&
		m.Rel != ".." && !strings.HasPrefix(m.Rel, "../")
}
