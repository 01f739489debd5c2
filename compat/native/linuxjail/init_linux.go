package linuxjail

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/compat/native/proc"
)

// initMain is the jail's init: argv is HOSTNAME ROOT CAPMASK -- COMMAND...
// It runs as pid 1 of the jail's new PID namespace, in its new mount, UTS
// and IPC namespaces, on a locked OS thread (credentials are per thread).
func initMain(argv []string) int {
	report := os.NewFile(fdStatus, "status")
	fail := func(format string, args ...any) int {
		fmt.Fprintf(report, format+"\n", args...)
		return 1
	}
	if len(argv) < 5 || argv[3] != "--" {
		return fail("jail init: bad arguments %q", argv)
	}
	hostname, root, command := argv[0], argv[1], argv[4:]
	keep, err := strconv.ParseUint(argv[2], 16, 64)
	if err != nil {
		return fail("jail init: bad capability mask %q", argv[2])
	}
	// Not dumpable: no process of the jail may ptrace the init or read its
	// memory or descriptors through /proc/1 (same uid, and after dropCaps
	// the same capabilities on this thread; the runtime's other threads
	// keep the host's, and share this memory). execve makes the jail's
	// own processes dumpable again.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fail("jail init: not dumpable: %v", err)
	}
	// Everything above 2 — our two fds and whatever the host process
	// inherited — is closed when the start command executes.
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
	// A procfs of the jail's own PID namespace, detached (mounted
	// nowhere, so no jail process can reach it): the init counts the
	// jail's processes through it (see persist).
	procfd := detachedProc()
	if err := enterRoot(root); err != nil {
		return fail("jail init: %v", err)
	}
	if err := ownProc(); err != nil {
		return fail("jail init: %v", err)
	}
	if err := ownPts(); err != nil {
		return fail("jail init: %v", err)
	}
	if err := dropCaps(keep); err != nil {
		return fail("jail init: %v", err)
	}

	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)

	path := command[0]
	if !strings.Contains(path, "/") {
		p, err := exec.LookPath(path)
		if err != nil {
			return fail("jail start command %q: %v", command[0], err)
		}
		path = p
	}
	// syscall.ForkExec forks from this (locked) thread: the start command
	// inherits its dropped bounding set and no_new_privs.
	pid, err := syscall.ForkExec(path, command, &syscall.ProcAttr{
		Dir:   "/",
		Env:   []string{proc.CleanPath},
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return fail("jail start command %q: %v", strings.Join(command, " "), err)
	}
	// Reap until the start command is done; orphans are reaped too.
	for {
		var ws syscall.WaitStatus
		p, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fail("jail start command %q: wait: %v", strings.Join(command, " "), err)
		}
		if p != pid {
			continue
		}
		switch {
		case ws.Exited() && ws.ExitStatus() == 0:
		case ws.Exited():
			return fail("jail start command %q: exit status %d", strings.Join(command, " "), ws.ExitStatus())
		default:
			return fail("jail start command %q: %v", strings.Join(command, " "), ws.Signal())
		}
		break
	}
	fmt.Fprintln(report, "ok")
	report.Close()
	return persist(sigs, procfd)
}

// persist is the running jail: reap orphans until told to stop, or until
// no process but the init is left in the jail (FreeBSD removes a
// non-persistent jail when its last process exits; the host then sees the
// jail as gone, and stop cleans up as for any dead jail). Processes that
// jexec put into the jail are not the init's children, so the jail is
// counted through its own procfs (procfd), at every SIGCHLD and twice a
// second; without one (a kernel without fsopen) the init stays, as before.
func persist(sigs chan os.Signal, procfd int) int {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case sig := <-sigs:
			if sig != syscall.SIGCHLD {
				shutdown()
				return 0
			}
			reapAll()
		case <-tick.C:
		}
		if procfd >= 0 && alone(procfd) {
			return 0
		}
	}
}

// alone reports whether the init is the only process of its PID namespace.
func alone(procfd int) bool {
	fd, err := unix.Openat(procfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	d := os.NewFile(uintptr(fd), "proc")
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return false
	}
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil && pid != 1 {
			return false
		}
	}
	return true
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

// ownPts gives a jail with a devfs (the tmpfs /dev the host made, holding
// devfsrules_jail's nodes) its own devpts instance on /dev/pts and
// /dev/ptmx pointing into it: ptys of the jail's own, none of the host's.
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

