// Package linuxjail is the Linux stand-in for a FreeBSD jail (SPEC §6): the
// jail is a process tree in new UTS, PID, mount and IPC namespaces, chrooted
// into the jail root, with the jail's hostname. Its "jid" is the host pid of
// the namespace's init, a re-exec of the running binary in a hidden helper
// mode (argv[0] "rcjail-jail-init") that sets the hostname, chroots, runs the
// start command, reports its status, and then stays as the namespace's pid 1
// (reaping orphans) until it is told to stop, like a persistent jail.
//
// The helper mode is entered from this package's init function, so any
// binary that links the package (rcjail, and its test binaries) can serve as
// the init without a change to its main.
package linuxjail
