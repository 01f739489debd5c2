package linuxjail

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"rcjail/compat/native/proc"
)

// The control socket. The init holds both ends of a SOCK_SEQPACKET pair
// (fdCtl, which it reads, and fdCtlClient); a jexec on the host fetches a
// copy of fdCtlClient with pidfd_getfd(2), which needs ptrace rights over
// the non-dumpable init: CAP_SYS_PTRACE, which the host's root has and no
// jail process does. Nothing names the socket, so nothing else reaches it.
//
// A request is one message: ctlMagic, the argument count, the arguments and
// the environment, each NUL-terminated, with four descriptors (SCM_RIGHTS):
// the command's stdin, stdout and stderr, and the jexec's end of a fresh
// socket pair, the reply socket. The init forks the command (in every
// namespace of the jail and with its capabilities on every thread, as the
// jail's own processes) and answers on the reply socket "exit N",
// "signal N" or "error TEXT". The jexec sends "kill N" there to pass on a
// signal; when it goes away before the command ends, the command's process
// group is killed (a jexec killed by its time limit takes its command with
// it, as FreeBSD's jexec, which is the command, does).
const ctlMagic = "rcjail-jexec-1"

// maxRequest bounds a request (arguments and environment); a longer one is
// refused by the kernel (EMSGSIZE) on the jexec's side.
const maxRequest = 1 << 20

type request struct {
	argv, env []string
	stdio     [3]int
	reply     *os.File
	pid       int
}

type killReq struct {
	r   *request
	sig syscall.Signal
}

// receive reads requests from the control socket for as long as the init
// lives.
func receive(reqs chan<- *request) {
	buf := make([]byte, maxRequest)
	oob := make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, flags, _, err := unix.Recvmsg(fdCtl, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		var fds []int
		if cms, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, cm := range cms {
				if f, err := unix.ParseUnixRights(&cm); err == nil {
					fds = append(fds, f...)
				}
			}
		}
		r, err := parseRequest(buf[:n], fds, flags)
		if err != nil {
			if len(fds) == 4 {
				_, _ = unix.Write(fds[3], []byte("error "+err.Error()))
			}
			for _, fd := range fds {
				unix.Close(fd)
			}
			continue
		}
		reqs <- r
	}
}

func parseRequest(b []byte, fds []int, flags int) (*request, error) {
	if flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 || len(fds) != 4 {
		return nil, errors.New("bad request: truncated, or not four descriptors")
	}
	f := strings.Split(string(b), "\x00")
	if len(f) < 3 || f[0] != ctlMagic || f[len(f)-1] != "" {
		return nil, errors.New("bad request")
	}
	f = f[1 : len(f)-1]
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 || n > len(f)-1 {
		return nil, errors.New("bad request: argument count")
	}
	if err := unix.SetNonblock(fds[3], true); err != nil {
		return nil, err
	}
	return &request{argv: f[1 : 1+n], env: f[1+n:], stdio: [3]int{fds[0], fds[1], fds[2]},
		reply: os.NewFile(uintptr(fds[3]), "reply")}, nil
}

// start forks the command; false when it could not (the jexec was told).
func (r *request) start() bool {
	defer func() {
		for _, fd := range r.stdio {
			unix.Close(fd)
		}
	}()
	pathEnv := proc.CleanPath
	for _, e := range r.env {
		if strings.HasPrefix(e, "PATH=") {
			pathEnv = e
		}
	}
	path, err := lookPath(r.argv[0], pathEnv)
	if err == nil {
		r.pid, err = syscall.ForkExec(path, r.argv, &syscall.ProcAttr{
			Dir:   "/",
			Env:   r.env,
			Files: []uintptr{uintptr(r.stdio[0]), uintptr(r.stdio[1]), uintptr(r.stdio[2])},
			Sys:   &syscall.SysProcAttr{Setpgid: true},
		})
		if err != nil {
			err = fmt.Errorf("%s: %w", strings.Join(r.argv, " "), err)
		}
	}
	if err != nil {
		fmt.Fprintf(r.reply, "error %v", err)
		r.reply.Close()
		return false
	}
	return true
}

