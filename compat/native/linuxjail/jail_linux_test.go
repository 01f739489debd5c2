package linuxjail

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"rcjail/mount/mounttest"
)

// mkroot makes a minimal jail root in the test's private namespace: /usr
// bind-mounted read-only, and the merged-/usr links the host has.
func mkroot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	// A failed test must not leave its jail running.
	t.Cleanup(func() {
		for _, p := range jailPids(t, root) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	})
	for _, d := range []string{"usr", "tmp", "proc", "dev"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// sh opens /dev/null for background jobs.
	if err := syscall.Mknod(filepath.Join(root, "dev/null"), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("/usr", filepath.Join(root, "usr"), "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(filepath.Join(root, "usr"), syscall.MNT_DETACH) })
	for _, l := range []string{"bin", "lib", "lib64", "sbin"} {
		if target, err := os.Readlink("/" + l); err == nil {
			if err := os.Symlink(target, filepath.Join(root, l)); err != nil {
				t.Fatal(err)
			}
		} else if fi, err := os.Stat("/" + l); err == nil && fi.IsDir() {
			os.Mkdir(filepath.Join(root, l), 0o755)
			if err := syscall.Mount("/"+l, filepath.Join(root, l), "", syscall.MS_BIND, ""); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { syscall.Unmount(filepath.Join(root, l), syscall.MNT_DETACH) })
		}
	}
	return root
}

func TestStartExecStop(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	root := mkroot(t)
	log, err := os.CreateTemp(t.TempDir(), "console")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	// The start command leaves a daemon behind, as /etc/rc does.
	jid, err := Start(context.Background(), Spec{Root: root, Hostname: "jail.example.org",
		Command: []string{"/bin/sh", "-c", "echo started; env >/tmp/env; sleep 300 & exit 0"}, Output: log})
	if err != nil {
		t.Fatal(err)
	}
	if !Running(jid, root) {
		t.Fatalf("jail %d not running after start", jid)
	}
	// The init's environment (as its second stage was executed) is the
	// clean PATH, its one P and the stage marker: nothing of the host's.
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(jid) + "/environ"); err != nil {
		t.Error(err)
	} else if want := "PATH=/sbin:/bin:/usr/sbin:/usr/bin\x00GOMAXPROCS=1\x00" + stageEnv + "\x00"; string(b) != want {
		t.Errorf("init environment = %q, want %q", b, want)
	}
	// Neither reaches the start command.
	if b, err := os.ReadFile(filepath.Join(root, "tmp/env")); err != nil {
		t.Error(err)
	} else if bytes.Contains(b, []byte("GOMAXPROCS")) || bytes.Contains(b, []byte("RCJAIL_")) || !bytes.Contains(b, []byte("PATH=/sbin:/bin:/usr/sbin:/usr/bin\n")) {
		t.Errorf("start command's environment:\n%s", b)
	}
	b, _ := os.ReadFile(log.Name())
	if string(b) != "started\n" {
		t.Errorf("console log = %q, want %q", b, "started\n")
	}
	var out bytes.Buffer
	argv := ExecCmd(jid, []string{"/bin/sh", "-c", "hostname; echo $$; ls /proc/self/fd; ls -d /home 2>&1; env"})
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr, cmd.Env = &out, &out, []string{"PATH=/bin:/usr/bin"}
	if err := cmd.Run(); err != nil {
		t.Fatalf("jexec: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "jail.example.org" {
		t.Errorf("hostname inside = %q", lines[0])
	}
	if pid, _ := strconv.Atoi(lines[1]); pid < 2 || pid > 100 {
		t.Errorf("pid inside the jail = %q, want a small pid of the jail's namespace", lines[1])
	}
	if !strings.Contains(out.String(), "No such file") {
		t.Errorf("the host's /home is visible inside the jail:\n%s", out.String())
	}
	// The daemon the start command left: find it on the host by its root.
	daemons := jailPids(t, root)
	if len(daemons) < 2 {
		t.Errorf("jail processes = %v, want init and the sleep", daemons)
	}
	for _, p := range daemons {
		fds, _ := os.ReadDir("/proc/" + strconv.Itoa(p) + "/fd")
		if p != jid && len(fds) != 3 {
			var names []string
			for _, f := range fds {
				l, _ := os.Readlink("/proc/" + strconv.Itoa(p) + "/fd/" + f.Name())
				names = append(names, f.Name()+"->"+l)
			}
			cl, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
			t.Errorf("jail process %d (%q) has fds %v, want only 0-2", p, cl, names)
		}
	}
	if err := Stop(jid, root, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if Running(jid, root) {
		t.Fatal("still running after stop")
	}
	if left := jailPids(t, root); len(left) != 0 {
		t.Fatalf("processes left in the jail after stop: %v", left)
	}
}

func TestStartFailsLeavesNothing(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	root := mkroot(t)
	for _, c := range []struct {
		name    string
		cmd     []string
		timeout time.Duration
		want    string
	}{
		{"exit1", []string{"/bin/sh", "-c", "sleep 300 & exit 3"}, 0, "exit status 3"},
		{"missing", []string{"/no/such/program"}, 0, "no such file"},
		{"hang", []string{"/bin/sleep", "300"}, 200 * time.Millisecond, "timed out"},
	} {
		_, err := Start(context.Background(), Spec{Root: root, Hostname: "x", Command: c.cmd, Timeout: c.timeout})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		time.Sleep(50 * time.Millisecond)
		if left := jailPids(t, root); len(left) != 0 {
			t.Errorf("%s: processes left: %v", c.name, left)
		}
	}
}

// jailPids lists the live processes whose root is root.
func jailPids(t *testing.T, root string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// Pivoted into its own namespace, a jail process's root reads
		// as "/" from the host: compare the directory itself.
		if l, err := os.Readlink("/proc/" + e.Name() + "/root"); err == nil && (l == root || sameFile("/proc/"+e.Name()+"/root", root)) {
			st, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
			if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
				continue
			}
			out = append(out, pid)
		}
	}
	return out
}

// TestKthread: PF_KTHREAD is read from the flags field of /proc/PID/stat
// (the 7th after the command); this process is no kernel thread.
func TestKthread(t *testing.T) {
	for _, tc := range []struct {
		rest string
		want bool
	}{
		{" S 0 0 0 0 -1 69238880 0 0", true}, // kthreadd: 0x4208060
		{" I 2 0 0 0 -1 69238880 0", true},
		{" S 1 10 10 0 -1 4194560 12", false}, // a user process: 0x400100
		{" S 1 10", false},
		{" S 1 10 10 0 -1 x", false},
	} {
		if got := kthread([]byte(tc.rest)); got != tc.want {
			t.Errorf("kthread(%q) = %v, want %v", tc.rest, got, tc.want)
		}
	}
	st, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	if kthread(st[bytes.LastIndexByte(st, ')')+1:]) {
		t.Errorf("this process reads as a kernel thread: %s", st)
	}
}
