package native

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelJails are the system calls of a native start (jailcreate.go):
// jail_set(2) and jail_remove(2), and the start command run by progs.
type kernelJails struct{ p *freebsdProgs }

func (k kernelJails) set(ps []jailParam, flags int) (int, error) {
	msg := make([]byte, jailErrmsgLen)
	parts := iovecParts(append(ps, jailParam{"errmsg", msg}))
	iov := make([]unix.Iovec, len(parts))
	for i, b := range parts {
		if len(b) > 0 {
			iov[i].Base = &b[0]
			iov[i].SetLen(len(b))
		}
	}
	jid, _, errno := unix.Syscall(unix.SYS_JAIL_SET, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)), uintptr(flags))
	runtime.KeepAlive(parts)
	runtime.KeepAlive(iov)
	if errno != 0 {
		if m := kernelMessage(msg); m != "" {
			return 0, fmt.Errorf("%s: %w", m, errno)
		}
		return 0, errno
	}
	return int(jid), nil
}

// remove: EINVAL is jail_remove's answer for a jid no jail has (any more).
func (k kernelJails) remove(jid int) error {
	_, _, errno := unix.Syscall(unix.SYS_JAIL_REMOVE, uintptr(jid), 0, 0)
	if errno != 0 && !errors.Is(errno, unix.EINVAL) {
		return fmt.Errorf("jail_remove %d: %w", jid, errno)
	}
	return nil
}

func (k kernelJails) run(ctx context.Context, argv []string) ([]byte, error) {
	return k.p.startCommand(ctx, argv)
}

// clearPersist lets jail jid die with its last process; a jail already
// gone (ENOENT) is fine.
func clearPersist(jid int) error {
	_, err := kernelJails{}.set([]jailParam{intParam("jid", int32(jid)), {Name: "nopersist"}}, jailUpdate)
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("clear persist of jid %d (jail_set nopersist): %w", jid, err)
	}
	return nil
}