// dropCaps leaves this thread (and so every process of the jail, which
// descend from it) only the capabilities in keep: the others leave the
// bounding set (so no execve, not even of a set-uid or file-capability
// program, gets them back), the inheritable, permitted and effective sets
// and the ambient set; and no_new_privs is set.
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

func reapAll() {
	for {
		var ws syscall.WaitStatus
		p, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if p <= 0 || err != nil {
			return
		}
	}
}

// shutdown TERMs every other process of the namespace (kill(-1) from a
// PID namespace's init reaches exactly its namespace), waits for them for
// a bounded time, then KILLs what is left. Our own exit kills anything
// after that.
func shutdown() {
	_ = syscall.Kill(-1, syscall.SIGTERM)
	deadline := time.Now().Add(DefaultStopTimeout - time.Second)
	for time.Now().Before(deadline) {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.ECHILD) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = syscall.Kill(-1, syscall.SIGKILL)
}

// jexecMain runs a command inside a running jail: argv is JID -- COMMAND...
// On a locked thread it joins the jail's UTS, IPC and PID namespaces,
// drops to the jail's capabilities (the mask its init was started with)
// and sets no_new_privs, then forks the command from that thread with its
// root set to the jail's (/proc/JID/root: the root of the jail's own mount
// namespace, above which ".." does not climb), waits for it and exits with
// its status. A Go program cannot join a mount namespace (its threads share
// their filesystem context), hence the root instead: the command cannot
// mount anything anyway.
func jexecMain(argv []string) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "jexec: "+format+"\n", args...)
		return 126
	}
	if len(argv) < 3 || argv[1] != "--" {
		return fail("usage: %s JID -- COMMAND...", ExecArg0)
	}
	jid, err := strconv.Atoi(argv[0])
	if err != nil {
		return fail("bad jid %q", argv[0])
	}
	command := argv[2:]
	if _, ok := Root(jid); !ok {
		return fail("jid %d is not a running jail", jid)
	}
	keep := capMask(baseCaps)
	if cl, err := os.ReadFile("/proc/" + argv[0] + "/cmdline"); err == nil {
		if a := strings.Split(string(cl), "\x00"); len(a) > 4 && a[4] == "--" {
			if m, err := strconv.ParseUint(a[3], 16, 64); err == nil {
				keep = m
			}
		}
	}
	proc := "/proc/" + argv[0]
	for _, ns := range []struct {
		name string
		flag int
	}{{"uts", unix.CLONE_NEWUTS}, {"ipc", unix.CLONE_NEWIPC}, {"pid", unix.CLONE_NEWPID}} {
		fd, err := unix.Open(proc+"/ns/"+ns.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fail("jail %d: %v", jid, err)
		}
		err = unix.Setns(fd, ns.flag)
		unix.Close(fd)
		if err != nil {
			return fail("jail %d: join its %s namespace: %v", jid, ns.name, err)
		}
	}
	root := proc + "/root"
	path := command[0]
	if !strings.Contains(path, "/") {
		// Looked up below the jail's root; the exec itself happens after
		// the chroot, so a path that resolves differently there fails
		// rather than runs a host program.
		for _, d := range []string{"/sbin", "/bin", "/usr/sbin", "/usr/bin"} {
			if fi, err := os.Stat(root + d + "/" + path); err == nil && fi.Mode().IsRegular() {
				path = d + "/" + path
				break
			}
		}
		if !strings.Contains(path, "/") {
			return fail("%s: not found in the jail", path)
		}
	}
	// The jail's root, held open: once our capabilities are dropped,
	// /proc/JID/root of the (non-dumpable) init is out of our reach; the
	// child chroots through our own fd (still open when it chroots, and
	// close-on-exec).
	rootFd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("jail %d: open its root: %v", jid, err)
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fail("not dumpable: %v", err)
	}
	if err := dropCaps(keep); err != nil {
		return fail("%v", err)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	pid, err := syscall.ForkExec(path, command, &syscall.ProcAttr{
		Dir:   "/",
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Chroot: "/proc/self/fd/" + strconv.Itoa(rootFd)},
	})
	if err != nil {
		return fail("%s: %v", strings.Join(command, " "), err)
	}
	go func() {
		for s := range sigs {
			_ = syscall.Kill(pid, s.(syscall.Signal))
		}
	}()
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fail("wait: %v", err)
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}
