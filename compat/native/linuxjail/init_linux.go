package linuxjail

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"rcjail/compat/native/proc"
)

// initMain is the first stage of the jail's init: argv is HOSTNAME ROOT
// CAPMASK -- COMMAND... It runs as pid 1 of the jail's new PID namespace,
// in its new mount, UTS and IPC namespaces, on a locked OS thread, with the
// host's capabilities: it builds the jail (hostname, root, /dev, /proc),
// drops the capabilities on this thread and re-executes this binary from
// it (see [execStage2]) as the second stage, serveMain, whose threads all
// start from this one's credentials.
func initMain(argv []string) int {
	report := os.NewFile(fdStatus, "status")
	fail := func(format string, args ...any) int {
		fmt.Fprintf(report, format+"\n", args...)
		return 1
	}
	if len(argv) < 5 || argv[3] != "--" {
		return fail("jail init: bad arguments %q", argv)
	}
	hostname, root := argv[0], argv[1]
	keep, err := strconv.ParseUint(argv[2], 16, 64)
	if err != nil {
		return fail("jail init: bad capability mask %q", argv[2])
	}
	// Not dumpable: no process of the jail may ptrace the init or read its
	// memory or descriptors through /proc/1 (same uid, and after dropCaps
	// the same capabilities). serveMain sets it again after its execve.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fail("jail init: not dumpable: %v", err)
	}
	// Everything above 2 — our two fds and whatever the host process
	// inherited — is closed at the next exec; execStage2 passes on only
	// what the second stage needs.
	if err := proc.CloseExtraOnExec(); err != nil {
		return fail("jail init: close inherited fds: %v", err)
	}
	// Our mounts must not propagate back to the host, and the host's
	// (un)mounts under the jail root (a hook's, stop's) should reach us:
	// make the new namespace a slave.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return fail("jail init: make mounts private: %v", err)
	}
	if err := unix.Sethostname([]byte(hostname)); err != nil {
		return fail("jail init: sethostname %q: %v", hostname, err)
	}
	// This binary, for the second stage: opened while the host's root is
	// still ours (the jail's own /proc may not exist).
	exe, err := unix.Open("/proc/self/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("jail init: open /proc/self/exe: %v", err)
	}
	hostRoot, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("jail init: open /: %v", err)
	}
	// A procfs of the jail's own PID namespace, detached (mounted
	// nowhere, so no jail process can reach it): the init counts the
	// jail's processes through it (see persist).
	procfd := detachedProc()
	// The control socket jexec reaches the init through (see serve):
	// both ends stay in the init, where only the host can fetch them
	// (pidfd_getfd needs CAP_SYS_PTRACE over a non-dumpable process).
	ctl, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail("jail init: control socket: %v", err)
	}
	// The host's device nodes, cloned while they are in reach.
	devs, err := devSources()
	if err != nil {
		return fail("jail init: %v", err)
	}
	if err := enterRoot(root); err != nil {
		return fail("jail init: %v", err)
	}
	if err := bindDev(devs); err != nil {
		return fail("jail init: %v", err)
	}
	if err := ownProc(); err != nil {
		return fail("jail init: %v", err)
	}
	if err := ownPts(); err != nil {
		return fail("jail init: %v", err)
	}
	// The jail root, for the second stage to return to; then the host's
	// root until the exec: a dynamically linked rcjail needs its ELF
	// interpreter and libraries, which the jail root may not have. No
	// process runs in the jail yet, and the second stage goes back before
	// anything else (serveMain).
	jailRoot, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("jail init: open the jail root: %v", err)
	}
	if err := unix.Fchdir(hostRoot); err != nil {
		return fail("jail init: %v", err)
	}
	if err := unix.Chroot("."); err != nil {
		return fail("jail init: chroot to the host's root for the exec: %v", err)
	}
	unix.Close(hostRoot)
	if err := dropCaps(keep); err != nil {
		return fail("jail init: %v", err)
	}
	err = execStage2(exe, map[int]int{fdStatus: fdStatus, fdProc: procfd, fdCtl: ctl[0], fdCtlClient: ctl[1], fdJailRoot: jailRoot, fdGate: fdGateIn})
	if !errors.Is(err, errExec) {
		return fail("jail init: %v", err)
	}
	// The exec itself failed (it should not: a host binary run from the
	// host's root). Never refuse the jail for that (SPEC §0): go on in
	// this process, whose fds execStage2 placed; serveMain returns to the
	// jail root first. The start command, every jexec'd command and this
	// thread hold the jail's set; the runtime's other threads keep the
	// host's (they run no jail code and the init is not dumpable), as
	// before the two stages existed.
	st := serveMain(argv)
	// report wraps fd 3 too: its finalizer must not close serveMain's.
	runtime.KeepAlive(report)
	return st
}

