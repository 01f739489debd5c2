package linuxjail

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"rcjail/compat/native/proc"
)

// execStage2 re-executes this binary (exe, opened before pivot_root) from
// the calling thread, whose capabilities dropCaps has just dropped, with
// the same arguments and the fds in fds (target number: source; a source
// below 0 leaves the target closed) passed on at fixed numbers.
//
// Why: credentials are per thread on Linux, and a Go program is
// multi-threaded before its first line runs; dropCaps changes only the
// calling thread, so the runtime's other threads would keep the host's
// capabilities for the jail's whole life. execve replaces every thread by
// one with the caller's credentials (as root, the new permitted and
// effective sets are the bounding set: the jail's), and every thread the
// new runtime starts is cloned from it. AllThreadsSyscall could change them
// in place, but not in a binary that links cgo (test binaries may).
// It returns only on failure.
func execStage2(exe int, fds map[int]int) error {
	// Move every source, and exe, above the targets first, so that no
	// dup3 below overwrites one not yet placed (or the binary).
	exe, err := unix.FcntlInt(uintptr(exe), unix.F_DUPFD_CLOEXEC, 64)
	if err != nil {
		return fmt.Errorf("second stage: the binary's fd: %w", err)
	}
	defer unix.Close(exe)
	moved := map[int]int{}
	// The copies go once placed: on a failed exec nothing but the placed
	// fds may stay (the status pipe's write end must have one holder).
	defer func() {
		for _, fd := range moved {
			unix.Close(fd)
		}
	}()
	for to, from := range fds {
		if from < 0 {
			continue
		}
		fd, err := unix.FcntlInt(uintptr(from), unix.F_DUPFD_CLOEXEC, 64)
		if err != nil {
			return fmt.Errorf("second stage: fd %d: %w", from, err)
		}
		moved[to] = fd
	}
	for to, fd := range moved {
		if err := unix.Dup3(fd, to, 0); err != nil {
			return fmt.Errorf("second stage: fd %d: %w", to, err)
		}
	}
	argv, err := syscall.SlicePtrFromStrings(os.Args)
	if err != nil {
		return fmt.Errorf("second stage: %w", err)
	}
	env, err := syscall.SlicePtrFromStrings([]string{proc.CleanPath, initProcs, stageEnv})
	if err != nil {
		return fmt.Errorf("second stage: %w", err)
	}
	empty, _ := unix.BytePtrFromString("")
	_, _, e := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(exe), uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&env[0])), unix.AT_EMPTY_PATH, 0)
	return fmt.Errorf("second stage: %w: %w", errExec, e)
}

// errExec marks execStage2's failure of the exec itself (the fds are
// placed by then).
var errExec = errors.New("execveat")

// serveMain is the second stage of the jail's init (argv as initMain's),
// inside the jail and with the jail's capabilities on every thread: it runs
// the start command, reports its status, and then serves the jail (see
// persist).
func serveMain(argv []string) int {
	// execve made us dumpable again: not dumpable before anything else
	// (no jail process exists yet).
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return 1
	}
	os.Unsetenv(strings.SplitN(stageEnv, "=", 2)[0])
	report := os.NewFile(fdStatus, "status")
	fail := func(format string, args ...any) int {
		fmt.Fprintf(report, format+"\n", args...)
		return 1
	}
	// Back into the jail root first: the first stage executed us from
	// the host's root (for the ELF interpreter); the jail root is the
	// root of this mount namespace, so nothing climbs above it, and no
	// reference to the host's root is left.
	if err := returnToJail(); err != nil {
		return fail("jail init: %v", err)
	}
	// fds 3-6 and the gate (8) stay ours, and are closed in every process
	// we start.
	if err := proc.CloseExtraOnExec(); err != nil {
		return fail("jail init: close inherited fds: %v", err)
	}
	if len(argv) < 5 || argv[3] != "--" {
		return fail("jail init: bad arguments %q", argv)
	}
	command := argv[4:]
	procfd := fdProc
	if _, err := unix.FcntlInt(uintptr(fdProc), unix.F_GETFD, 0); err != nil {
		procfd = -1 // no detached procfs (a kernel without fsopen)
	}

	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)

	// The host records the jail (Spec.Created) before its start command
	// runs: wait for its byte. EOF (the host failed to record it, or
	// died) ends the jail before anything ran in it.
	if err := awaitGate(); err != nil {
		return fail("jail init: %v", err)
	}
	path, err := lookPath(command[0], proc.CleanPath)
	if err != nil {
		return fail("jail start command %q: %v", command[0], err)
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
	return persist(sigs, procfd)
}

