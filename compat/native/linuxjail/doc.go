// Package linuxjail is the Linux stand-in for a FreeBSD jail (SPEC §6): the
// jail is a process tree in new UTS, PID, mount and IPC namespaces whose
// root is the jail root, with the jail's hostname. Its "jid" is the host pid
// of the namespace's init, a re-exec of the running binary in a hidden
// helper mode (argv[0] "rcjail-jail-init").
//
// The init, as pid 1 of the new PID namespace, in two stages. The first,
// with the host's capabilities:
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
//   - with a devfs (devfs_enable: the host's tmpfs /dev), binds the host's
//     own nodes of FreeBSD's devfsrules_jail set ([DevNodes]: null, zero,
//     full, random, urandom, tty) on the jail's /dev entries, cloned
//     (open_tree) before pivot_root and attached after it, inside the
//     jail's mount namespace only, where /dev itself becomes nodev (a node
//     made in the tmpfs does not open in the jail: on FreeBSD only devfs
//     has device nodes); adds the jail's own devpts on /dev/pts
//     and /dev/ptmx (ptys of its own, none of the host's); fd, stdin,
//     stdout and stderr are the stand-in's links into /proc/self/fd. Every
//     devfs ruleset gives this set: the rules are not interpreted on Linux;
//   - replaces a /proc the host mounted (procfs_enable) by a procfs of the
//     jail's own PID namespace (the jail sees only its processes), with
//     /proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus and /proc/fs
//     read-only;
//   - drops every capability a FreeBSD jail's root does not have (see
//     [Caps]: CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_MKNOD, CAP_SYS_RAWIO,
//     CAP_SYS_TIME, CAP_SYS_BOOT, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_AUDIT_*,
//     CAP_MAC_*, CAP_SYSLOG and more, unless an allow.* parameter maps to
//     one) from its effective, permitted, inheritable, bounding and ambient
//     sets and sets no_new_privs, on its own (locked) thread;
//   - and re-executes this binary from that thread (execveat of the file
//     opened before pivot_root; from the host's root, held by a fd, since
//     a dynamically linked rcjail needs the host's ELF interpreter and
//     libraries) as the second stage, which returns to the jail root
//     (chroot through a fd of it) before anything else. Should that exec
//     fail, the first stage goes on as the second in its own process (the
//     jail is never refused for it) with only its own thread's
//     capabilities dropped.
//
// Credentials are per thread on Linux and a Go program is multi-threaded
// before its first line runs: dropping capabilities on one thread leaves the
// runtime's others with the host's. execve replaces every thread by the one
// that called it, so every thread of the second stage (and of anything it
// starts) has the jail's set; syscall.AllThreadsSyscall would do it in
// place, but not in a binary that links cgo. The second stage makes itself
// non-dumpable (no jail process may ptrace it or read it through /proc/1),
// runs the start command, reports its status, and then reaps orphans while
// any other process is in the jail: when none is left it exits, as FreeBSD
// removes a non-persistent jail, and the host sees the jail gone (stop then
// cleans up as after any dead jail). It counts the jail's processes through
// a procfs of its PID namespace mounted nowhere.
//
// jexec (exec_afterstart, exec_stop, ExecCmd) does not enter the jail
// itself: a multi-threaded Go program cannot join a mount namespace
// (setns(CLONE_NEWNS) fails when the caller shares its filesystem context
// with other threads), so a command entered from outside would stay in the
// host's and read its mount table. Instead the init, already inside, forks
// the command on request: it holds both ends of an unnamed SOCK_SEQPACKET
// pair, the host's jexec fetches one with pidfd_getfd(2) (which needs
// CAP_SYS_PTRACE over the non-dumpable init: the host's root has it, no
// jail process does) and sends the command, its environment, and its stdin,
// stdout, stderr and a reply socket (SCM_RIGHTS); the command runs in every
// namespace of the jail with its capabilities, as a child of the jail's
// init, and its status comes back on the reply socket. Signals the jexec
// gets are passed on; a jexec killed before its command ends takes the
// command's process group with it. A jail whose init has no control socket
// (started by an older rcjail) is entered the older way (setns of UTS, IPC
// and PID, chroot, capabilities dropped on one thread), so it can still be
// stopped after an upgrade. A single-threaded helper that setns'es before
// the runtime starts would need cgo or assembly; the init is already there.
//
// [EscapeChecks] proves all this from inside a running jail: it starts a
// scratch jail whose start command is this binary re-executed as a probe
// (argv[0] "rcjail-escape-probe", which this package's init dispatches to)
// that tries the chroot breakout, a host process's /proc/<pid>/root, mknod of
// a block device, mount, umount of its skeleton mount, sethostname, kill and
// ptrace of a host process and of the jail's init, loading a module, writes
// to /proc/sys, /proc/sysrq-trigger and /sys, settimeofday and reboot, and
// reports each errno against the one the kernel must give; it also checks,
// from inside, that the probe is in the jail's mount namespace, that every
// thread of it holds exactly the jail's capabilities, and that the /dev
// nodes are binds of the host's. It runs the probe as the start command and
// again through jexec. `rcjail selftest` calls it; its tests run it as root
// in CI.
//
// The helper modes are entered from this package's init function, so any
// binary that links the package (rcjail, and its test binaries) can serve as
// the init or the probe without a change to its main.
package linuxjail