// detachedProc returns a procfs of the caller's PID namespace that is
// mounted nowhere, or -1.
func detachedProc() int {
	fs, err := unix.Fsopen("proc", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1
	}
	defer unix.Close(fs)
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1
	}
	m, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return -1
	}
	return m
}

// enterRoot makes root the root of this mount namespace: root is bound on
// itself (with everything mounted under it: the skeleton, devfs, procfs),
// checked to be the directory the parent opened (fdRoot: a path swapped
// since, for a symlink or another mount, is refused), and pivot_root puts
// it at "/" with the old root detached. Unlike chroot, no "cd .." from a
// nested chroot climbs out of it: the namespace has nothing above it.
func enterRoot(root string) error {
	var want, got unix.Stat_t
	if err := unix.Fstat(fdRoot, &want); err != nil {
		return fmt.Errorf("jail root: %w", err)
	}
	if err := unix.Mount(root, root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind jail root %s: %w", root, err)
	}
	if err := unix.Chdir(root); err != nil {
		return fmt.Errorf("chdir %s: %w", root, err)
	}
	if err := unix.Stat(".", &got); err != nil {
		return fmt.Errorf("jail root %s: %w", root, err)
	}
	if got.Dev != want.Dev || got.Ino != want.Ino {
		return fmt.Errorf("jail root %s: not the directory that was opened (replaced meanwhile)", root)
	}
	unix.Close(fdRoot)
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", root, err)
	}
	// The old root is stacked on "/" now: detach it, and with it every
	// host mount.
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	return nil
}

// isMountOf reports whether p is the root of a mount of the file system
// type magic.
func isMountOf(p string, magic int64) bool {
	var stx unix.Statx_t
	if unix.Statx(unix.AT_FDCWD, p, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_TYPE, &stx) != nil {
		return false
	}
	if stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		return false
	}
	var sfs unix.Statfs_t
	return unix.Statfs(p, &sfs) == nil && sfs.Type == magic
}

// ownProc replaces the jail's /proc (procfs_enable: mounted by the host,
// showing the host's processes) with a procfs of the jail's own PID
// namespace, and makes the parts that act on the whole host read-only or
// empty: /proc/sys (kernel.core_pattern would run a program on the host),
// /proc/sysrq-trigger (a write reboots the host), and the rest container
// runtimes protect too. The host's own mount stays where it was, for stop.
func ownProc() error {
	if !isMountOf("/proc", unix.PROC_SUPER_MAGIC) {
		return nil
	}
	if err := unix.Unmount("/proc", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the host's /proc: %w", err)
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount the jail's /proc: %w", err)
	}
	for _, p := range []string{"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"} {
		if err := readOnly(p); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("make %s read-only: %w", p, err)
		}
	}
	for _, p := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/kallsyms"} {
		if err := unix.Mount("/dev/null", p, "", unix.MS_BIND, ""); err != nil && !errors.Is(err, unix.ENOENT) {
			// /dev/null may be missing (no devfs): hide with an empty
			// read-only tmpfs is not possible on a file; leave it (each
			// of these needs a capability the jail no longer has).
			continue
		}
	}
	return nil
}

// readOnly binds p on itself read-only.
func readOnly(p string) error {
	if err := unix.Mount(p, p, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	return unix.Mount("", p, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
}

// ownPts gives a jail with a devfs (the tmpfs /dev the host made, with
// devfsrules_jail's nodes bound in by bindDev) its own devpts instance on
// /dev/pts and /dev/ptmx pointing into it: ptys of the jail's own, none of
// the host's.
func ownPts() error {
	if !isMountOf("/dev", unix.TMPFS_MAGIC) {
		return nil
	}
	if err := unix.Mkdir("/dev/pts", 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("mkdir /dev/pts: %w", err)
	}
	if err := unix.Mount("devpts", "/dev/pts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return fmt.Errorf("mount /dev/pts: %w", err)
	}
	if err := unix.Symlink("pts/ptmx", "/dev/ptmx"); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("symlink /dev/ptmx: %w", err)
	}
	return nil
}

// dropCaps leaves this thread (and so the second stage it re-executes,
// and every process of the jail, which descend from it) only the
// capabilities in keep: the others leave the bounding set (so no execve,
// not even of a set-uid or file-capability program, gets them back), the
// inheritable, permitted and effective sets and the ambient set; and
// no_new_privs is set.
func dropCaps(keep uint64) error {
	for c := 0; c < 64; c++ {
		if keep&(1<<uint(c)) != 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
			if errors.Is(err, unix.EINVAL) {
				break // past the kernel's last capability
			}
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, err)
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	for i := range data {
		m := uint32(keep >> (32 * uint(i)))
		data[i].Effective &= m
		data[i].Permitted &= m
		data[i].Inheritable &= m
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	return nil
}
