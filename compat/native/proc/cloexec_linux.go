package proc

import "golang.org/x/sys/unix"

// closeRangeCloexec is CLOSE_RANGE_CLOEXEC from linux/close_range.h (x/sys
// has the system call but not the flag).
const closeRangeCloexec = 1 << 2

// CloseExtraOnExec marks every descriptor above 2 close-on-exec. Go opens
// its own files that way, but descriptors inherited from whoever started us
// are not, and os/exec would hand them to every child: a hook or a jail
// could then reach a host pipe, a directory outside the jail (the
// CVE-2024-21626 escape) or a lock.
func CloseExtraOnExec() error {
	if err := unix.CloseRange(3, ^uint(0), closeRangeCloexec); err == nil {
		return nil
	}
	return closeExtraSlow()
}
