package mount

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// FreeBSD: nmount(2) takes paths only and resolves fspath again, following
// symlinks, so prevention is impossible; this is detect-and-undo
// (security.md §3.6). The target is walked one component at a time with
// O_NOFOLLOW|O_DIRECTORY from the jail root, mounted with "nocover", then
// walked again and checked with fstatfs (type, f_mntonname, f_mntfromname,
// a new fsid); any mismatch, or a new mount of ours anywhere else in
// getfsstat, is unmounted at once by fsid and reported as a possible symlink
// race. Unmount goes by fsid (MNT_BYFSID) after getfsstat confirms the fsid
// still names what we mounted: no path is resolved at all.

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
	d, err := unix.Dup(rootfd)
	unix.Close(rootfd)
	if err != nil {
		return nil, err
	}
	tfd, c, err := walkDirs("mount", d, r.Root, r.Target, r.Create, 0o755)
	created = c
	if err != nil {
		return nil, err
	}
	var before unix.Statfs_t
	err = unix.Fstatfs(tfd, &before)
	unix.Close(tfd)
	if err != nil {
		return nil, fmt.Errorf("fstatfs target: %w", err)
	}
	if cstring(before.Mntonname[:]) == full {
		return nil, fmt.Errorf("target is already a mount point: %w", unix.EBUSY)
	}
	if r.FSType == NullFS {
		// The source is host-side; walk it no-follow too unless the caller
		// allowed in-tree links (then the kernel's own lookup follows them).
		if r.SourceRoot == "" {
			sfd, err := openAbsNoFollow("open source", r.Source)
			if err != nil {
				return nil, err
			}
			unix.Close(sfd)
		} else {
			// Links are followed only while they stay below SourceRoot
			// (O_RESOLVE_BENEATH, 13.0+: ENOTCAPABLE otherwise).
			srfd, err := openAbsNoFollow("open source root", r.SourceRoot)
			if err != nil {
				return nil, err
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(r.Source, r.SourceRoot), "/")
			if rel == "" {
				rel = "."
			}
			sfd, err := unix.Openat(srfd, rel, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_RESOLVE_BENEATH, 0)
			unix.Close(srfd)
			if err != nil {
				return nil, &Error{Op: "open source", Source: r.Source, Err: err}
			}
			unix.Close(sfd)
		}
	}
	old, err := getfsstat()
	if err != nil {
		return nil, fmt.Errorf("getfsstat: %w", err)
	}
	known := make(map[uint64]bool, len(old))
	for i := range old {
		known[packFsid(old[i].Fsid.Val[0], old[i].Fsid.Val[1])] = true
	}

	opts, err := buildNmountOpts(r.FSType, full, fromName(r), r.ReadOnly, r.Options)
	if err != nil {
		return nil, err
	}
	if r.ReadOnly {
		flags |= unix.MNT_RDONLY
	}
	if errmsg, err = nmount(opts, flags); err != nil {
		return nil, err
	}

	// Detect and undo: walk the target again, no symlinks, and compare.
	op = "verify"
	id, verr := verifyFreeBSD(r, full, before)
	if verr == nil {
		return &Mounted{ID: id, FSType: r.FSType, Source: r.Source, Root: r.Root, Rel: r.Target,
			Target: full, Created: created}, nil
	}
	// Unmount every new mount of ours, wherever it landed.
	now, err := getfsstat()
	if err != nil {
		return nil, errors.Join(verr, fmt.Errorf("getfsstat for undo: %w", err))
	}
	for i := range now {
		e := statfsEntry(&now[i])
		if known[e.ID] || e.FSType != r.FSType || e.Source != fromName(r) {
			continue
		}
		if uerr := unix.Unmount(fsidPath(e.ID), unix.MNT_BYFSID); uerr != nil {
			verr = errors.Join(verr, fmt.Errorf("undo: unmount %s (on %q): %w", fsidPath(e.ID), e.Target, uerr))
		}
	}
	return nil, verr
}

func verifyFreeBSD(r Request, full string, before unix.Statfs_t) (uint64, error) {
	rootfd, err := openAbsNoFollow("verify", r.Root)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrEscaped, err)
	}
	fd, _, err := walkDirs("verify", rootfd, r.Root, r.Target, false, 0)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrEscaped, err)
	}
	var st unix.Statfs_t
	err = unix.Fstatfs(fd, &st)
	unix.Close(fd)
	if err != nil {
		return 0, err
	}
	e := statfsEntry(&st)
	switch {
	case st.Fsid == before.Fsid:
		return 0, fmt.Errorf("nothing new is mounted at the target: %w", ErrEscaped)
	case e.Target != full:
		return 0, fmt.Errorf("the target shows a mount on %q: %w", e.Target, ErrEscaped)
	case e.FSType != r.FSType:
		return 0, fmt.Errorf("the target shows a %s mount: %w", e.FSType, ErrEscaped)
	case e.Source != fromName(r):
		return 0, fmt.Errorf("the target shows a mount from %q: %w", e.Source, ErrEscaped)
	case r.ReadOnly && !e.ReadOnly:
		return 0, fmt.Errorf("the mount is not read-only")
	}
	return e.ID, nil
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
