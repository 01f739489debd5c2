// Package hostpath resolves the host paths rcjail keeps its own state under
// (/var/run, /var/log, /var/run/rcjail) inside the -R root.
//
// These directories belong to root and may be symlinks (every systemd Linux
// has /var/run -> /run), so they are followed (SPEC §3.8); only paths inside
// a jail root are never followed (SPEC §3.4), and that is the callers' walk,
// not this package's. Resolution is done as if the -R root were "/": an
// absolute link target starts again at the root and ".." never climbs above
// it, so that a test tree under -R and the host agree, and every backend and
// `status` name the same file for the same state path.
package hostpath
