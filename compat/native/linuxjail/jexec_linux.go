package linuxjail

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// jexecLegacy runs a command in a jail whose init has no control socket
// (started by an rcjail before the init served jexec): on a locked thread
// it joins the jail's UTS, IPC and PID namespaces, drops to the jail's
// capabilities (the mask its init was started with) and sets no_new_privs,
// then forks the command from that thread with its root set to the jail's
// (/proc/JID/root: the root of the jail's own mount namespace, above which
// ".." does not climb), waits for it and exits with its status. A Go
// program cannot join a mount namespace (its threads share their
// filesystem context): the command stays in the host's, and the runtime's
// other threads keep the host's capabilities. It exists so that such a
// jail can still be stopped (exec_stop) after an upgrade.
func jexecLegacy(jid int, command []string) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "jexec: "+format+"\n", args...)
		return 126
	}
	keep := capMask(baseCaps)
	if cl, err := os.ReadFile("/proc/" + strconv.Itoa(jid) + "/cmdline"); err == nil {
		if a := strings.Split(string(cl), "\x00"); len(a) > 4 && a[4] == "--" {
			if m, err := strconv.ParseUint(a[3], 16, 64); err == nil {
				keep = m
			}
		}
	}
	proc := "/proc/" + strconv.Itoa(jid)
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

// signalNotify is where a jexec gets the signals it passes on.
func signalNotify(c chan os.Signal) {
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
}
