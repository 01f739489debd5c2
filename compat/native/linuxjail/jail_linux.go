package linuxjail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/compat/native/proc"
)

// The fds the init gets besides 0–2; every process it starts sees only
// 0–2.
const (
	fdStatus = 3 // write end of the pipe the init reports the start status on
	fdRoot   = 4 // first stage: O_PATH fd of the jail root, opened by the parent without following symlinks
	fdGateIn = 5 // first stage: read end of the gate pipe (see fdGate)

	// The second stage's (see execStage2).
	fdProc      = 4 // the jail's detached procfs (see persist); closed if none
	fdCtl       = 5 // the control socket's end the init reads requests from
	fdCtlClient = 6 // its other end, which jexec fetches with pidfd_getfd
	fdJailRoot  = 7 // the jail root, which the second stage chroots back into
	// fdGate is the read end of the gate pipe: the start command runs only
	// once Start has written a byte there, after Spec.Created returned;
	// EOF first (Created failed, or the caller died) and the init exits.
	fdGate = 8
)

func init() {
	if len(os.Args) == 0 {
		return
	}
	switch filepath.Base(os.Args[0]) {
	case InitArg0:
		// Credentials are per thread on Linux: the init sets up the jail
		// and drops its capabilities on this thread, and re-executes
		// itself from it, so it must not move to another.
		runtime.LockOSThread()
		if slices.Contains(os.Environ(), stageEnv) {
			os.Exit(serveMain(os.Args[1:]))
		}
		os.Exit(initMain(os.Args[1:]))
	case "exe":
		// ExecCmd's form: /proc/self/exe rcjail-jail-exec JID -- ...
		if len(os.Args) > 1 && os.Args[1] == ExecArg0 {
			runtime.LockOSThread()
			os.Exit(jexecMain(os.Args[2:]))
		}
	case probeArg0:
		runtime.LockOSThread()
		os.Exit(probeMain(os.Args[1:]))
	}
}

// Start creates the jail and runs its start command; it returns once the
// command has exited 0 (the jail keeps running) or fails, leaving nothing
// running.
func Start(ctx context.Context, s Spec) (jid int, err error) {
	if len(s.Command) == 0 {
		return 0, fmt.Errorf("start jail in %q: empty start command", s.Root)
	}
	if len(s.Hostname) > HostNameMax {
		// check says so first; the kernel's own EINVAL names nothing.
		return 0, fmt.Errorf("start jail in %q: host name %q is %d bytes; Linux allows at most %d (HOST_NAME_MAX)", s.Root, s.Hostname, len(s.Hostname), HostNameMax)
	}
	// Host descriptors rcjail inherited must not reach the init either.
	if err := proc.CloseExtraOnExec(); err != nil {
		return 0, fmt.Errorf("start jail in %q: %w", s.Root, err)
	}
	if !filepath.IsAbs(s.Root) || filepath.Clean(s.Root) != s.Root || s.Root == "/" {
		return 0, fmt.Errorf("start jail in %q: root is not an absolute clean path other than /", s.Root)
	}
	// The root is opened here, without following a symlink in its last
	// component, and handed over as a fd: the init chroots into exactly
	// this directory even if someone swaps the path for a symlink to /
	// in the meantime.
	rootFd, err := unix.Open(s.Root, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("start jail: open root %q: %w", s.Root, err)
	}
	root := os.NewFile(uintptr(rootFd), s.Root)
	defer root.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return 0, fmt.Errorf("start jail in %q: status pipe: %w", s.Root, err)
	}
	defer pr.Close()
	// The gate: Created runs before the start command does (the init
	// waits for a byte here), so that a caller killed in Created leaves
	// no jail running a command nobody recorded.
	gr, gw, err := os.Pipe()
	if err != nil {
		pw.Close()
		return 0, fmt.Errorf("start jail in %q: gate pipe: %w", s.Root, err)
	}
	defer gw.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		pw.Close()
		gr.Close()
		return 0, fmt.Errorf("start jail in %q: %w", s.Root, err)
	}
	defer devnull.Close()

	var out io.Writer = s.Output
	if out == nil {
		out = io.Discard
	}
	keep, _ := Caps(s.Params)
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       append([]string{InitArg0, s.Hostname, s.Root, strconv.FormatUint(capMask(keep), 16), "--"}, s.Command...),
		Env:        []string{proc.CleanPath, initProcs},
		Dir:        "/",
		Stdin:      devnull,
		Stdout:     out,
		Stderr:     out,
		ExtraFiles: []*os.File{pw, root, gr},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWUTS | syscall.CLONE_NEWPID | syscall.CLONE_NEWNS | syscall.CLONE_NEWIPC,
			// Its own session: the jail outlives the rcjail that started it
			// and no terminal signal reaches it.
			Setsid: true,
		},
	}
	err = startIn(cmd, s.NetNS)
	pw.Close()
	gr.Close()
	if err != nil {
		return 0, fmt.Errorf("start jail in %q: %w", s.Root, err)
	}
	jid = cmd.Process.Pid
	// Reap the init when it exits while we are still alive (tests, a
	// failed start); once rcjail exits the host's init inherits it.
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	if s.Created != nil {
		if err := s.Created(jid); err != nil {
			kill(jid, waited)
			return 0, fmt.Errorf("start jail in %q: %w", s.Root, err)
		}
	}
	// Recorded: the start command may run. (A failed write means the
	// init is gone; its status pipe says why.)
	_, _ = gw.Write([]byte{1})
	gw.Close()

	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	status := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(pr); status <- b }()
	var msg []byte
	select {
	case msg = <-status:
	case <-time.After(timeout):
		kill(jid, waited)
		return 0, fmt.Errorf("start jail in %q: start command %q: timed out after %v; the jail was killed", s.Root, strings.Join(s.Command, " "), timeout)
	case <-ctx.Done():
		kill(jid, waited)
		return 0, fmt.Errorf("start jail in %q: %w", s.Root, ctx.Err())
	}
	msg = bytes.TrimSpace(msg)
	if string(msg) != "ok" {
		kill(jid, waited)
		if len(msg) == 0 {
			msg = []byte("jail init died before reporting")
		}
		return 0, fmt.Errorf("start jail in %q: %s", s.Root, msg)
	}
	return jid, nil
}

