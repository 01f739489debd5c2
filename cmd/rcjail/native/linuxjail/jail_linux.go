package linuxjail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/cmd/rcjail/native/proc"
)

// The fds the init gets besides 0–2; it closes both before the start command
// runs, so the jail's processes see only 0–2.
const (
	fdStatus = 3 // write end of the pipe the init reports the start status on
	fdRoot   = 4 // O_PATH fd of the jail root, opened by the parent without following symlinks
)

func init() {
	if len(os.Args) > 0 && os.Args[0] == InitArg0 {
		os.Exit(initMain(os.Args[1:]))
	}
}

// Start creates the jail and runs its start command; it returns once the
// command has exited 0 (the jail keeps running) or fails, leaving nothing
// running.
func Start(ctx context.Context, s Spec) (jid int, err error) {
	if len(s.Command) == 0 {
		return 0, fmt.Errorf("start jail in %q: empty start command", s.Root)
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
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		pw.Close()
		return 0, fmt.Errorf("start jail in %q: %w", s.Root, err)
	}
	defer devnull.Close()

	var out io.Writer = s.Output
	if out == nil {
		out = io.Discard
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       append([]string{InitArg0, s.Hostname, "--"}, s.Command...),
		Env:        []string{proc.CleanPath},
		Dir:        "/",
		Stdin:      devnull,
		Stdout:     out,
		Stderr:     out,
		ExtraFiles: []*os.File{pw, root},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWUTS | syscall.CLONE_NEWPID | syscall.CLONE_NEWNS | syscall.CLONE_NEWIPC,
			// Its own session: the jail outlives the rcjail that started it
			// and no terminal signal reaches it.
			Setsid: true,
		},
	}
	if err := cmd.Start(); err != nil {
		pw.Close()
		return 0, fmt.Errorf("start jail in %q: %w", s.Root, err)
	}
	pw.Close()
	jid = cmd.Process.Pid
	// Reap the init when it exits while we are still alive (tests, a
	// failed start); once rcjail exits the host's init inherits it.
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()

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
// stops a recycled pid from being mistaken for the jail).
func Running(jid int, root string) bool {
	if jid <= 1 {
		return false
	}
	p := "/proc/" + strconv.Itoa(jid)
	link, err := os.Readlink(p + "/root")
	if err != nil || link != root {
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

// ExecCmd returns the command that runs argv inside the jail: nsenter from
// util-linux enters its UTS, IPC, mount and PID namespaces and its root. A
// Go program cannot setns into a mount namespace itself (it is always
// multi-threaded), hence the helper program.
func ExecCmd(jid int, argv []string) []string {
	return append([]string{"nsenter", "--target", strconv.Itoa(jid), "--uts", "--ipc", "--mount", "--pid", "-r", "-w", "--"}, argv...)
}

// initMain is the jail's init: argv is HOSTNAME -- COMMAND...
func initMain(argv []string) int {
	report := os.NewFile(fdStatus, "status")
	fail := func(format string, args ...any) int {
		fmt.Fprintf(report, format+"\n", args...)
		return 1
	}
	if len(argv) < 3 || argv[1] != "--" {
		return fail("jail init: bad arguments %q", argv)
	}
	hostname, command := argv[0], argv[2:]
	// Everything above 2 — our two fds and whatever the host process
	// inherited — is closed when the start command executes.
	if err := proc.CloseExtraOnExec(); err != nil {
		return fail("jail init: close inherited fds: %v", err)
	}
	// Our mounts must not propagate back to the host, and the host's
	// unmounts should reach us: make the new namespace a slave.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return fail("jail init: make mounts private: %v", err)
	}
	if err := unix.Sethostname([]byte(hostname)); err != nil {
		return fail("jail init: sethostname %q: %v", hostname, err)
	}
	if err := unix.Fchdir(fdRoot); err != nil {
		return fail("jail init: fchdir to jail root: %v", err)
	}
	if err := unix.Chroot("."); err != nil {
		return fail("jail init: chroot: %v", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fail("jail init: chdir /: %v", err)
	}
	unix.Close(fdRoot)

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

	// Persistent-jail phase: reap orphans until told to stop.
	for sig := range sigs {
		if sig == syscall.SIGCHLD {
			reapAll()
			continue
		}
		shutdown()
		return 0
	}
	return 0
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

// Root returns the root directory of the jail whose init is jid, and false
// when jid is not a live rcjail jail init (no such process, a zombie, a
// recycled pid now used by something else, or a process not chrooted).
// Every jexec and kill checks this first: a stale id file must never make
// rcjail enter or signal an unrelated host process.
func Root(jid int) (string, bool) {
	if jid <= 1 {
		return "", false
	}
	p := "/proc/" + strconv.Itoa(jid)
	cl, err := os.ReadFile(p + "/cmdline")
	if err != nil || !bytes.HasPrefix(cl, []byte(InitArg0+"\x00")) {
		return "", false
	}
	root, err := os.Readlink(p + "/root")
	if err != nil || root == "/" || !Running(jid, root) {
		return "", false
	}
	return root, true
}
