package mount

import (
	"errors"
	"io/fs"
	"strings"

	"golang.org/x/sys/unix"
)

// The directory cache of one operation or of a [Session]: the jail root,
// target parents and source roots opened once, dropped on our own mounts
// and unmounts, and the Session's retry after someone else's rename.

// fdCache holds the directory fds one mount or unmount (or a
// [Session]'s sequence of them) opened: the jail root, target parents and
// source roots, each opened with no symlink in any component. A jail's
// entries share their root and parents (usr/bin, usr/lib …), so a session
// walks each once instead of once per entry.
//
// A cached fd pins a directory inode, not a path. Two things can make it
// stale, and both are handled. Our own mounts and unmounts: forget drops
// every entry at or below a path the cache mounted on or unmounted, whose
// fd would now name a covered or detached directory. Someone else's renames
// inside the root: an operation that used a cached fd and failed is retried
// once with a fresh walk (Session), and a mount that succeeded through a
// stale parent cannot be mistaken for a good one, because verify compares
// the kernel's own mount point path and parent mount with the request.
type fdCache struct {
	ents    []cachedDir
	hit     bool // the current operation used a cached fd
	session bool // kept across calls: worth caching source parents too

	// hint is the statx mkdirAll just made of a target's last component
	// in its cached parent, for the mount that usually follows at once
	// (see takeHint).
	hint targetStat
}

// targetStat is a statx of name rel in the cached parent fd pfd of root,
// which showed a directory.
type targetStat struct {
	ok        bool
	pfd       int
	root, rel string
	stx       unix.Statx_t
}

// takeHint returns the statx mkdirAll remembered and forgets it: it serves
// at most the one operation that comes next, and only a mount of the same
// root and rel through the same cached parent fd (lookTarget checks). Every
// entry point takes or clears it first (a Session call whose arguments are
// refused clears it too: dropHint), so no other call of the session can
// come between the statx and its use.
//
// Using it is as safe as the mount's own statx was. Between the statx and
// the attach, something could always be mounted on the target or swapped
// for it; the remembered statx only lengthens that window by what the
// caller does between the two calls (the executor: a record lookup), and
// what guards it is unchanged: move_mount never follows a symlink put at
// the name, a mount attached on top of one that appeared meanwhile sits on
// another parent mount than the statx showed, which verify refuses
// (ErrEscaped, the new mount detached: never stacked), and a directory
// moved away is caught by verify's mount-point path. The same holds when
// something outside the session (another process, or a caller's own
// rmdir) changed the name meanwhile: a missing name or a symlink there
// makes move_mount fail, and a new directory put there is the right
// mount point anyway.
func (c *fdCache) takeHint() targetStat {
	h := c.hint
	c.hint = targetStat{}
	return h
}

// dropHint forgets the statx mkdirAll remembered (see takeHint).
func (c *fdCache) dropHint() { c.hint = targetStat{} }

type cachedDir struct {
	path string
	fd   int // O_PATH, or readable in a session
}

// dir returns a directory fd of root/rel (rel may be "."), opened without
// following any symlink; the cache owns it (callers do not close it).
func (c *fdCache) dir(op, root, rel string) (int, error) {
	for _, e := range c.ents {
		if joinedIs(e.path, root, rel) {
			c.hit = true
			return e.fd, nil
		}
	}
	p := joinClean(root, rel)
	var fd int
	var err error
	// A session's directories are opened readable, for the cheaper settle
	// (see settle); one call's are O_PATH, cheaper to open and close.
	flags := uint64(pathDirFlags)
	if c.session {
		flags = readDirFlags
	}
	if rfd := c.lookup(root); rfd >= 0 && rel != "." {
		c.hit = true
		fd, err = openStrictAs(op, rfd, root, rel, flags)
	} else {
		// One openat2 from "/" for root and rel together: the same
		// no-symlink guarantee as opening the root, then rel in it.
		fd, err = openRootStrictAs(op, p, flags)
	}
	if err != nil {
		return -1, err
	}
	c.ents = append(c.ents, cachedDir{p, fd})
	return fd, nil
}

