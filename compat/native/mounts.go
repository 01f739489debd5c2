package native

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"syscall"
	"time"

	"rcjail/compat"
	"rcjail/mount"
)

// The native host's mount steps: mount points made and removed, mounts
// made (their kernel identity reported) and unmounted, by the identity the
// engine hands back (compat.Unmount.Expect) or, for a planned unmount, the
// one the mount table has at the target.

// Mkdir implements [compat.Executor]. Deviation from the step's contract:
// a Path that is already a mount point is not refused here; the Mount step
// that follows refuses it (stale mounts: run stop). It returns the
// directories it made, parents first, also on error.
func (x *Executor) Mkdir(ctx context.Context, s compat.Mkdir) ([]string, error) {
	if _, err := x.jail(s.Jail, s.Root); err != nil {
		return nil, err
	}
	r, err := rel(s.Root, s.Path)
	if err != nil {
		return nil, fmt.Errorf("jail %s: mkdir: %w", s.Jail, err)
	}
	if fdLinkOK(s.Root, r) {
		return nil, nil
	}
	created, err := mount.MkdirAll(s.Root, r, 0o755)
	if err != nil {
		return created, fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	return created, nil
}

// Rmdir implements [compat.Executor]: only an empty directory that is not
// a mount point and not a symlink goes, so nothing is ever deleted under a
// live mount. A directory that is already gone is not an error.
func (x *Executor) Rmdir(ctx context.Context, s compat.Rmdir) error {
	if _, err := x.jail(s.Jail, s.Root); err != nil {
		return err
	}
	r, err := rel(s.Root, s.Path)
	if err != nil {
		return fmt.Errorf("jail %s: rmdir: %w", s.Jail, err)
	}
	if err := rmdirStrict(s.Root, r); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	return nil
}

// Mount implements [compat.Executor]: it returns the identity of the
// mount it made, none for Linux's fdescfs (no mount). Something already
// mounted at the target, or above or below it under the root (what an
// earlier run left that the engine's record does not list: the engine
// undoes what it lists before a start), refuses the start: never stacked.
func (x *Executor) Mount(ctx context.Context, s compat.Mount) ([]compat.MountID, error) {
	js, err := x.jail(s.Jail, s.Root)
	if err != nil {
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
	id, err := x.mountOne(js, req)
	if err != nil {
		return nil, fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if req.Options != nil {
		// Mounted here with the jail's ruleset (FreeBSD): the kernel
		// applied it before /dev held a node.
		devfsMountedWith(x, id.Target, s.DevfsRuleset)
	}
	return []compat.MountID{id}, nil
}

// mountOne makes one mount and returns its identity.
func (x *Executor) mountOne(js *jailState, req mount.Request) (compat.MountID, error) {
	full := path.Join(req.Root, req.Target)
	if x.fault("mount") {
		return compat.MountID{}, &mount.Error{Op: "mount", FSType: req.FSType, Source: req.Source, Target: full, Err: errInjected}
	}
	m, err := mount.Mount(req)
	if err != nil {
		if errors.Is(err, syscall.EBUSY) {
			// The mount package refuses to stack on a mount point.
			if there, _ := isMounted(full, ""); there {
				return compat.MountID{}, staleError(js, []string{full})
			}
		}
		return compat.MountID{}, err
	}
	if req.ReadOnly && x.fault("remount") {
		// As the mount package does when its read-only step fails: the
		// fresh mount goes before the error is reported.
		uerr := mount.Unmount(m.Expect())
		return compat.MountID{}, errors.Join(&mount.Error{Op: "remount-ro", FSType: req.FSType, Source: req.Source, Target: full, Err: errInjected}, uerr)
	}
	return compat.MountID{Target: full, FSType: req.FSType, Source: m.Source,
		Root: req.Root, ID: m.ID, UniqueID: m.UniqueID}, nil
}

// Unmount implements [compat.Executor]. With s.Expect (the engine undoing
// a mount its record lists) that mount and no other; otherwise (a planned
// unmount) the mount the table has at the target, whose type must be the
// planned one. Idempotent: nothing mounted there is success.
func (x *Executor) Unmount(ctx context.Context, s compat.Unmount) error {
	js, err := x.jail(s.Jail, s.Root)
	if err != nil {
		return err
	}
	if s.FSType == compat.FSFdescfs && fdescfsIsLink() {
		return nil
	}
	r, err := rel(s.Root, s.Target)
	if err != nil {
		return fmt.Errorf("jail %s: unmount: %w", s.Jail, err)
	}
	if s.Expect != nil {
		return x.unmountExpected(js, s, r)
	}
	exp, full, ok, err := expectFor(s.Root, r, s.FSType)
	if err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if !ok {
		return nil // nothing mounted there
	}
	if err := x.unmountRetry(js, exp, full); err != nil {
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
	default:
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	return nil
}

// expectFor builds what a planned Unmount must find at root/r: the
// kernel's top mount there (by id, after checking the kernel's type
// against the planned one). ok is false when nothing is mounted there.
// full is root/r.
func expectFor(root, r, fstype string) (exp mount.Expect, full string, ok bool, err error) {
	full = path.Join(root, r)
	tbl, err := mount.Table()
	if err != nil {
		return mount.Expect{}, full, false, fmt.Errorf("unmount %s: %w", full, err)
	}
	var top *mount.Entry
	for i := range tbl {
		if tbl[i].Target == full {
			top = &tbl[i]
		}
	}
	if top == nil {
		return mount.Expect{}, full, false, nil
	}
	kt := kernelFSType(*top)
	if fstype == "" {
		fstype = kt
	}
	if fstype != kt && !(fstype == mount.DevFS && kt == mount.TmpFS) {
		// An admin's own mount (or anything else) where the plan expects
		// ours: reported, never touched.
		return mount.Expect{}, full, false, &mount.Error{Op: "unmount", FSType: fstype, Target: full,
			Err: fmt.Errorf("%s is mounted there (%s): %w", top.FSType, top.Source, mount.ErrNotOurs)}
	}
	return mount.Expect{ID: top.ID, FSType: fstype, Root: root, Target: r}, full, true, nil
}

// unmountRetry unmounts, retrying a busy mount until BusyTimeout; then it
// reports the processes holding it. full is exp's mount point.
func (x *Executor) unmountRetry(js *jailState, exp mount.Expect, full string) error {
	err := x.unmountBusy(exp, full)
	switch {
	case err == nil || errors.Is(err, mount.ErrNotMounted):
		return nil
	case errors.Is(err, mount.ErrMoved):
		// Unmounted by its identity where it had been moved to: done,
		// and worth telling.
		x.warnf("jail %s: %v", js.name, err)
		return nil
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

// FstabMount implements [compat.Executor]: each entry as a confined mount
// (Linux: nullfs, procfs, devfs and tmpfs, anything else refused; FreeBSD:
// see fstabFreeBSD, and an fstab it cannot map goes to `mount -a -F` whole,
// whose mounts it cannot name). It returns the identity of each mount it
// made, also on error (those before the failing entry).
func (x *Executor) FstabMount(ctx context.Context, s compat.FstabMount) ([]compat.MountID, error) {
	js, err := x.jail(s.Jail, s.Root)
	if err != nil {
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
