//go:build linux || freebsd

package selftest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The probe: a copy of rcjail run inside a jail under the name ProbeName.
// It is the jail's start and stop command (it prints a line and exits 0)
// and, as "check", reports what the jail looks like from inside, one
// KEY=VALUE per line.
func init() {
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == ProbeName {
		os.Exit(probeMain(os.Args[1:]))
	}
}

func probeMain(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: "+ProbeName+" start|stop|check")
		return 2
	}
	switch args[0] {
	case "start":
		// Leave a daemon, as a jail's /etc/rc does: a jail with no
		// process left goes away by itself (FreeBSD's non-persistent
		// jail; Linux's init does the same).
		if _, err := os.StartProcess("/bin/"+ProbeName, []string{ProbeName, "hold"}, &os.ProcAttr{Dir: "/", Sys: &syscall.SysProcAttr{Setsid: true}}); err != nil {
			fmt.Fprintln(os.Stderr, "rcjail selftest probe: start the daemon:", err)
			return 1
		}
		fmt.Println("rcjail selftest probe: " + args[0])
		return 0
	case "stop":
		fmt.Println("rcjail selftest probe: " + args[0])
		return 0
	case "hold":
		// The daemon: until the jail's stop kills it.
		select {}
	case "check":
	default:
		fmt.Fprintln(os.Stderr, "usage: "+ProbeName+" start|stop|check")
		return 2
	}
	h, err := os.Hostname()
	if err != nil {
		h = "error: " + err.Error()
	}
	fmt.Printf("hostname=%s\n", h)
	// The base is the read-only skeleton: the kernel must refuse a write.
	p := "/bin/.rcjail-selftest-write"
	if f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err != nil {
		fmt.Printf("write_bin=%s\n", errnoName(err))
	} else {
		f.Close()
		os.Remove(p)
		fmt.Println("write_bin=ok (writable)")
	}
	p = "/tmp/.rcjail-selftest-" + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(p, []byte("x\n"), 0o600); err != nil {
		fmt.Printf("write_tmp=%s\n", errnoName(err))
	} else {
		os.Remove(p)
		fmt.Println("write_tmp=ok")
	}
	var names []string
	if ents, err := os.ReadDir("/dev"); err != nil {
		names = []string{"error:" + errnoName(err)}
	} else {
		for _, e := range ents {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	fmt.Printf("dev=%s\n", strings.Join(names, " "))
	status := "/proc/self/status"
	if runtime.GOOS == "freebsd" {
		status = "/proc/curproc/status"
	}
	if _, err := os.ReadFile(status); err != nil {
		fmt.Printf("proc=%s\n", errnoName(err))
	} else {
		fmt.Println("proc=ok")
	}
	for _, e := range escapeChecks() {
		fmt.Printf("escape_%s=%s\n", e.name, e.seen)
	}
	return 0
}

// errnoName is EROFS for a read-only file system error, the message
// otherwise.
func errnoName(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		if n := unix.ErrnoName(en); n != "" {
			return n
		}
	}
	return err.Error()
}

type escapeCheck struct{ name, seen string }
