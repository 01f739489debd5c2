//go:build linux || freebsd

package proc

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Without a directory listing the descriptors (FreeBSD without fdescfs),
// every number below the soft limit is tried, far beyond 1024 (issue 13
// item 5: FreeBSD's default limit is in the hundreds of thousands).
func TestSlowScanLimit(t *testing.T) {
	for _, tc := range []struct {
		cur  uint64
		ok   bool
		want int
	}{
		{1024, true, 1024},
		{116000, true, 116000},
		{1 << 40, true, 1 << 20},
		{^uint64(0), true, 1 << 20}, // RLIM_INFINITY
		{0, false, 1 << 16},
	} {
		if got := slowScanLimit(tc.cur, tc.ok); got != tc.want {
			t.Errorf("slowScanLimit(%d, %v) = %d, want %d", tc.cur, tc.ok, got, tc.want)
		}
	}
}

// A descriptor inherited without close-on-exec far above 1024 is marked.
func TestCloseExtraOnExecHighFD(t *testing.T) {
	// Go raises the soft limit to the hard one at start; a host whose
	// hard limit is lower than 5001 gets the highest number it allows.
	high := 5000
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if uint64(lim.Cur) <= uint64(high) {
		high = int(lim.Cur) - 1
	}
	r, w, err := pipeNoCloexec()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(r)
	defer unix.Close(w)
	if err := unix.Dup2(r, high); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(high)
	if fl, _ := unix.FcntlInt(uintptr(high), unix.F_GETFD, 0); fl&unix.FD_CLOEXEC != 0 {
		t.Fatal("dup2 set FD_CLOEXEC already")
	}
	for name, f := range map[string]func() error{"CloseExtraOnExec": CloseExtraOnExec, "closeExtraSlow": closeExtraSlow} {
		if _, err := unix.FcntlInt(uintptr(high), unix.F_SETFD, 0); err != nil {
			t.Fatal(err)
		}
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fl, _ := unix.FcntlInt(uintptr(high), unix.F_GETFD, 0); fl&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: fd %d is not close-on-exec", name, high)
		}
	}
}

func pipeNoCloexec() (int, int, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return -1, -1, err
	}
	return p[0], p[1], nil
}