// awaitGate reads the gate's byte (fdGate) and closes it.
func awaitGate() error {
	defer unix.Close(fdGate)
	var b [1]byte
	for {
		n, err := unix.Read(fdGate, b[:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return fmt.Errorf("wait for the host to record the jail: %w", err)
		case n == 0:
			return errors.New("the host did not record the jail: start command not run")
		}
		return nil
	}
}

// returnToJail makes the jail root (fdJailRoot) this process's root and
// working directory, checks it, and closes the fd.
func returnToJail() error {
	defer unix.Close(fdJailRoot)
	var want, got unix.Stat_t
	if err := unix.Fstat(fdJailRoot, &want); err != nil {
		return fmt.Errorf("the jail root: %w", err)
	}
	if err := unix.Fchdir(fdJailRoot); err != nil {
		return fmt.Errorf("the jail root: %w", err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot back into the jail root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	if err := unix.Stat("/", &got); err != nil || got.Dev != want.Dev || got.Ino != want.Ino {
		return fmt.Errorf("back in the jail root: / is not the jail root (%v)", err)
	}
	return nil
}

// lookPath finds name as execvp does with the search path of env's PATH
// (the jail's own directories: the init runs in the jail root).
func lookPath(name, pathEnv string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	dirs := strings.TrimPrefix(pathEnv, "PATH=")
	for _, d := range strings.Split(dirs, ":") {
		if d == "" {
			d = "."
		}
		p := d + "/" + name
		var st unix.Stat_t
		if unix.Stat(p, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && unix.Access(p, unix.X_OK) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in the jail (PATH %s)", name, dirs)
}

// persist is the running jail: reap orphans, start what jexec asks for on
// the control socket (see serve), until told to stop, or until no process
// but the init is left in the jail (FreeBSD removes a non-persistent jail
// when its last process exits; the host then sees the jail as gone, and
// stop cleans up as for any dead jail). Processes that a jail started
// before this one (jexec of an older rcjail) put in are not the init's
// children, so the jail is counted through its own procfs (procfd), at
// every SIGCHLD and twice a second; without one (a kernel without fsopen)
// the init stays, as before.
func persist(sigs chan os.Signal, procfd int) int {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	reqs := make(chan *request)
	kills := make(chan killReq, 4)
	go receive(reqs)
	var running []*request
	for {
		select {
		case sig := <-sigs:
			if sig != syscall.SIGCHLD {
				shutdown()
				return 0
			}
			running = reap(running)
		case r := <-reqs:
			if r.start() {
				running = append(running, r)
				go r.watch(kills)
			}
		case k := <-kills:
			// Only a command still running: its pid is not yet reused.
			if slices.Contains(running, k.r) {
				_ = syscall.Kill(k.r.pid, k.sig)
			}
		case <-tick.C:
		}
		if procfd >= 0 && len(running) == 0 && alone(procfd) {
			return 0
		}
	}
}

// reap collects every child that exited; a jexec'd command's status goes
// back to its jexec.
func reap(running []*request) []*request {
	for {
		var ws syscall.WaitStatus
		p, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if p <= 0 || err != nil {
			return running
		}
		for i, r := range running {
			if r.pid == p {
				r.done(ws)
				running = slices.Delete(running, i, i+1)
				break
			}
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
