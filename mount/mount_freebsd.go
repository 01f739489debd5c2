package mount

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FreeBSD: the mount point is walked one component at a time with
// O_NOFOLLOW|O_DIRECTORY from the jail root and held open; the mount is made
// on that very directory (fchdir to it, nmount with fspath ".", fchdir
// back), with "nocover", and found again through the held fd and checked
// (type, f_mntonname, f_mntfromname, a new fsid); a mismatch is undone by
// that exact fsid. A kernel that does not take "." gets the old
// detect-and-undo by path (security.md §3.6). Unmount of a recorded mount
// goes by its fsid, found in getfsstat (MNT_BYFSID): no path is resolved.
// See doc.go, "FreeBSD", for the kernel functions this relies on.

// errmsgLen is the size of the buffer nmount writes its message into.
const errmsgLen = 255

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func statfsEntry(s *unix.Statfs_t) Entry {
	return Entry{
		ID:       packFsid(s.Fsid.Val[0], s.Fsid.Val[1]),
		Source:   cstring(s.Mntfromname[:]),
		Target:   cstring(s.Mntonname[:]),
		FSType:   cstring(s.Fstypename[:]),
		Options:  flagString(s.Flags&0xffffffff, freebsdMountFlags),
		ReadOnly: s.Flags&unix.MNT_RDONLY != 0,
	}
}

// fromName is what f_mntfromname shows for each type.
func fromName(r Request) string {
	if r.FSType == NullFS {
		return r.Source
	}
	return r.FSType
}

// nmount calls nmount(2) with opts plus an errmsg buffer and returns the
// kernel's message with the error.
func nmount(opts []nmountOpt, flags uint64) (string, error) {
	errbuf := make([]byte, errmsgLen)
	all := append(opts, nmountOpt{"errmsg", errbuf})
	iov := make([]unix.Iovec, 0, 2*len(all))
	for _, o := range all {
		name := cstr(o.name)
		iov = append(iov, unix.Iovec{Base: &name[0]})
		iov[len(iov)-1].SetLen(len(name))
		v := unix.Iovec{}
		if len(o.value) > 0 {
			v.Base = &o.value[0]
			v.SetLen(len(o.value))
		}
		iov = append(iov, v)
	}
	_, _, errno := unix.Syscall(unix.SYS_NMOUNT, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)), uintptr(flags))
	runtime.KeepAlive(all)
	runtime.KeepAlive(iov)
	if errno != 0 {
		return errmsgString(errbuf), errno
	}
	return "", nil
}

func getfsstat() ([]unix.Statfs_t, error) {
	for {
		n, err := unix.Getfsstat(nil, unix.MNT_NOWAIT)
		if err != nil {
			return nil, err
		}
		buf := make([]unix.Statfs_t, n+4)
		m, err := unix.Getfsstat(buf, unix.MNT_NOWAIT)
		if err != nil {
			return nil, err
		}
		if m < len(buf) {
			return buf[:m], nil
		}
	}
}

// dotMu serialises the fchdir, nmount("."), fchdir sequence: the working
// directory belongs to the process, shared by every goroutine.
var dotMu sync.Mutex

