package mount

import (
	"strings"

	"golang.org/x/sys/unix"
)

// fdCache holds the directory fds one mount or unmount opened: the jail
// root, the target's parent and the source root, each opened with no
// symlink in any component, shared within the one operation (the parent is
// opened from the root's fd) and closed at its end. Our own mount or
// unmount drops every entry at or below its path (forget), whose fd would
// now name a covered directory or one of a detached tree.
//
// (A Session once kept these across a jail's whole sequence, with a statx
// remembered from MkdirAll for the Mount after it and a retry after someone
// else's rename; it moved start+stop of 100 skeleton jails by less than
// 10% and was removed: see BENCHMARKS.md.)
type fdCache struct {
	ents []cachedDir
}

type cachedDir struct {
	path string
	fd   int // O_PATH
}

// dir returns a directory fd of root/rel (rel may be "."), opened without
// following any symlink; the cache owns it (callers do not close it).
func (c *fdCache) dir(op, root, rel string) (int, error) {
	for _, e := range c.ents {
		if joinedIs(e.path, root, rel) {
			return e.fd, nil
		}
	}
	p := joinClean(root, rel)
	var fd int
	var err error
	if rfd := c.lookup(root); rfd >= 0 && rel != "." {
		fd, err = openStrict(op, rfd, root, rel)
	} else {
		// One openat2 from "/" for root and rel together: the same
		// no-symlink guarantee as opening the root, then rel in it.
		fd, err = openRootStrict(op, p)
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
	for _, e := range c.ents {
		unix.Close(e.fd)
	}
	c.ents = c.ents[:0]
}
