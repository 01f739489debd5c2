package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"rcjail/cmd/rcjail/selftest"
)

var updateScripts = flag.Bool("update-scripts", false, "rewrite the cmp goldens of testdata/script/*.txtar")

// TestMain makes the test binary double as rcjail: testscript runs it as the
// program "rcjail" (a subprocess, so exit status, stdout and stderr are the
// real ones), with run from main.go as its entry point.
func TestMain(m *testing.M) {
	// No test sends to this machine's syslog; the syslog tests name their
	// own socket (syslog.go).
	if _, ok := os.LookupEnv(syslogSocketEnv); !ok {
		os.Setenv(syslogSocketEnv, "none")
	}
	testscript.Main(m, map[string]func(){
		"rcjail": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
		},
		"fakejail":    fakeJail,
		"fakesyslogd": fakeSyslogd,
		// selftest with a broken backend (selftest_linux_test.go).
		"rcjail-selftest-broken": func() {
			selftest.BreakUndo = true
			os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
		},
		// selftest killed -9 right after its jails started.
		"rcjail-selftest-crash": func() {
			selftest.CrashAfterStart = true
			os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
		},
	})
}

// fakeJail ROOT IDFILE stands in for a running jail on Linux, where a jid is
// the pid of a jail init whose root directory is the jail root: it takes
// such an init's command line (see fakeInitCmdline), chroots into ROOT
// (root only), then writes its pid to IDFILE (opened before the chroot) and
// sleeps until killed.
func fakeJail() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: fakejail ROOT IDFILE")
		os.Exit(2)
	}
	f, err := os.OpenFile(os.Args[2], os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err == nil {
		err = fakeInitCmdline(os.Args[1])
	}
	if err == nil {
		err = syscall.Chroot(os.Args[1])
	}
	if err == nil {
		_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakejail:", err)
		os.Exit(1)
	}
	time.Sleep(time.Hour)
}

// fakeSyslogd SOCKET OUT stands in for syslogd: it binds a datagram socket
// at SOCKET, writes "ready" to OUT.ready, then appends every datagram it
// receives to OUT, one per line, until killed.
func fakeSyslogd() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: fakesyslogd SOCKET OUT")
		os.Exit(2)
	}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: os.Args[1], Net: "unixgram"})
	if err == nil {
		err = os.WriteFile(os.Args[2]+".ready", []byte("ready\n"), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakesyslogd:", err)
		os.Exit(1)
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if err != nil {
			os.Exit(1)
		}
		f, err := os.OpenFile(os.Args[2], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			os.Exit(1)
		}
		f.Write(append(buf[:n:n], '\n'))
		f.Close()
	}
}

// waitFor FILE waits (up to 30 s) until FILE exists and is not empty: a
// background command has written it.
func waitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfor file")
	}
	p := ts.MkAbs(args[0])
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
			return
		}
	}
	ts.Fatalf("%s: not written within 30s", args[0])
}

// waitLines N PATTERN FILE waits (up to 30 s) until FILE has at least N
// lines matching the regular expression PATTERN: a background process
// (fakesyslogd) has written them.
func waitLines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: waitlines n pattern file")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("waitlines: %q is not a number", args[0])
	}
	re, err := regexp.Compile("(?m)" + args[1])
	if err != nil {
		ts.Fatalf("waitlines: %v", err)
	}
	p := ts.MkAbs(args[2])
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(p); err == nil && len(re.FindAllIndex(b, -1)) >= n {
			return
		}
	}
	ts.Fatalf("%s: fewer than %d lines match %q within 30s", args[2], n, args[1])
}

// exits N PROG ARGS... runs PROG like exec and fails unless it exits with
// status N (testscript's "! exec" only knows "not 0"); stdout and stderr
// are kept for the commands that follow.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits status program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: status %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// TestScript runs testdata/script/*.txtar: each is a user's session, with
// its rc.conf tree in the archive and the exact output expected. Scripts call
// "exec rcjail -R $WORK …" (or "exits N rcjail …" to assert the exit
// status). Conditions: [root] (euid 0; under
// RCJAIL_REQUIRE_ROOT=1 a script that needs root fails rather than skips when
// not root), and the usual [linux], [freebsd], [exec:prog].
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *updateScripts,
		Cmds:                map[string]func(ts *testscript.TestScript, neg bool, args []string){"waitfor": waitFor, "exits": exits, "waitlines": waitLines},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				if os.Geteuid() == 0 {
					return true, nil
				}
				if os.Getenv("RCJAIL_REQUIRE_ROOT") == "1" {
					return false, fmt.Errorf("[root]: not root, and RCJAIL_REQUIRE_ROOT=1 forbids skipping")
				}
				return false, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}
