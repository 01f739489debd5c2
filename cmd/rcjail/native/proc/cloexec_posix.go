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
	n := uint64(1024)
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < 1<<16 {
		n = uint64(lim.Cur)
	}
	for fd := 3; uint64(fd) < n; fd++ {
		syscall.CloseOnExec(fd)
	}
	return nil
}
