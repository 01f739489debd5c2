package inspect

import "rcjail/compat/native/linuxjail"

// jidAlive reports whether jid is a running jail rooted at root (the host
// path). On Linux a jid is the pid of the jail's init; the native package
// also checks that process's root directory, so a pid recycled by an
// unrelated process does not count as the jail.
func jidAlive(jid int, root string) (bool, error) {
	return linuxjail.Running(jid, root), nil
}
