package native

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"rcjail/compat"
	"rcjail/compat/record"
	"rcjail/mount"
)

// The native host's mount steps: mount points made and removed, mounts
// made (adopting a crashed start's own leftovers) and unmounted by the
// identity the record holds.

// Mkdir implements [compat.Executor]. Deviation from the step's contract:
// a Path that is already a mount point is not refused here; the Mount step
// that follows decides (adopt our own leftover, refuse anything else), so
// that a start after a crash can adopt exactly its own mounts. It returns
// the directories it made, parents first, also on error.
func (x *Executor) Mkdir(ctx context.Context, s compat.Mkdir) ([]string, error) {
	js, err := x.jail(s.Jail)
	if err != nil {
		return nil, err
	}
	if err := x.beginStart(js, s.Root); err != nil {
		return nil, err
	}
	r, err := rel(s.Root, s.Path)
	if err != nil {
		return nil, fmt.Errorf("jail %s: mkdir: %w", s.Jail, err)
	}
	if fdLinkOK(s.Root, r) {
		return nil, nil
	}
	// Record before act: the directories about to be made are journaled
	// as created first. A crash before the mkdir leaves entries for
	// directories that do not exist, which the stop's rmdir takes as
	// done; after it, directories the record lists. What the walk did
	// not make after all is retracted, what it made unforeseen recorded.
	want := missingDirs(s.Root, r)
	if len(want) > 0 {
		if err := js.j.Note(record.Event{Ev: "created", Paths: want}); err != nil {
			return nil, err
		}
	}
	created, err := mount.MkdirAll(s.Root, r, 0o755)
	if extra := notIn(created, want); len(extra) > 0 {
		if ferr := js.j.Note(record.Event{Ev: "created", Paths: extra}); ferr != nil && err == nil {
			err = ferr
		}
	}
	if gone := notIn(want, created); len(gone) > 0 {
		if ferr := js.j.Note(record.Event{Ev: "uncreated", Paths: gone}); ferr != nil && err == nil {
			err = ferr
		}
	}
	if err != nil {
		return created, fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	return created, nil
}

// missingDirs lists root/r and those of its parents below root that do not
// exist, parents first: what MkdirAll is about to make. It only predicts
// (lstat, no walk of its own); the mount package's walker acts and refuses
// symlinks, and its answer is what the record keeps.
func missingDirs(root, r string) []string {
	p := root
	for i, c := range strings.Split(r, "/") {
		p = path.Join(p, c)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			out := []string{p}
			for _, c := range strings.Split(r, "/")[i+1:] {
				p = path.Join(p, c)
				out = append(out, p)
			}
			return out
		} else if err != nil || !fi.IsDir() {
			return nil // a symlink or file on the way: MkdirAll refuses it
		}
	}
	return nil
}

// notIn lists the elements of a that b does not hold, in a's order.
func notIn(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
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
	if js.j.Rec != nil && slices.Contains(js.j.Rec.Created, s.Path) {
		if err := js.j.Note(record.Event{Ev: "uncreated", Paths: []string{s.Path}}); err != nil {
			return err
		}
	}
	return nil
}