func mount(r Request) (m *Mounted, err error) {
	full := path.Join(r.Root, r.Target)
	var created []string
	var flags uint64
	var errmsg string
	op := "mount"
	defer func() {
		if err == nil {
			return
		}
		e, ok := err.(*Error)
		if !ok {
			e = &Error{Op: op, Err: err, Flags: flags, flagNames: freebsdMountFlags, Errmsg: errmsg}
		}
		e.FSType, e.Source, e.Target, e.Created = r.FSType, r.Source, full, created
		err = e
	}()
	rootfd, err := openAbsNoFollow("mount", r.Root)
	if err != nil {
		return nil, err
	}
	// The mount point, walked with no symlink in any component, is held
	// open to the end: the mount is made on this very directory.
	tfd, c, err := walkDirs("mount", rootfd, r.Root, r.Target, r.Create, 0o755)
	created = c
	if err != nil {
		return nil, err
	}
	defer unix.Close(tfd)
	var before unix.Statfs_t
	if err := unix.Fstatfs(tfd, &before); err != nil {
		return nil, fmt.Errorf("fstatfs target: %w", err)
	}
	if cstring(before.Mntonname[:]) == full {
		return nil, fmt.Errorf("target is already a mount point: %w", unix.EBUSY)
	}
	if err := checkSource(r); err != nil {
		return nil, err
	}
	old, err := getfsstat()
	if err != nil {
		return nil, fmt.Errorf("getfsstat: %w", err)
	}
	known := make(map[uint64]bool, len(old))
	for i := range old {
		known[packFsid(old[i].Fsid.Val[0], old[i].Fsid.Val[1])] = true
	}
	w := wantMount{FSType: r.FSType, From: fromName(r), Target: full, ReadOnly: r.ReadOnly}
	beforeID := packFsid(before.Fsid.Val[0], before.Fsid.Val[1])
	if r.ReadOnly {
		flags |= unix.MNT_RDONLY
	}
	mounted := func(id uint64) *Mounted {
		return &Mounted{ID: id, FSType: r.FSType, Source: r.Source, Root: r.Root, Rel: r.Target,
			Target: full, Created: created}
	}

	if refused, _ := DotMountRefused(); !refused {
		id, done, msg, err := mountDot(r, tfd, beforeID, known, w, flags)
		if done {
			errmsg = msg
			if err != nil {
				return nil, err
			}
			return mounted(id), nil
		}
	}

	// Detect and undo (a kernel that does not take "."): nmount resolves
	// the path again, following symlinks; the target is walked again
	// afterwards and what is mounted there compared.
	opts, err := buildNmountOpts(r.FSType, full, w.From, r.ReadOnly, r.Options)
	if err != nil {
		return nil, err
	}
	if errmsg, err = nmount(opts, flags); err != nil {
		return nil, err
	}
	op = "verify"
	got, gerr := statAtPath(r)
	if gerr == nil && got.ID != beforeID {
		// Something new is mounted on the target's path: ours, since
		// nocover stops a second mount there.
		if verr := checkNewMount(beforeID, got, w); verr != nil {
			return nil, errors.Join(verr, undoFsid(got))
		}
		return mounted(got.ID), nil
	}
	verr := fmt.Errorf("nothing new is mounted at the target: %w", ErrEscaped)
	if gerr != nil {
		verr = fmt.Errorf("%w: %w", ErrEscaped, gerr)
	}
	return nil, errors.Join(verr, undoUnknown(known, r.FSType, w.From))
}

// checkSource opens a nullfs source the way the kernel will find it: with
// no symlink at all, or (SourceRoot set) only links staying below
// SourceRoot (O_RESOLVE_BENEATH, 13.0+: ENOTCAPABLE otherwise).
func checkSource(r Request) error {
	if r.FSType != NullFS {
		return nil
	}
	if r.SourceRoot == "" {
		sfd, err := openAbsNoFollow("open source", r.Source)
		if err != nil {
			return err
		}
		unix.Close(sfd)
		return nil
	}
	srfd, err := openAbsNoFollow("open source root", r.SourceRoot)
	if err != nil {
		return err
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(r.Source, r.SourceRoot), "/")
	if rel == "" {
		rel = "."
	}
	sfd, err := unix.Openat(srfd, rel, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_RESOLVE_BENEATH, 0)
	unix.Close(srfd)
	if err != nil {
		return &Error{Op: "open source", Source: r.Source, Err: err}
	}
	unix.Close(sfd)
	return nil
}

// mountDot mounts on the held directory tfd: fchdir to it, nmount with
// fspath ".", fchdir back (see the package documentation, "FreeBSD", for
// the kernel functions that make this safe). The new mount is then found
// through tfd itself and checked. done is false when the kernel did not
// take "." (the reason is recorded for DotMountRefused); nothing is then
// left mounted and the caller mounts by path.
func mountDot(r Request, tfd int, beforeID uint64, known map[uint64]bool, w wantMount, flags uint64) (id uint64, done bool, errmsg string, err error) {
	opts, err := buildNmountOpts(r.FSType, ".", w.From, r.ReadOnly, r.Options)
	if err != nil {
		return 0, true, "", err
	}
	errmsg, err = nmountAt(tfd, opts, flags)
	var de *dotError
	if errors.As(err, &de) {
		refuseDot(de.Error())
		return 0, false, "", nil
	}
	if err != nil {
		return 0, true, errmsg, err
	}
	got, err := statBelow(tfd)
	if err == nil && got.ID == beforeID {
		// A lookup of "." that did not cross into the new mount: find
		// it in the table instead, the only new one of its type and
		// source on this path.
		got, err = onlyNew(known, w)
	}
	if err != nil {
		// Which mount is ours is not known: undo only an unambiguous
		// one, never what may be someone else's.
		verr := fmt.Errorf("the new mount is not found through the held mount point: %w: %w", ErrEscaped, err)
		return 0, true, errmsg, errors.Join(verr, undoUnknown(known, w.FSType, w.From))
	}
	if !dotTaken(got.Target) {
		// The kernel recorded "." itself (no global path): undo this
		// very mount, and mount by path from now on.
		refuseDot(fmt.Sprintf("the kernel recorded the mount point as %q", got.Target))
		if uerr := undoFsid(got); uerr != nil {
			return 0, true, errmsg, uerr
		}
		return 0, false, "", nil
	}
	if verr := checkNewMount(beforeID, got, w); verr != nil {
		return 0, true, errmsg, errors.Join(verr, undoFsid(got))
	}
	return got.ID, true, errmsg, nil
}

