package mount

import (
	"errors"
	"fmt"
	"path"
	"sync/atomic"
)

// This file holds the pure decisions of the FreeBSD mount code
// (mount_freebsd.go), portable so that their tests run on Linux: what a new
// mount must look like, which mount an undo may touch, how a recorded mount
// is found again by its fsid, and whether the kernel took a mount at ".".

// ErrMoved means Unmount found the recorded mount (by its identity: Linux
// mount id, FreeBSD fsid) mounted somewhere other than the path it was made
// on, and unmounted it there: a directory above the mount point was renamed
// while it was mounted (from inside the jail or from the host; FreeBSD
// never updates f_mntonname, so its table may still show the old path).
// The unmount is done; the error reports where the mount was, so a caller
// may warn and go on.
var ErrMoved = errors.New("unmounted, but its mount point had been moved")

// wantMount is what a mount this package just made must show in its
// statfs: type, f_mntfromname, f_mntonname and read-only.
type wantMount struct {
	FSType, From, Target string
	ReadOnly             bool
}

// checkNewMount compares got (the statfs of what is now mounted on the
// held target directory, or found at the target's path) with what the
// mount was to be. beforeID is the fsid the target showed before the
// mount: the same fsid means the mount is not there.
func checkNewMount(beforeID uint64, got Entry, w wantMount) error {
	switch {
	case got.ID == beforeID:
		return fmt.Errorf("nothing new is mounted at the target: %w", ErrEscaped)
	case got.Target != w.Target:
		// With fspath ".", the kernel records the global path of the
		// directory it mounted on: another path means the directory was
		// moved (renamed) between the walk and the mount.
		return fmt.Errorf("the target shows a mount on %q: %w", got.Target, ErrEscaped)
	case got.FSType != w.FSType:
		return fmt.Errorf("the target shows a %s mount: %w", got.FSType, ErrEscaped)
	case got.Source != w.From:
		return fmt.Errorf("the target shows a mount from %q: %w", got.Source, ErrEscaped)
	case w.ReadOnly && !got.ReadOnly:
		return errors.New("the mount is not read-only")
	}
	return nil
}

// undoCandidates returns the mounts of now that may be the one a failed
// path-based mount made somewhere unknown (the kernel followed a symlink
// swapped in during the mount): new since the table known was read, of
// type fstype, from from. The caller unmounts a candidate only when there
// is exactly one: devfs, fdescfs, procfs and tmpfs all show their type as
// f_mntfromname, so two candidates may be ours and another process's made
// in the same instant, and unmounting both would take away someone else's
// mount (item 2 of issue 13).
func undoCandidates(known map[uint64]bool, now []Entry, fstype, from string) []Entry {
	var out []Entry
	for _, e := range now {
		if !known[e.ID] && e.FSType == fstype && e.Source == from {
			out = append(out, e)
		}
	}
	return out
}

// findFsid returns the entry of tbl with fsid id.
func findFsid(tbl []Entry, id uint64) (Entry, bool) {
	for _, e := range tbl {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// checkRecorded decides an unmount by recorded fsid: tbl is getfsstat, e
// the record, full the path the mount was made on. It returns the entry to
// unmount and whether it has moved; ErrNotMounted when the fsid is gone,
// ErrNotOurs when the fsid now names a mount of another type or source (a
// reused fsid is never unmounted).
func checkRecorded(tbl []Entry, e Expect, full string) (Entry, bool, error) {
	got, ok := findFsid(tbl, e.ID)
	if !ok {
		return Entry{}, false, fmt.Errorf("fsid %s is gone: %w", fsidPath(e.ID), ErrNotMounted)
	}
	if got.FSType != e.FSType {
		return Entry{}, false, fmt.Errorf("fsid %s is a %s mount: %w", fsidPath(e.ID), got.FSType, ErrNotOurs)
	}
	if e.FSType == NullFS && e.Source != "" && got.Source != e.Source {
		return Entry{}, false, fmt.Errorf("fsid %s is mounted from %q: %w", fsidPath(e.ID), got.Source, ErrNotOurs)
	}
	return got, got.Target != full, nil
}

// dotTaken reports whether the kernel recorded a mount made with fspath
// "." under its global path, as vn_path_to_global_path gives it (FreeBSD
// 11 and later). A kernel that copies fspath as given records "." (or
// another relative path): such a mount is undone and the path-based mount
// used instead.
func dotTaken(mntonname string) bool { return path.IsAbs(mntonname) }

// dotRefused holds why the kernel refused a mount at "." (fchdir to the
// held mount point, fspath "."), once it has: from then on this process
// mounts by path, detecting and undoing a mount that landed elsewhere.
var dotRefused atomic.Pointer[string]

// DotMountRefused reports whether this process has fallen back from
// mounting at "." through the held mount point (FreeBSD; the race-free
// way) to mounting by path with detect-and-undo, and why. It is false on
// other systems and until a FreeBSD mount has been refused. `rcjail
// selftest` prints it.
func DotMountRefused() (bool, string) {
	if p := dotRefused.Load(); p != nil {
		return true, *p
	}
	return false, ""
}

// refuseDot records the first reason the kernel refused a mount at ".".
func refuseDot(why string) { dotRefused.CompareAndSwap(nil, &why) }

// locateIn is FreeBSD's [Locate] on the table tbl (getfsstat): the entry
// with the recorded fsid, of the recorded type and, for nullfs with a
// source, mounted from it. Its Target is where the kernel has it now
// (f_mntonname, which FreeBSD does not update when a directory above is
// renamed: then the old path).
func locateIn(tbl []Entry, e Expect) (Entry, error) {
	if e.ID == 0 {
		return Entry{}, errors.New("no fsid recorded")
	}
	got, _, err := checkRecorded(tbl, e, "")
	return got, err
}
