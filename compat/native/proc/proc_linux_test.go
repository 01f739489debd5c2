package proc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHygiene: a command sees only CleanPath, only fds 0–2 (even when the
// caller holds a descriptor without close-on-exec), and "/" as its cwd.
func TestHygiene(t *testing.T) {
	t.Setenv("RCJAIL_SECRET", "leak")
	// A descriptor inherited without close-on-exec, as from a careless parent.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd, err := syscall.Dup(int(w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	var out bytes.Buffer
	err = Run(context.Background(), Cmd{Argv: []string{"sh", "-c", "env; pwd; ls /proc/self/fd"}, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(out.String())
	for _, l := range lines {
		if strings.Contains(l, "RCJAIL_SECRET") {
			t.Errorf("host environment leaked: %s", l)
		}
	}
	if !strings.Contains(out.String(), CleanPath+"\n") {
		t.Errorf("no clean PATH:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "\n/\n") {
		t.Errorf("cwd is not /:\n%s", out.String())
	}
	// ls itself opens one directory fd (3) to list /proc/self/fd.
	if strings.Contains(out.String(), "\n"+strconv.Itoa(fd)+"\n") && fd != 3 {
		t.Errorf("inherited fd %d reached the command:\n%s", fd, out.String())
	}
	fds := 0
	after := out.String()[strings.Index(out.String(), "\n/\n")+3:]
	for _, f := range strings.Fields(after) {
		if _, err := strconv.Atoi(f); err == nil {
			fds++
		}
	}
	if fds != 4 { // 0, 1, 2 and ls's own directory fd
		t.Errorf("command had %d fds (want 0-2 plus ls's own):\n%s", fds, after)
	}
}

// TestTimeoutKillsGroup: a command that forks a background child and
// hangs is killed with its whole process group when its time runs out.
func TestTimeoutKillsGroup(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	err := Run(context.Background(), Cmd{Argv: []string{"sh", "-c", "sleep 3000 & echo $!; wait"}, Stdout: &out, Timeout: 200 * time.Millisecond, Grace: 100 * time.Millisecond})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("timeout took %v", time.Since(start))
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(out.String()))
	if pid <= 0 {
		t.Fatalf("no child pid: %q", out.String())
	}
	for i := 0; i < 100; i++ {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || bytes.Contains(st, []byte(") Z")) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("background child %d survived its group's timeout", pid)
}

// TestExitStatus: a failing command is an error naming it.
func TestExitStatus(t *testing.T) {
	err := Run(context.Background(), Cmd{Argv: []string{"sh", "-c", "exit 3"}})
	if err == nil || !strings.Contains(err.Error(), "sh -c exit 3") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("err = %v", err)
	}
	if err := Run(context.Background(), Cmd{Argv: []string{"no-such-program-rcjail"}}); err == nil {
		t.Error("a missing program ran")
	}
}