// The paths a cache is asked for are clean (validated requests, or their
// parents), so the hot path compares and joins them by hand: path.Join
// cleans again and allocates, for every entry of every call.

// splitRel is path.Dir and path.Base of a clean relative path.
func splitRel(rel string) (dir, name string) {
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return ".", rel
	}
	return rel[:i], rel[i+1:]
}

// joinClean is path.Join(root, rel) for a clean absolute root and a clean
// relative rel ("." for root itself).
func joinClean(root, rel string) string {
	switch {
	case rel == ".":
		return root
	case root == "/":
		return "/" + rel
	}
	return root + "/" + rel
}

// joinedIs reports whether p == joinClean(root, rel), without building it.
func joinedIs(p, root, rel string) bool {
	switch {
	case rel == ".":
		return p == root
	case root == "/":
		return len(p) == 1+len(rel) && p[0] == '/' && p[1:] == rel
	}
	n := len(root)
	return len(p) == n+1+len(rel) && p[n] == '/' && p[:n] == root && p[n+1:] == rel
}

func (c *fdCache) lookup(p string) int {
	for _, e := range c.ents {
		if e.path == p {
			return e.fd
		}
	}
	return -1
}

// forget closes and drops the entries at or below p: after a mount on p they
// name directories it covers, after an unmount directories of a detached
// tree.
func (c *fdCache) forget(p string) {
	keep := c.ents[:0]
	for _, e := range c.ents {
		if Within(p, e.path) {
			unix.Close(e.fd)
			continue
		}
		keep = append(keep, e)
	}
	clear(c.ents[len(keep):])
	c.ents = keep
}

func (c *fdCache) close() {
	c.hint = targetStat{}
	for _, e := range c.ents {
		unix.Close(e.fd)
	}
	c.ents = c.ents[:0]
}

func (c *fdCache) mountRetry(r Request) (*Mounted, error) {
	c.hit, c.session = false, true
	m, err := c.mount(r)
	if err == nil || !c.hit {
		return m, err
	}
	// A cached directory may have been renamed or removed since it was
	// opened: walk everything again, once.
	var created []string
	var e *Error
	if errors.As(err, &e) {
		created = e.Created
	}
	c.close()
	m, err = c.mount(r)
	if len(created) > 0 {
		if err == nil {
			m.Created = append(created, m.Created...)
		} else if errors.As(err, &e) {
			e.Created = append(created, e.Created...)
		}
	}
	return m, err
}

func (c *fdCache) unmountRetry(e Expect) error {
	c.hit, c.session = false, true
	c.hint = targetStat{}
	err := c.unmount(e)
	if err == nil || !c.hit || errors.Is(err, ErrMoved) {
		return err
	}
	c.close()
	return c.unmount(e)
}

// mkdirAll answers "already a directory" from the cached parent with one
// statx that follows nothing; anything else (missing, a symlink, not a
// directory, an error) goes to the full no-follow walk, which makes what is
// missing and names any culprit. The statx asks for what lookTarget needs
// too and is remembered for a mount of the same target that comes next
// (see takeHint).
func (c *fdCache) mkdirAll(root, rel string, perm fs.FileMode) ([]string, error) {
	c.session = true
	c.hint = targetStat{}
	if rel != "." {
		dir, name := splitRel(rel)
		if pfd, err := c.dir("mkdir", root, dir); err == nil {
			h := &c.hint
			err := unix.Statx(pfd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_MNT_ID|unix.STATX_TYPE, &h.stx)
			if err == nil && h.stx.Mode&unix.S_IFMT == unix.S_IFDIR {
				h.ok, h.pfd, h.root, h.rel = true, pfd, root, rel
				return nil, nil
			}
			c.hint = targetStat{}
		}
	}
	return mkdirAll(root, rel, perm)
}
