package linuxjail

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/mount/mounttest"
)

// capLines reads the capability lines of every thread of pid:
// thread id -> field (CapInh, CapPrm, CapEff, CapBnd, CapAmb, NoNewPrivs)
// -> value.
func capLines(t *testing.T, pid int) map[string]map[string]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, task.Name(), "status"))
		if err != nil {
			continue // the thread ended meanwhile
		}
		f := map[string]string{}
		for _, l := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(l, ":")
			if ok && (strings.HasPrefix(k, "Cap") || k == "NoNewPrivs") {
				f[k] = strings.TrimSpace(v)
			}
		}
		out[task.Name()] = f
	}
	return out
}

// checkThreadCaps: every thread of pid has exactly the jail's set in its
// effective, permitted and bounding sets, none outside it inheritable,
// nothing ambient, and no_new_privs. The jail's set is mask within the
// host's own bounding set (a jail never has more than the rcjail that
// started it: this machine's may lack CAP_SYS_RESOURCE).
func checkThreadCaps(t *testing.T, what string, pid int, mask uint64) int {
	t.Helper()
	host, err := strconv.ParseUint(capLines(t, os.Getpid())[strconv.Itoa(os.Getpid())]["CapBnd"], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	mask &= host
	want := fmt.Sprintf("%016x", mask)
	tasks := capLines(t, pid)
	for tid, f := range tasks {
		for _, k := range []string{"CapEff", "CapPrm", "CapBnd"} {
			if f[k] != want {
				t.Errorf("%s: thread %s: %s = %s, want %s (the jail's set)", what, tid, k, f[k], want)
			}
		}
		if inh, err := strconv.ParseUint(f["CapInh"], 16, 64); err != nil || inh&^mask != 0 {
			t.Errorf("%s: thread %s: CapInh = %s, outside the jail's set %s", what, tid, f["CapInh"], want)
		}
		if f["CapAmb"] != "0000000000000000" {
			t.Errorf("%s: thread %s: CapAmb = %s, want none", what, tid, f["CapAmb"])
		}
		if f["NoNewPrivs"] != "1" {
			t.Errorf("%s: thread %s: NoNewPrivs = %s, want 1", what, tid, f["NoNewPrivs"])
		}
	}
	return len(tasks)
}

// devfsStandIn mounts a tmpfs on root/dev holding what the host's devfs
// stand-in holds before the jail starts: the nodes' mount points and the
// fd links.
func devfsStandIn(t *testing.T, root string) {
	t.Helper()
	dev := filepath.Join(root, "dev")
	if err := unix.Mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(dev, unix.MNT_DETACH) })
	for i, n := range DevNodes {
		p := filepath.Join(dev, n.Name)
		// Half of them as mknod'ed nodes, half as plain files: bindDev
		// binds on either.
		if i%2 == 0 {
			if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(n.Major, n.Minor))); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(p, nil, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/proc/self/fd", filepath.Join(dev, "fd")); err != nil {
		t.Fatal(err)
	}
	proc := filepath.Join(root, "proc")
	if err := unix.Mount("proc", proc, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(proc, unix.MNT_DETACH) })
}