// dotError is a failure of the working-directory dance around nmount, not
// of the mount itself.
type dotError struct{ err error }

func (e *dotError) Error() string { return e.err.Error() }
func (e *dotError) Unwrap() error { return e.err }

// nmountAt calls nmount (opts name fspath ".") with the working directory
// on dirfd, and puts it back. syscall.ForkLock is held for the duration, so
// that no child (a hook, jail(8)) is started with its working directory
// inside a jail root; dotMu keeps other mounts of this process out.
func nmountAt(dirfd int, opts []nmountOpt, flags uint64) (string, error) {
	dotMu.Lock()
	defer dotMu.Unlock()
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	cwd, err := unix.Open(".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", &dotError{fmt.Errorf("open the working directory: %w", err)}
	}
	defer unix.Close(cwd)
	if err := unix.Fchdir(dirfd); err != nil {
		return "", &dotError{fmt.Errorf("fchdir to the mount point: %w", err)}
	}
	msg, merr := nmount(opts, flags)
	if err := unix.Fchdir(cwd); err != nil {
		// Never stay inside a jail root. rcjail names every path
		// absolutely, so "/" serves as well; the mount's own result
		// stands (failing here would leave a mount nobody checks).
		_ = unix.Chdir("/")
	}
	return msg, merr
}

// statBelow returns the statfs of what is mounted on the held directory
// tfd: a lookup of "." through it crosses into a mount on it (vfs_lookup
// crosses v_mountedhere after every component, "." included).
func statBelow(tfd int) (Entry, error) {
	nfd, err := unix.Openat(tfd, ".", dirFlags, 0)
	if err != nil {
		return Entry{}, fmt.Errorf("open the mount point through the held directory: %w", err)
	}
	defer unix.Close(nfd)
	var st unix.Statfs_t
	if err := unix.Fstatfs(nfd, &st); err != nil {
		return Entry{}, fmt.Errorf("fstatfs: %w", err)
	}
	return statfsEntry(&st), nil
}

// statAtPath walks Root/Target again, no symlink followed, and returns
// the statfs of what is there.
func statAtPath(r Request) (Entry, error) {
	rootfd, err := openAbsNoFollow("verify", r.Root)
	if err != nil {
		return Entry{}, err
	}
	fd, _, err := walkDirs("verify", rootfd, r.Root, r.Target, false, 0)
	if err != nil {
		return Entry{}, err
	}
	defer unix.Close(fd)
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return Entry{}, fmt.Errorf("fstatfs: %w", err)
	}
	return statfsEntry(&st), nil
}

// onlyNew returns the one mount of w's type and source that is new since
// known and recorded on w.Target (or on a relative path, where the kernel
// copied fspath as given).
func onlyNew(known map[uint64]bool, w wantMount) (Entry, error) {
	now, err := table()
	if err != nil {
		return Entry{}, err
	}
	var on []Entry
	for _, e := range undoCandidates(known, now, w.FSType, w.From) {
		if e.Target == w.Target || !dotTaken(e.Target) {
			on = append(on, e)
		}
	}
	if len(on) != 1 {
		return Entry{}, fmt.Errorf("%d new %s mounts from %q on %q", len(on), w.FSType, w.From, w.Target)
	}
	return on[0], nil
}

// undoFsid unmounts exactly the mount e (by fsid: no path is resolved).
func undoFsid(e Entry) error {
	if err := unix.Unmount(fsidPath(e.ID), unix.MNT_BYFSID); err != nil {
		return fmt.Errorf("undo: unmount %s (on %q): %w", fsidPath(e.ID), e.Target, err)
	}
	return nil
}

// undoUnknown undoes a path-based mount that landed where the walk cannot
// see it: the only new mount of its type and source, if there is exactly
// one; with more, none is touched (one may be another process's) and they
// are named.
func undoUnknown(known map[uint64]bool, fstype, from string) error {
	now, err := table()
	if err != nil {
		return fmt.Errorf("undo: %w", err)
	}
	c := undoCandidates(known, now, fstype, from)
	switch len(c) {
	case 0:
		return nil
	case 1:
		return undoFsid(c[0])
	}
	names := make([]string, len(c))
	for i, e := range c {
		names[i] = fmt.Sprintf("%s on %q", fsidPath(e.ID), e.Target)
	}
	return fmt.Errorf("undo: %d new %s mounts from %q (%s): none unmounted, since which is ours is not known", len(c), fstype, from, strings.Join(names, ", "))
}