// Mount implements [compat.Executor]: it returns the identity of the
// mount it made (or adopted), none for Linux's fdescfs (no mount).
func (x *Executor) Mount(ctx context.Context, s compat.Mount) ([]compat.MountID, error) {
	js, err := x.jail(s.Jail)
	if err != nil {
		return nil, err
	}
	if err := x.beginStart(js, s.Root); err != nil {
		return nil, err
	}
	if s.FSType == compat.FSFdescfs && fdescfsIsLink() {
		// Linux: the devfs stand-in already has dev/fd -> /proc/self/fd.
		return nil, nil
	}
	r, err := rel(s.Root, s.Target)
	if err != nil {
		return nil, fmt.Errorf("jail %s: mount %s: %w", s.Jail, s.FSType, err)
	}
	req := mount.Request{FSType: s.FSType, Source: s.Source, SourceRoot: s.SourceRoot,
		Root: s.Root, Target: r, ReadOnly: s.ReadOnly, Options: devfsOptions(s)}
	full := path.Join(req.Root, req.Target)
	_, adopted := js.stale[full]
	id, err := x.mountOne(js, req)
	if err != nil {
		return nil, fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if req.Options != nil && !adopted {
		// Mounted here with the jail's ruleset (FreeBSD): the kernel
		// applied it before /dev held a node; an adopted devfs was
		// mounted with whatever it was, and gets devfs(8) as before.
		devfsMountedWith(x, full, s.DevfsRuleset)
	}
	return []compat.MountID{id}, nil
}

// mountOne reconciles one mount with the kernel's table and makes it; it
// returns the mount's identity.
func (x *Executor) mountOne(js *jailState, req mount.Request) (compat.MountID, error) {
	id, err := x.mountReq(js, req)
	if err != nil {
		return compat.MountID{}, err
	}
	return compat.MountID{Target: path.Join(req.Root, req.Target), FSType: req.FSType, Source: req.Source,
		Root: req.Root, ID: id.ID, UniqueID: id.UniqueID}, nil
}

// mountReq is mountOne's work: the kernel ids of the mount it made or
// adopted.
func (x *Executor) mountReq(js *jailState, req mount.Request) (ids mount.Expect, err error) {
	full := path.Join(req.Root, req.Target)
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
				return mount.Expect{ID: e.ID}, js.j.Note(record.Event{Ev: "mount", M: &record.Mount{ID: e.ID, FSType: req.FSType, Source: req.Source, Root: req.Root, Rel: req.Target, ReadOnly: req.ReadOnly}})
			}
			return mount.Expect{}, staleError(js, []string{full})
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
			return mount.Expect{}, staleError(js, around)
		}
		if attempt == 0 && x.fault("mount") {
			return mount.Expect{}, &mount.Error{Op: "mount", FSType: req.FSType, Source: req.Source, Target: full, Err: errInjected}
		}
		// Record before act: the intent (target, type, source, root)
		// is journaled before the mount system call, its confirmation
		// with the kernel's identity after it. An intent without its
		// confirmation means "maybe mounted": see resolveIntents.
		intent := record.Mount{FSType: req.FSType, Source: req.Source, Root: req.Root, Rel: req.Target, ReadOnly: req.ReadOnly}
		if err := js.j.Note(record.Event{Ev: "mounting", M: &intent}); err != nil {
			return mount.Expect{}, err
		}
		m, err := mount.Mount(req)
		if err != nil {
			if there, _ := isMounted(full, ""); !there {
				// Nothing mounted there: the intent is retracted.
				_ = js.j.Note(record.Event{Ev: "unmount", Paths: []string{full}})
			}
			var me *mount.Error
			if errors.As(err, &me) && len(me.Created) > 0 {
				_ = js.j.Note(record.Event{Ev: "created", Paths: me.Created})
			}
			if attempt == 0 && !js.scanned && errors.Is(err, syscall.EBUSY) {
				// The mount package refuses to stack on a mount point.
				// The record was clean, so the table was not read up
				// front: read it now and decide (adopt or refuse).
				if m, _ := isMounted(full, ""); m {
					if err := x.scan(js); err != nil {
						return mount.Expect{}, err
					}
					continue
				}
			}
			return mount.Expect{}, err
		}
		if req.ReadOnly && x.fault("remount") {
			// As the mount package does when its read-only step fails:
			// the fresh mount goes before the error is reported.
			uerr := mount.Unmount(m.Expect())
			if uerr == nil {
				_ = js.j.Note(record.Event{Ev: "unmount", Paths: []string{full}})
			}
			return mount.Expect{}, errors.Join(&mount.Error{Op: "remount-ro", FSType: req.FSType, Source: req.Source, Target: full, Err: errInjected}, uerr)
		}
		js.made[full] = true
		if len(m.Created) > 0 {
			if err := js.j.Note(record.Event{Ev: "created", Paths: m.Created}); err != nil {
				return mount.Expect{}, err
			}
		}
		return m.Expect(), js.j.Note(record.Event{Ev: "mount", M: &record.Mount{ID: m.ID, UniqueID: m.UniqueID, FSType: m.FSType, Source: m.Source, Root: m.Root, Rel: m.Rel, ReadOnly: req.ReadOnly}})
	}
}

