package proc

import "golang.org/x/sys/unix"

// closeRangeCloexec is CLOSE_RANGE_CLOEXEC from FreeBSD's sys/unistd.h
// (13.1 and later; the same value as Linux's). x/sys has the system call
// number but neither a wrapper nor the flag for FreeBSD.
const closeRangeCloexec = 1 << 2

// CloseExtraOnExec marks every descriptor above 2 close-on-exec, so that
// descriptors inherited from whoever started rcjail never reach a hook or a
// jail (the CVE-2024-21626 class of escape). close_range(3, ~0U,
// CLOSE_RANGE_CLOEXEC) does it in one call for every descriptor, however
// high; a kernel without it (before 13.1: EINVAL for the flag, ENOSYS
// before 12.2) gets the slow scan, which without fdescfs on /dev/fd tries
// every number below the descriptor limit (slowScanLimit).
func CloseExtraOnExec() error {
	if err := closeRange(3, ^uint32(0), closeRangeCloexec); err == nil {
		return nil
	}
	return closeExtraSlow()
}

func closeRange(first, last uint32, flags int) error {
	_, _, e := unix.Syscall(unix.SYS_CLOSE_RANGE, uintptr(first), uintptr(last), uintptr(flags))
	if e != 0 {
		return e
	}
	return nil
}
