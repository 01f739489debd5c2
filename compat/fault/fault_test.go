package fault_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// build builds testdata/points with the given build tags.
func build(t *testing.T, tags string) string {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("SIGKILL seam is POSIX")
	}
	goBin, err := exec.LookPath("go") // go test puts its own GOROOT/bin first on PATH
	if err != nil {
		t.Fatalf("no go command to build the seam's test program: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "points")
	args := []string{"build", "-o", bin}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	if out, err := exec.Command(goBin, append(args, "./testdata/points")...).CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", args, err, out)
	}
	return bin
}

// TestSeam: with the tag, every point is logged in call order and the
// process dies by SIGKILL exactly at the point asked for, before the next
// one; without the tag the seam is absent from the binary.
func TestSeam(t *testing.T) {
	bin := build(t, "rcjailfault")
	log := filepath.Join(t.TempDir(), "points.log")
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "RCJAIL_FAULT_LOG="+log)
	if out, err := cmd.CombinedOutput(); err != nil || string(out) != "done\n" {
		t.Fatalf("clean run: %v %q", err, out)
	}
	b, _ := os.ReadFile(log)
	if want := "1 before a\n2 after a\n3 before b\n4 after b\n"; string(b) != want {
		t.Fatalf("points log %q, want %q", b, want)
	}
	for k := 1; k <= 4; k++ {
		os.Remove(log)
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "RCJAIL_FAULT_LOG="+log, "RCJAIL_FAULT_KILL="+string(rune('0'+k)))
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL || len(out) != 0 {
			t.Errorf("kill at point %d: %v, output %q; want death by SIGKILL before any output", k, err, out)
		}
		b, _ := os.ReadFile(log)
		if n := strings.Count(string(b), "\n"); n != k {
			t.Errorf("kill at point %d: %d points logged, want %d:\n%s", k, n, k, b)
		}
	}

	// A production build: no fault code (the environment variables the
	// seam reads are not even in the binary) and the kill asked for does
	// not happen.
	prod := build(t, "")
	data, err := os.ReadFile(prod)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("RCJAIL_FAULT_KILL")) {
		t.Error("a build without the rcjailfault tag contains the fault seam")
	}
	cmd = exec.Command(prod)
	cmd.Env = append(os.Environ(), "RCJAIL_FAULT_KILL=1", "RCJAIL_FAULT_LOG="+log)
	if out, err := cmd.CombinedOutput(); err != nil || string(out) != "done\n" {
		t.Errorf("production build with RCJAIL_FAULT_KILL=1: %v %q", err, out)
	}
}