// resolveIntents decides each mount of the record that was journaled as an
// intent and never confirmed (a crash between the two lines): the mount
// table is asked for a mount exactly at the intent's target, strictly
// below the jail root, of its type and source (adoptable, whatever its
// read-only state: a crash may fall between the mount and its remount).
// Found: it is recorded as the mount we made (with the table's id), for the
// stop to unmount by identity. Not found: the intent is dropped. Anything
// else (stacked mounts there, an entry outside the root) is reported and
// never touched.
func (x *Executor) resolveIntents(js *jailState) error {
	r := js.j.Rec
	if len(r.Intents) == 0 {
		return nil
	}
	tbl, err := mount.Table()
	if err != nil {
		return fmt.Errorf("jail %s: %w", js.name, err)
	}
	for _, in := range append([]record.Mount(nil), r.Intents...) {
		t := in.Target()
		if !belowRoot(r.Root, in) {
			x.warnf("jail %s: record intent %s (root %q, rel %q) is not below the jail root %q: refused, left alone", js.name, t, in.Root, in.Rel, r.Root)
			r.Intents = record.DropMount(r.Intents, t)
			continue
		}
		var at []mount.Entry
		for _, e := range tbl {
			if e.Target == t {
				at = append(at, e)
			}
		}
		switch {
		case record.HasMountAt(r.Mounts, t):
			// Confirmed by an earlier line (a start that adopted it).
			r.Intents = record.DropMount(r.Intents, t)
		case len(at) == 1 && adoptable(at[0], mount.Request{FSType: in.FSType, Source: in.Source, Root: in.Root, Target: in.Rel, ReadOnly: at[0].ReadOnly}):
			m := in
			m.ID = at[0].ID
			if err := js.j.Note(record.Event{Ev: "mount", M: &m}); err != nil {
				return err
			}
		case len(at) > 1:
			x.warnf("jail %s: %s: mounts stacked where rcjail may have mounted %s: left alone", js.name, t, in.FSType)
			r.Intents = record.DropMount(r.Intents, t)
		default:
			if err := js.j.Note(record.Event{Ev: "unmount", Paths: []string{t}}); err != nil {
				return err
			}
		}
	}
	return nil
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
	if s.Expect != nil {
		return x.unmountExpected(js, s, r)
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
	return nil
}

// unmountExpected is Unmount with s.Expect (the engine undoing a mount its
// record lists): that mount and no other. With a kernel identity it is
// found wherever it is now and unmounted there (moved: a warning naming
// the new place); without one (an intent never confirmed) it must be the
// only mount exactly at the target, of the expected type and source.
// Gone: an error wrapping compat.ErrNotMounted; anything else there:
// compat.ErrNotOurs, nothing touched (a tampered record or a mount the
// admin made since must not be pulled). r is the target below s.Root.
func (x *Executor) unmountExpected(js *jailState, s compat.Unmount, r string) error {
	e := *s.Expect
	full := path.Join(s.Root, r)
	fail := func(err error) error { return fmt.Errorf("jail %s: unmount %s: %w", s.Jail, full, err) }
	if e.Target != full || e.Root != s.Root {
		// The step and its expectation disagree: a caller's bug, or a
		// record entry rewritten to point outside its jail.
		return fail(fmt.Errorf("expected mount %q (root %q) is not this step's: %w", e.Target, e.Root, compat.ErrNotOurs))
	}
	exp := mount.Expect{ID: e.ID, UniqueID: e.UniqueID, FSType: e.FSType, Source: e.Source, Root: s.Root, Target: r}
	if e.ID == 0 && e.UniqueID == 0 {
		tbl, err := mount.Table()
		if err != nil {
			return fail(err)
		}
		var at []mount.Entry
		for _, m := range tbl {
			if m.Target == full {
				at = append(at, m)
			}
		}
		switch {
		case len(at) == 0:
			return fail(fmt.Errorf("no %s mounted there: %w", e.FSType, compat.ErrNotMounted))
		case len(at) > 1:
			return fail(fmt.Errorf("%d mounts stacked there: %w", len(at), compat.ErrNotOurs))
		case !adoptable(at[0], mount.Request{FSType: e.FSType, Source: e.Source, Root: s.Root, Target: r, ReadOnly: at[0].ReadOnly}):
			return fail(fmt.Errorf("%s from %s is mounted there, not %s from %q: %w", at[0].FSType, at[0].Source, e.FSType, e.Source, compat.ErrNotOurs))
		}
		exp.ID = at[0].ID
	}
	err := x.unmountBusy(exp, full)
	switch {
	case err == nil:
	case errors.Is(err, mount.ErrMoved):
		x.warnf("jail %s: %v", s.Jail, err)
	case errors.Is(err, mount.ErrNotMounted):
		x.forgetMount(js, full, false)
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	default:
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	x.forgetMount(js, full, false)
	return nil
}

// expectFor builds what Unmount must find at root/r: the record's entry,
// else the kernel's (by id, after checking the kernel's type against the
// planned one). ok is false when nothing is mounted there. full is
// root/r; inRec says the expectation is the record's entry.
func (x *Executor) expectFor(js *jailState, root, r, fstype string) (exp mount.Expect, full string, inRec, ok bool, err error) {
	full = path.Join(root, r)
	if js.j.Rec != nil {
		for i := len(js.j.Rec.Mounts) - 1; i >= 0; i-- {
			m := &js.j.Rec.Mounts[i]
			if m.Target() == full && (fstype == "" || fstype == m.FSType) {
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
	err := x.unmountBusy(exp, full)
	switch {
	case err == nil || errors.Is(err, mount.ErrNotMounted):
		x.forgetMount(js, full, inRec)
		return nil
	case errors.Is(err, mount.ErrMoved):
		// Unmounted by its recorded identity where it had been moved
		// to: done, and worth telling.
		x.warnf("jail %s: %v", js.name, err)
		x.forgetMount(js, full, inRec)
		return nil
	}
	if js.j.Rec != nil && js.j.Rec.State != "starting" {
		_ = js.j.Note(record.Event{Ev: "state", State: "dirty"})
	}
	return err
}

// unmountBusy unmounts exp, retrying a busy mount until BusyTimeout; a
// mount still busy then is reported with the processes holding full.
func (x *Executor) unmountBusy(exp mount.Expect, full string) error {
	deadline := time.Now().Add(x.opts.BusyTimeout)
	var err error
	for delay := 5 * time.Millisecond; ; {
		err = unmountExpect(exp)
		if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			break
		}
		time.Sleep(delay)
		delay = min(2*delay, 200*time.Millisecond)
	}
	if errors.Is(err, syscall.EBUSY) {
		if h := holders(full); len(h) > 0 {
			err = fmt.Errorf("%w; held by %s", err, strings.Join(h, ", "))
		}
	}
	return err
}

// forgetMount records the unmount of full when the record lists it: inRec
// says so already (the search that found the entry), sparing a second one.
func (x *Executor) forgetMount(js *jailState, full string, inRec bool) {
	if js.j.Rec != nil && (inRec || js.j.Rec.HasMount(full)) {
		_ = js.j.Note(record.Event{Ev: "unmount", Paths: []string{full}})
	}
}

// FstabMount implements [compat.Executor]: each entry as a confined mount
// (Linux: nullfs, procfs, devfs and tmpfs, anything else refused; FreeBSD:
// see fstabFreeBSD, and an fstab it cannot map goes to `mount -a -F` whole,
// whose mounts it cannot name). It returns the identity of each mount it
// made, also on error (those before the failing entry).
func (x *Executor) FstabMount(ctx context.Context, s compat.FstabMount) ([]compat.MountID, error) {
	js, err := x.jail(s.Jail)
	if err != nil {
		return nil, err
	}
	if err := x.beginStart(js, s.Root); err != nil {
		return nil, err
	}
	if byProgram, err := fstabProgram(ctx, x, s); byProgram {
		if err != nil {
			return nil, fmt.Errorf("jail %s: %w", s.Jail, err)
		}
		return nil, nil
	}
	var ids []compat.MountID
	for _, e := range s.Entries {
		mp := path.Clean(e.MountPoint)
		r, err := rel(s.Root, mp)
		if err != nil {
			return ids, fmt.Errorf("jail %s: %s:%d: fstab mount point: %w", s.Jail, s.Fstab, e.Line, err)
		}
		req, err := fstabRequest(s.Root, r, e)
		if err != nil {
			return ids, fmt.Errorf("jail %s: %s:%d: %w", s.Jail, s.Fstab, e.Line, err)
		}
		id, err := x.mountOne(js, req)
		if err != nil {
			return ids, fmt.Errorf("jail %s: %s:%d: %w", s.Jail, s.Fstab, e.Line, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
