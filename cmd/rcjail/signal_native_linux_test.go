//go:build linux

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// waitFile waits up to 20 s for name to exist.
func waitFile(name string) bool {
	for i := 0; i < 1000; i++ {
		if _, err := os.Lstat(name); err == nil {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// TestNativeSignalDuringStartCommand: rcjail interrupted (SIGINT, SIGTERM,
// SIGHUP, SIGKILL) while the jail's start command runs (issue 12, finding
// 1: the jail kept running unrecorded, and the next start ran a second jail
// on the same root). After the signal, status, stop, start and stop must
// converge to nothing left, never two jails on one root.
func TestNativeSignalDuringStartCommand(t *testing.T) {
	if !inProofNamespace(t) {
		return
	}
	w := newProofWorld(t, "t1")
	marker := filepath.Join(w.jails["t1"], "in-start-command")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		t.Run(unix.SignalName(sig), func(t *testing.T) {
			defer w.use(t)()
			_ = os.Remove(marker)
			w.setRC("t1", "echo started\n: > /in-start-command\nsleep 2\nsetsid -f sleep 3600\n")
			tr := &transcript{w: w, jail: "t1"}
			cmd, out, errb := w.command(nil, "start")
			if err := startTracked(cmd); err != nil {
				t.Fatal(err)
			}
			if !waitFile(marker) {
				_ = cmd.Process.Kill()
			} else {
				_ = cmd.Process.Signal(sig)
			}
			_ = waitTracked(cmd)
			tr.note("$ rcjail start, %s in the start command  (exit %d)\n%s%s", unix.SignalName(sig), cmd.ProcessState.ExitCode(), out, errb)
			tr.checkOne()
			w.setRC("t1", "echo started\nsetsid -f sleep 3600\n")
			tr.converge(t, unix.SignalName(sig)+" during the start command")
		})
	}
}