// TestJailIsolation (issue 14): the init's every thread, and every thread of
// a process jexec put into the jail, hold exactly the jail's capabilities
// (effective, permitted, bounding) with no_new_privs; the jexec'd process is
// in the jail's mount namespace (not the host's), so the host's mount table
// is not what it reads; the jail's /dev nodes are binds of the host's nodes
// (not nodes made in the jail's tmpfs); and a jexec killed on the host takes
// its command with it.
func TestJailIsolation(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	root := mkroot(t)
	// mkroot's /dev/null node is under the tmpfs below: the jail sees the
	// bound host node instead.
	devfsStandIn(t, root)
	keep, _ := Caps([]string{"allow.raw_sockets"})
	mask := capMask(keep)
	jid, err := Start(context.Background(), Spec{Root: root, Hostname: "iso", Params: []string{"allow.raw_sockets"},
		Command: []string{"/bin/sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & exit 0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer Stop(jid, root, 5*time.Second)

	// (2) The init: every thread (a Go program has several).
	if n := checkThreadCaps(t, "jail init", jid, mask); n < 2 {
		t.Errorf("jail init has %d threads; the check needs the runtime's", n)
	}

	// (1) jexec: the command runs in the jail's mount namespace.
	nsOf := func(pid string) string {
		l, err := os.Readlink("/proc/" + pid + "/ns/mnt")
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	jailNS, hostNS := nsOf(strconv.Itoa(jid)), nsOf("self")
	if jailNS == hostNS {
		t.Fatalf("the jail's mount namespace is the host's (%s)", jailNS)
	}
	var out bytes.Buffer
	argv := ExecCmd(jid, []string{"/bin/sh", "-c", "readlink /proc/self/ns/mnt; cat /proc/self/mountinfo; echo x >/dev/null && head -c 5 /dev/zero | od -An -tx1"})
	c := exec.Command(argv[0], argv[1:]...)
	c.Stdout, c.Stderr, c.Env = &out, &out, []string{"PATH=/bin:/usr/bin"}
	if err := c.Run(); err != nil {
		t.Fatalf("jexec: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("jexec printed too little:\n%s", out.String())
	}
	if lines[0] != jailNS {
		t.Errorf("jexec'd process's mount namespace = %s, want the jail's %s (host: %s)", lines[0], jailNS, hostNS)
	}
	// The jail's mount table, not the host's: a new mount namespace's
	// mounts all have new IDs, so no mount ID of the host's table may
	// appear in what the jexec'd process reads.
	own, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	hostIDs := map[string]bool{}
	hostDev := "" // major:minor of the host's /dev
	for _, l := range strings.Split(string(own), "\n") {
		if f := strings.Fields(l); len(f) > 4 {
			hostIDs[f[0]] = true
			if f[4] == "/dev" {
				hostDev = f[2]
			}
		}
	}
	seen := map[string][]string{} // mount point -> mountinfo fields
	for _, l := range lines[1 : len(lines)-1] {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		seen[f[4]] = f
		if hostIDs[f[0]] {
			t.Errorf("jexec'd process sees the host's mount %s", l)
		}
	}
	if _, ok := seen["/"]; !ok {
		t.Errorf("jexec'd process's mount table has no \"/\":\n%s", strings.Join(lines[1:], "\n"))
	}
	if got := strings.TrimSpace(lines[len(lines)-1]); got != "00 00 00 00 00" {
		t.Errorf("/dev/zero in the jail read %q", got)
	}

	// (3) Each /dev node is a bind of the host's: its own mount, whose
	// root is the node in the host's /dev file system.
	for _, n := range DevNodes {
		f, ok := seen["/dev/"+n.Name]
		if !ok {
			t.Errorf("/dev/%s in the jail is not a mount (not bound from the host)", n.Name)
			continue
		}
		if f[3] != "/"+n.Name || f[2] != hostDev {
			t.Errorf("/dev/%s in the jail: mount of %s root %s, want a bind of /%s of the host's /dev (%s)", n.Name, f[2], f[3], n.Name, hostDev)
		}
	}
	if _, ok := seen["/dev/pts"]; !ok {
		t.Error("the jail has no devpts of its own on /dev/pts")
	}
	// A node made in the jail's /dev (by the host, after the start: the
	// tmpfs is shared) does not open in the jail: its /dev is nodev there,
	// and only the bound host nodes work.
	if err := unix.Mknod(filepath.Join(root, "dev", "made-zero"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 5))); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	a := ExecCmd(jid, []string{"/bin/sh", "-c", "exec 3</dev/made-zero"})
	c = exec.Command(a[0], a[1:]...)
	c.Stdout, c.Stderr, c.Env = &out, &out, []string{"PATH=/bin:/usr/bin"}
	if err := c.Run(); err == nil || !strings.Contains(out.String(), "Permission denied") {
		t.Errorf("a node made in the jail's /dev opened in the jail: %v %q", err, out.String())
	}
	if f, err := os.Open(filepath.Join(root, "dev", "made-zero")); err != nil {
		t.Errorf("the host's copy of the jail's /dev lost its nodes: %v", err)
	} else {
		f.Close()
	}

	// (1)+(2) A jexec'd process, seen from the host while it runs.
	c = exec.Command(argv[0], append(argv[1:3], "--", "/bin/sleep", "300")...)
	c.Env = []string{"PATH=/bin:/usr/bin"}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var sleeper int
	for deadline := time.Now().Add(5 * time.Second); sleeper == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, p := range jailPids(t, root) {
			if cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); string(cl) == "/bin/sleep\x00300\x00" {
				sleeper = p
			}
		}
	}
	if sleeper == 0 {
		t.Fatal("the jexec'd sleep is not in the jail")
	}
	if ns := nsOf(strconv.Itoa(sleeper)); ns != jailNS {
		t.Errorf("jexec'd sleep's mount namespace = %s, want the jail's %s", ns, jailNS)
	}
	checkThreadCaps(t, "jexec'd process", sleeper, mask)
	// Its jexec killed on the host (a time limit): the command goes too.
	_ = c.Process.Kill()
	_ = c.Wait()
	gone := false
	for deadline := time.Now().Add(5 * time.Second); !gone && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", sleeper))
		gone = err != nil || bytes.Contains(st, []byte(") Z"))
	}
	if !gone {
		t.Error("the jexec'd command still runs after its jexec was killed")
	}
	if err := Stop(jid, root, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if left := jailPids(t, root); len(left) != 0 {
		t.Errorf("processes left: %v", left)
	}
}

// TestJexecStatus: a command the init forks for jexec hands back its exit
// status, a command that cannot run is reported with exit 126 and the
// reason, a missing command is looked up in the jail's PATH (never the
// host's), and a signal to the jexec reaches the command, whose death by it
// is the jexec's 128+N.
func TestJexecStatus(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	root := mkroot(t)
	jid, err := Start(context.Background(), Spec{Root: root, Hostname: "st",
		Command: []string{"/bin/sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & exit 0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer Stop(jid, root, 5*time.Second)
	run := func(argv ...string) (int, string) {
		a := ExecCmd(jid, argv)
		c := exec.Command(a[0], a[1:]...)
		var out bytes.Buffer
		c.Stdout, c.Stderr, c.Env = &out, &out, []string{"PATH=/bin:/usr/bin"}
		err := c.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), out.String()
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, out.String()
	}
	if st, out := run("/bin/sh", "-c", "echo out; echo err >&2; exit 3"); st != 3 || out != "out\nerr\n" {
		t.Errorf("exit 3: status %d, output %q", st, out)
	}
	if st, out := run("/no/such/program"); st != 126 || out != "jexec: /no/such/program: no such file or directory\n" {
		t.Errorf("missing program: status %d, output %q", st, out)
	}
	// A program only the host has (a test binary's directory is not in
	// the jail): not found in the jail's PATH.
	if st, out := run("rcjail-no-such-program"); st != 126 || out != "jexec: rcjail-no-such-program: not found in the jail (PATH /bin:/usr/bin)\n" {
		t.Errorf("not in the jail's PATH: status %d, output %q", st, out)
	}
	a := ExecCmd(jid, []string{"/bin/sleep", "300"})
	c := exec.Command(a[0], a[1:]...)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	_ = c.Process.Signal(syscall.SIGTERM)
	err = c.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Errorf("SIGTERM to jexec: %v, want exit status %d", err, 128+int(syscall.SIGTERM))
	}
}

// TestJexecConcurrent: jexecs at once into one jail each get their own
// command's status (every request has its own reply socket).
func TestJexecConcurrent(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	root := mkroot(t)
	jid, err := Start(context.Background(), Spec{Root: root, Hostname: "cc",
		Command: []string{"/bin/sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & exit 0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer Stop(jid, root, 5*time.Second)
	const n = 16
	errs := make(chan error, n)
	for i := range n {
		go func() {
			a := ExecCmd(jid, []string{"/bin/sh", "-c", fmt.Sprintf("echo %d; exit %d", i, i)})
			c := exec.Command(a[0], a[1:]...)
			out, err := c.Output()
			st := 0
			if ee, ok := err.(*exec.ExitError); ok {
				st = ee.ExitCode()
			} else if err != nil {
				errs <- err
				return
			}
			if st != i || string(out) != fmt.Sprintf("%d\n", i) {
				errs <- fmt.Errorf("jexec %d: status %d, output %q", i, st, out)
				return
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestJexecLegacy: the older way in (for a jail whose init predates the
// control socket, so that it can still be stopped after an upgrade) still
// runs a command in the jail and returns its status. It changes the
// credentials and namespaces of the thread it runs on: that thread stays
// locked and ends with its goroutine.
func TestJexecLegacy(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	root := mkroot(t)
	jid, err := Start(context.Background(), Spec{Root: root, Hostname: "legacy.example.org",
		Command: []string{"/bin/sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & exit 0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer Stop(jid, root, 5*time.Second)
	mark := filepath.Join(root, "tmp", "legacy")
	done := make(chan int)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread is discarded
		done <- jexecLegacy(jid, []string{"/bin/sh", "-c", "hostname > /tmp/legacy; exit 7"})
	}()
	if st := <-done; st != 7 {
		t.Errorf("legacy jexec: status %d, want 7", st)
	}
	if b, err := os.ReadFile(mark); err != nil || string(b) != "legacy.example.org\n" {
		t.Errorf("legacy jexec: the command wrote %q, %v; want the jail's hostname in its /tmp", b, err)
	}
}

// TestJexecFallsBackForOldInits: an init without the control socket at
// fd 6 (none there, or another kind of fd, as an older rcjail's init had
// its procfs there) is entered the older way instead of failing: a running
// jail of an older rcjail stays stoppable. The "init" here is a stand-in
// that looks like one to Root (its command line, its root).
func TestJexecFallsBackForOldInits(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	root := mkroot(t)
	if err := os.WriteFile(filepath.Join(root, "tmp", "old-init"), []byte("sleep 300\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	extra, err := os.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	for _, tc := range []struct {
		name  string
		files []*os.File // fds 3.. of the stand-in
	}{
		{"no fd 6", nil},
		{"fd 6 not a socket", []*os.File{extra, extra, extra, extra}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// sh runs the script named by argv[1]; argv[2] is the root,
			// as in an init's command line.
			old := exec.Command("/bin/sh")
			old.Args = []string{InitArg0, "/tmp/old-init", root, strconv.FormatUint(capMask(baseCaps), 16), "--", "/bin/sh"}
			old.ExtraFiles = tc.files
			old.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
			if err := old.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = old.Process.Kill(); _ = old.Wait() }()
			ready := false
			for deadline := time.Now().Add(5 * time.Second); !ready && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				_, ready = Root(old.Process.Pid)
			}
			if !ready {
				t.Fatal("the stand-in init does not look like one")
			}
			a := ExecCmd(old.Process.Pid, []string{"/bin/sh", "-c", "exit 5"})
			c := exec.Command(a[0], a[1:]...)
			out, err := c.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 5 {
				t.Errorf("jexec into an old init: %v %q, want exit status 5", err, out)
			}
		})
	}
}