func unmount(e Expect) (err error) {
	full := path.Join(e.Root, e.Target)
	flags := uint64(unix.MNT_BYFSID)
	if e.Force {
		flags |= unix.MNT_FORCE
	}
	defer func() {
		if err != nil {
			err = &Error{Op: "unmount", FSType: e.FSType, Source: e.Source, Target: full,
				Flags: flags, flagNames: freebsdUnmountFlags, Err: err}
		}
	}()
	if e.ID != 0 {
		return unmountRecorded(e, full, flags)
	}
	// No fsid recorded (a crashed start's mount, found by path).
	rootfd, err := openAbsNoFollow("unmount", e.Root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.Join(unwrapOwn(err), ErrNotMounted)
		}
		return unwrapOwn(err)
	}
	// The path is walked without following symlinks: a mount point the
	// jail replaced by a symlink to a host mount is refused (SA-07:01).
	fd, _, err := walkDirs("unmount", rootfd, e.Root, e.Target, false, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.Join(unwrapOwn(err), ErrNotMounted)
		}
		return unwrapOwn(err)
	}
	var st unix.Statfs_t
	err = unix.Fstatfs(fd, &st)
	unix.Close(fd)
	if err != nil {
		return err
	}
	got := statfsEntry(&st)
	if got.Target != full {
		return fmt.Errorf("%q is not a mount point: %w", full, ErrNotMounted)
	}
	if err := matches(e, got); err != nil {
		return err
	}
	// Still the same mount in the kernel's list, by fsid?
	all, err := getfsstat()
	if err != nil {
		return fmt.Errorf("getfsstat: %w", err)
	}
	found := false
	for i := range all {
		if x := statfsEntry(&all[i]); x.ID == got.ID {
			if x.Target != full {
				return fmt.Errorf("fsid %s is mounted on %q: %w", fsidPath(got.ID), x.Target, ErrNotOurs)
			}
			found = true
		}
	}
	if !found {
		return fmt.Errorf("fsid %s is gone: %w", fsidPath(got.ID), ErrNotMounted)
	}
	if err := unix.Unmount(fsidPath(got.ID), int(flags)); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("%w (%w)", ErrNotMounted, err)
		}
		return err
	}
	return nil
}

// unmountRecorded unmounts the mount the record names by its fsid, found
// in getfsstat: the path is not walked, so a mount whose mount point was
// renamed since (FreeBSD never updates f_mntonname; a jail's root can
// rename <root>/usr while <root>/usr/bin is mounted) is still found and
// unmounted, and reported with ErrMoved.
func unmountRecorded(e Expect, full string, flags uint64) error {
	tbl, err := table()
	if err != nil {
		return err
	}
	got, moved, err := checkRecorded(tbl, e, full)
	if err != nil {
		return err
	}
	if err := unix.Unmount(fsidPath(got.ID), int(flags)); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("%w (%w)", ErrNotMounted, err)
		}
		return err
	}
	if moved {
		return fmt.Errorf("%s was mounted on %q: %w", fsidPath(got.ID), got.Target, ErrMoved)
	}
	return nil
}

func matches(e Expect, got Entry) error {
	if e.ID != 0 && got.ID != e.ID {
		return fmt.Errorf("fsid is %s, expected %s: %w", fsidPath(got.ID), fsidPath(e.ID), ErrNotOurs)
	}
	if got.FSType != e.FSType {
		return fmt.Errorf("type is %s: %w", got.FSType, ErrNotOurs)
	}
	if e.FSType == NullFS && e.Source != "" && got.Source != e.Source {
		return fmt.Errorf("mounted from %q: %w", got.Source, ErrNotOurs)
	}
	return nil
}

func table() ([]Entry, error) {
	all, err := getfsstat()
	if err != nil {
		return nil, &Error{Op: "table", Err: fmt.Errorf("getfsstat: %w", err)}
	}
	out := make([]Entry, len(all))
	for i := range all {
		out[i] = statfsEntry(&all[i])
	}
	return out, nil
}

// locate is the recorded fsid looked up in getfsstat, with the same type
// and, for nullfs, the same f_mntfromname (see checkRecorded).
func locate(e Expect) (Entry, error) {
	tbl, err := table()
	if err != nil {
		return Entry{}, err
	}
	return locateIn(tbl, e)
}