// startIn starts cmd, in the network namespace ns when it is not nil: the
// child is cloned from this thread, so it inherits the namespace the
// thread has entered for the moment.
func startIn(cmd *exec.Cmd, ns *os.File) error {
	if ns == nil {
		return cmd.Start()
	}
	runtime.LockOSThread()
	host, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("open this thread's network namespace: %w", err)
	}
	defer host.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter the jail's network namespace: %w", err)
	}
	err = cmd.Start()
	if serr := unix.Setns(int(host.Fd()), unix.CLONE_NEWNET); serr != nil {
		// The thread stays locked in the jail's namespace and exits with
		// this goroutine instead of serving others from the wrong network.
		return fmt.Errorf("return to the host network namespace: %w (start: %v)", serr, err)
	}
	runtime.UnlockOSThread()
	return err
}

// kill ends a jail whose init we started ourselves: SIGKILL to the init
// takes the whole PID namespace with it.
func kill(pid int, waited <-chan struct{}) {
	_ = syscall.Kill(pid, syscall.SIGKILL)
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
	}
}

// Running reports whether jid is the init of a jail rooted at root: the
// process exists, is not a zombie, and its root directory is root (which
// stops a recycled pid from being mistaken for the jail). The init's root is
// the jail root entered by pivot_root in the jail's own mount namespace, so
// /proc/<jid>/root reads "/" from the host: it is compared by device and
// inode with root. A jail started before pivot_root (chroot: the link
// reads as root) is recognised too.
func Running(jid int, root string) bool {
	if jid <= 1 {
		return false
	}
	p := "/proc/" + strconv.Itoa(jid)
	if link, err := os.Readlink(p + "/root"); err != nil {
		return false
	} else if link != root && !sameFile(p+"/root", root) {
		return false
	}
	st, err := os.ReadFile(p + "/stat")
	if err != nil {
		return false
	}
	// The state is the first field after the parenthesised command.
	i := bytes.LastIndexByte(st, ')')
	if i < 0 || i+2 >= len(st) {
		return false
	}
	return st[i+2] != 'Z' && st[i+2] != 'X'
}

// initCmdline reads the command line of the process at p (/proc/PID).
// An init re-executing itself as its second stage reads as an empty
// command line for the moment of its execve; Root or Settle looking just
// then took a live jail for gone, and a start killed right after creating
// the jail led to a second jail on the root (the crash matrix's "jail
// created" points, issue 12). So an empty command line of a live process
// that is not a zombie is read again, for at most about 100 ms. A kernel
// thread's command line is always empty: it is not read again (At looks
// at every process; waiting on each kernel thread made it take seconds).
func initCmdline(p string) ([]byte, error) {
	for i := 0; ; i++ {
		cl, err := os.ReadFile(p + "/cmdline")
		if err != nil || len(cl) > 0 || i == 100 {
			return cl, err
		}
		st, err := os.ReadFile(p + "/stat")
		j := bytes.LastIndexByte(st, ')')
		if err != nil || j < 0 || j+2 >= len(st) || st[j+2] == 'Z' || st[j+2] == 'X' || kthread(st[j+1:]) {
			return cl, nil
		}
		time.Sleep(time.Millisecond)
	}
}

// pfKthread is the kernel's PF_KTHREAD task flag (include/linux/sched.h).
const pfKthread = 0x00200000

