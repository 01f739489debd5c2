//go:build linux || freebsd

package proc

import (
	"os"
	"strconv"
	"syscall"
)

// closeExtraSlow sets FD_CLOEXEC on each open descriptor above 2, found in
// /proc/self/fd or /dev/fd, else by trying every number below the limit.
func closeExtraSlow() error {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		ents, err := os.ReadDir(dir)
		if err != nil || len(ents) <= 3 && dir == "/dev/fd" {
			continue
		}
		for _, e := range ents {
			if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
				syscall.CloseOnExec(fd)
			}
		}
		return nil
	}
	var lim syscall.Rlimit
	err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	n := slowScanLimit(uint64(lim.Cur), err == nil)
	for fd := 3; fd < n; fd++ {
		syscall.CloseOnExec(fd)
	}
	return nil
}

// slowScanLimit is how many descriptor numbers closeExtraSlow tries when no
// directory lists them: every number below the soft limit (a descriptor
// cannot be opened at or above it), up to 1<<20 tries when the limit is
// huge or unlimited (FreeBSD's default is in the hundreds of thousands: a
// cap of 1024 would leave every inherited descriptor above it open to
// children), and 1<<16 when the limit cannot be read.
func slowScanLimit(cur uint64, ok bool) int {
	const most = 1 << 20
	switch {
	case !ok:
		return 1 << 16
	case cur > most:
		return most
	}
	return int(cur)
}