// watch passes the jexec's signals on, and kills the command when the
// jexec goes away first.
func (r *request) watch(kills chan<- killReq) {
	b := make([]byte, 64)
	for {
		n, err := r.reply.Read(b)
		if err != nil || n == 0 {
			kills <- killReq{r, syscall.SIGKILL}
			return
		}
		if s, ok := strings.CutPrefix(string(b[:n]), "kill "); ok {
			if sig, err := strconv.Atoi(s); err == nil && sig > 0 && sig < 65 {
				kills <- killReq{r, syscall.Signal(sig)}
			}
		}
	}
}

// done reports the command's end to its jexec.
func (r *request) done(ws syscall.WaitStatus) {
	if ws.Signaled() {
		fmt.Fprintf(r.reply, "signal %d", int(ws.Signal()))
	} else {
		fmt.Fprintf(r.reply, "exit %d", ws.ExitStatus())
	}
	r.reply.Close()
}

// jexecMain runs a command inside a running jail: argv is JID -- COMMAND...
// It asks the jail's init to fork it (see the control socket above), passes
// on our stdin, stdout and stderr and the signals we get, and exits with the
// command's status (128+N for a signal N), or 126 when it could not run.
// The command is then in every namespace of the jail, its mount namespace
// included, with the jail's capabilities on every thread. A jail whose init
// has no control socket (started by an older rcjail) is entered the older
// way (jexecLegacy), so that it can still be stopped.
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
	// The pidfd first: it names this very process, so the check below
	// cannot be about a pid reused after it.
	pidfd, err := unix.PidfdOpen(jid, 0)
	if errors.Is(err, unix.ENOSYS) {
		return jexecLegacy(jid, command) // Linux before 5.3
	}
	if err != nil {
		return fail("jid %d is not a running jail", jid)
	}
	defer unix.Close(pidfd)
	if _, ok := Root(jid); !ok {
		return fail("jid %d is not a running jail", jid)
	}
	ctl, err := unix.PidfdGetfd(pidfd, fdCtlClient, 0)
	if errors.Is(err, unix.EBADF) || errors.Is(err, unix.ENOSYS) {
		// No control socket (an older rcjail's init), or Linux before
		// 5.6.
		return jexecLegacy(jid, command)
	}
	if err != nil {
		return fail("jail %d: its control socket: %v", jid, err)
	}
	defer unix.Close(ctl)
	if t, err := unix.GetsockoptInt(ctl, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || t != unix.SOCK_SEQPACKET {
		return jexecLegacy(jid, command) // fd 6 of an older init: not ours
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail("reply socket: %v", err)
	}
	reply := os.NewFile(uintptr(pair[0]), "reply")
	defer reply.Close()
	var msg bytes.Buffer
	msg.WriteString(ctlMagic + "\x00" + strconv.Itoa(len(command)) + "\x00")
	for _, s := range append(append([]string{}, command...), os.Environ()...) {
		if strings.IndexByte(s, 0) >= 0 {
			return fail("a NUL byte in %q", s)
		}
		msg.WriteString(s + "\x00")
	}
	err = unix.Sendmsg(ctl, msg.Bytes(), unix.UnixRights(0, 1, 2, pair[1]), nil, 0)
	unix.Close(pair[1])
	if err != nil {
		return fail("jail %d: ask its init to run %s: %v", jid, strings.Join(command, " "), err)
	}
	sigs := make(chan os.Signal, 4)
	signalNotify(sigs)
	go func() {
		for s := range sigs {
			fmt.Fprintf(reply, "kill %d", int(s.(syscall.Signal)))
		}
	}()
	b := make([]byte, 4096)
	for {
		n, err := reply.Read(b)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			return fail("jail %d: its init went away before %s ended", jid, strings.Join(command, " "))
		}
		kind, val, _ := strings.Cut(string(b[:n]), " ")
		num, _ := strconv.Atoi(val)
		switch kind {
		case "exit":
			return num
		case "signal":
			return 128 + num
		default:
			return fail("%s", val)
		}
	}
}