// kthread reports whether the fields of /proc/PID/stat after the command
// (" S PPID PGRP SESSION TTY TPGID FLAGS …") carry PF_KTHREAD.
func kthread(rest []byte) bool {
	f := strings.Fields(string(rest))
	if len(f) < 7 {
		return false
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	return err == nil && flags&pfKthread != 0
}

// sameFile reports whether a and b (both followed) are one directory.
func sameFile(a, b string) bool {
	var sa, sb unix.Stat_t
	if unix.Stat(a, &sa) != nil || unix.Stat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// Stop sends TERM to everything in the jail (the init forwards it to every
// process of its namespace), waits up to timeout, then KILLs the init,
// which kills the namespace. It returns once the jail is gone or reports
// the processes that would not die.
func Stop(jid int, root string, timeout time.Duration) error {
	if !Running(jid, root) {
		return nil
	}
	if timeout <= 0 {
		timeout = DefaultStopTimeout
	}
	_ = syscall.Kill(jid, syscall.SIGTERM)
	if waitGone(jid, root, timeout) {
		return nil
	}
	_ = syscall.Kill(jid, syscall.SIGKILL)
	if waitGone(jid, root, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("stop jail %d in %q: still running after TERM, %v and KILL", jid, root, timeout)
}

func waitGone(jid int, root string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	// A pidfd becomes readable the moment the process ends (for any
	// process, not only our children): no polling latency on every stop.
	if fd, err := unix.PidfdOpen(jid, 0); err == nil {
		defer unix.Close(fd)
		for Running(jid, root) {
			left := time.Until(deadline)
			if left <= 0 {
				return false
			}
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			if _, err := unix.Poll(fds, int(left/time.Millisecond)+1); err != nil && err != unix.EINTR {
				break
			}
		}
		if !Running(jid, root) {
			return true
		}
	}
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		if !Running(jid, root) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay)
	}
}

// ExecCmd returns the command that runs argv inside the jail: this binary
// (/proc/self/exe, as the process that executes the command sees it)
// re-executed as the jexec helper (argv[1] "rcjail-jail-exec", see
// jexecMain), which has the jail's init fork the command: in all of the
// jail's namespaces, its mount namespace included, with the jail's
// capabilities on every thread and no_new_privs, exactly as the jail's own
// processes. A command the jail's root controls (the jail's
// /etc/rc.shutdown, run by exec_stop) gets nothing more than the jail's
// root has. (util-linux nsenter, used once, kept every capability.)
func ExecCmd(jid int, argv []string) []string {
	return append([]string{"/proc/self/exe", ExecArg0, strconv.Itoa(jid), "--"}, argv...)
}

// At returns the jid of the live jail init whose root is root (the first
// found), for a start killed between the jail's creation and the record of
// its jid. An init still setting up is waited for (see Settle).
func At(root string) (int, bool) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	for _, e := range ents {
		jid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		Settle(jid, root, settleWait)
		if r, ok := Root(jid); ok && r == root {
			return jid, true
		}
	}
	return 0, false
}

// settleWait bounds how long Settle waits for an init to enter its root.
const settleWait = 10 * time.Second

// Settle waits, at most d, while jid is a live jail init for root that has
// not entered root yet. An init sets up its namespaces (a Go binary
// starting, /proc, /dev/pts) before it enters the jail root; until then
// Root does not recognise it. A start killed right after creating the
// jail leaves such an init, and a stop or start that looked at it too
// early would take the jail for gone and start a second one on the root.
// Nothing else is done with an init that has not entered its root: no
// jexec, no signal.
func Settle(jid int, root string, d time.Duration) {
	deadline := time.Now().Add(d)
	for entering(jid, root) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// entering reports whether jid is a live jail init whose command line names
// root but whose root is not root yet.
func entering(jid int, root string) bool {
	if jid <= 1 || root == "" {
		return false
	}
	p := "/proc/" + strconv.Itoa(jid)
	cl, err := initCmdline(p)
	if err != nil || !bytes.HasPrefix(cl, []byte(InitArg0+"\x00")) {
		return false
	}
	args := strings.Split(string(cl), "\x00")
	if len(args) <= 3 || args[2] != root || Running(jid, root) {
		return false
	}
	st, err := os.ReadFile(p + "/stat")
	i := bytes.LastIndexByte(st, ')')
	return err == nil && i >= 0 && i+2 < len(st) && st[i+2] != 'Z' && st[i+2] != 'X'
}

// Root returns the root directory of the jail whose init is jid, and false
// when jid is not a live rcjail jail init (no such process, a zombie, a
// recycled pid now used by something else, or a process not chrooted).
// Every jexec and kill checks this first: a stale id file must never make
// rcjail enter or signal an unrelated host process. The init's command
// line names its root (argv[2]; "--" there is the older form, whose root is
// read from /proc/<jid>/root), and Running checks it is really there.
func Root(jid int) (string, bool) {
	if jid <= 1 {
		return "", false
	}
	p := "/proc/" + strconv.Itoa(jid)
	cl, err := initCmdline(p)
	if err != nil || !bytes.HasPrefix(cl, []byte(InitArg0+"\x00")) {
		return "", false
	}
	args := strings.Split(string(cl), "\x00")
	var root string
	if len(args) > 2 && args[2] == "--" {
		if root, err = os.Readlink(p + "/root"); err != nil {
			return "", false
		}
	} else if len(args) > 3 {
		root = args[2]
	}
	if root == "" || root == "/" || !Running(jid, root) {
		return "", false
	}
	return root, true
}
