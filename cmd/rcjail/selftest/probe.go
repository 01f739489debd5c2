//go:build linux || freebsd

package selftest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

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
		fmt.Fprintln(os.Stderr, "usage: "+ProbeName+" start|daemon|stop|check")
		return 2
	}
	switch args[0] {
	case "start":
		// A jail lives as long as a process does (FreeBSD without
		// persist; the Linux init exits with its last process): leave
		// one behind, as a daemon started by /etc/rc would.
		c := exec.Command(os.Args[0], "daemon")
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "rcjail selftest probe: start the daemon:", err)
			return 1
		}
		fmt.Println("rcjail selftest probe: started")
		return 0
	case "daemon":
		// Sleep until the jail is stopped (SIGTERM's default action).
		for {
			time.Sleep(time.Hour)
		}
	case "stop":
		fmt.Println("rcjail selftest probe: stop")
		return 0
	case "check":
	default:
		fmt.Fprintln(os.Stderr, "usage: "+ProbeName+" start|daemon|stop|check")
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
