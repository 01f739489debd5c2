// Package linuxjail is the Linux stand-in for a FreeBSD jail (SPEC §6): the
// jail is a process tree in new UTS, PID, mount and IPC namespaces whose
// root is the jail root, with the jail's hostname. Its "jid" is the host pid
// of the namespace's init, a re-exec of the running binary in a hidden
// helper mode (argv[0] "rcjail-jail-init").
//
// The init, as pid 1 of the new PID namespace:
//   - makes its mount namespace a slave of the host's (nothing it mounts
//     reaches the host; the host's unmounts reach it), sets the hostname;
//   - enters the jail root with pivot_root, not chroot: the root (opened by
//     the parent without following a symlink, and checked again by device
//     and inode) is bound on itself with everything mounted under it, made
//     the namespace's root, and the old root is detached. No nested chroot
//     and "cd .." climbs out of it, and the jail's processes hold the jail's
//     own copies of its mounts, never the host's: stop unmounts the host's
//     copies from the host side (after the jail is gone) and the jail's die
//     with its namespace, so the host's mount table ends as it was;
//   - replaces a /proc the host mounted (procfs_enable) by a procfs of the
//     jail's own PID namespace (the jail sees only its processes), with
//     /proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus and /proc/fs
//     read-only; with a devfs (the host's tmpfs /dev holding the nodes of
//     devfsrules_jail: null, zero, full, random, urandom, tty, fd,
//     stdin/stdout/stderr) it adds the jail's own devpts on /dev/pts and
//     /dev/ptmx;
//   - drops every capability a FreeBSD jail's root does not have (see
//     [Caps]: CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_MKNOD, CAP_SYS_RAWIO,
//     CAP_SYS_TIME, CAP_SYS_BOOT, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_AUDIT_*,
//     CAP_MAC_*, CAP_SYSLOG and more, unless an allow.* parameter maps to
//     one) from its effective, permitted, inheritable, bounding and ambient
//     sets, sets no_new_privs, and makes itself non-dumpable (no jail
//     process may ptrace it or read it through /proc/1);
//   - runs the start command, reports its status, and then reaps orphans
//     while any other process is in the jail: when none is left it exits,
//     as FreeBSD removes a non-persistent jail, and the host sees the jail
//     gone (stop then cleans up as after any dead jail). It counts the
//     jail's processes through a procfs of its PID namespace mounted
//     nowhere, so processes jexec put there count too.
//
// Credentials are per thread on Linux and the Go runtime is multi-threaded:
// the init drops capabilities on its main thread, locked to the main
// goroutine, and forks the start command from it; the runtime's other
// threads keep theirs but run no jail code, and non-dumpability keeps the
// jail away from them.
//
// [EscapeChecks] proves all this from inside a running jail: it starts a
// scratch jail whose start command is this binary re-executed as a probe
// (argv[0] "rcjail-escape-probe", which this package's init dispatches to)
// that tries the chroot breakout, a host process's /proc/<pid>/root, mknod of
// a block device, mount, umount of its skeleton mount, sethostname, kill and
// ptrace of a host process and of the jail's init, loading a module, writes
// to /proc/sys, /proc/sysrq-trigger and /sys, settimeofday and reboot, and
// reports each errno against the one the kernel must give. `rcjail
// selftest` can call it; its tests run it as root in CI.
//
// The helper modes are entered from this package's init function, so any
// binary that links the package (rcjail, and its test binaries) can serve as
// the init or the probe without a change to its main.
package linuxjail
