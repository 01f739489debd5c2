// Package linuxjail is the Linux stand-in for a FreeBSD jail (SPEC §6): the
// jail is a process tree in new UTS, PID, mount and IPC namespaces, chrooted
// into the jail root, with the jail's hostname. Its "jid" is the host pid of
// the namespace's init, a re-exec of the running binary in a hidden helper
// mode (argv[0] "rcjail-jail-init") that sets the hostname, chroots, runs the
// start command, reports its status, and then stays as the namespace's pid 1
// (reaping orphans) until it is told to stop, like a persistent jail.
//
// The jail root is opened by the parent (without following a symlink) and
// handed to the init as a descriptor, which it chroots into: a path swapped
// for a symlink in the meantime cannot move the jail. A consequence worth
// knowing: the root is the host namespace's directory, so under it the jail
// sees the host's mounts as they change (as a FreeBSD jail sees the global
// mount table), and its processes keep those mounts busy. Stop therefore
// ends the jail before anything is unmounted. The jail's own mount
// namespace still matters: the kernel refuses a mount from it onto the
// host's tree, so nothing the jail mounts can reach the host.
//
// The helper mode is entered from this package's init function, so any
// binary that links the package (rcjail, and its test binaries) can serve as
// the init without a change to its main.
package linuxjail
