//go:build linux

package main

// The harness of the engine's proof (issue 12): real native jails, each
// test in its own mount, network and pid namespace, rcjail run as a
// separate process built with the rcjailfault tag so a test can SIGKILL it
// at any numbered point of a start or stop (compat/fault).

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/mount/mounttest"
)

const (
	proofNSEnv  = "RCJAIL_PROOF_NS"  // the test the namespaced child runs
	proofBinEnv = "RCJAIL_PROOF_BIN" // the rcjailfault binary the parent built
)

// inProofNamespace runs the calling test again as pid 1 of a new pid
// namespace, with private mount and network namespaces, and reports
// whether the caller is that child. The pid namespace is what makes a
// crash test safe: every jail a killed rcjail left behind dies with the
// child, whatever the test did. The parent builds rcjail with the
// rcjailfault tag for the child and checks the host's mount table is the
// same before and after.
func inProofNamespace(t *testing.T) bool {
	t.Helper()
	mounttest.RequireRoot(t)
	if os.Getenv(proofNSEnv) == t.Name() {
		proofChildSetup(t)
		return true
	}
	bin := buildFaultBinary(t)
	before := skelReadFile(t, "/proc/self/mountinfo")
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+strings.Join(parts, "$/^")+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), proofNSEnv+"="+t.Name(), proofBinEnv+"="+bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:   syscall.CLONE_NEWPID,
		Unshareflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWNET, // Go makes / recursively private
		Pdeathsig:    syscall.SIGKILL,
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	switch {
	case err != nil || bytes.Contains(out.Bytes(), []byte("--- FAIL")):
		t.Errorf("test in private namespaces failed: %v\n%s", err, out.String())
	case !bytes.Contains(out.Bytes(), []byte("--- PASS")):
		t.Errorf("test in private namespaces ran nothing:\n%s", out.String())
	case testing.Verbose():
		t.Logf("private namespace output:\n%s", out.String())
	}
	if after := skelReadFile(t, "/proc/self/mountinfo"); after != before {
		t.Errorf("host mount table changed by the test:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	return false
}

// buildFaultBinary builds this package with the rcjailfault tag into the
// test's temporary directory.
func buildFaultBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go") // go test puts its own GOROOT/bin first on PATH
	if err != nil {
		t.Fatalf("no go command to build rcjail with the rcjailfault tag: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "rcjail")
	cmd := exec.Command(goBin, "build", "-tags", "rcjailfault", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags rcjailfault: %v\n%s", err, out)
	}
	return bin
}

// The child is pid 1 of its namespace: orphans (jails whose rcjail was
// killed, then stopped) are reparented to it and must be reaped, or a
// zombie would count as a live jail. Processes the test started itself are
// reaped by their exec.Cmd; reapMu keeps the reaper off them.
var (
	reapMu sync.Mutex
	ours   = map[int]bool{}
)

func proofChildSetup(t *testing.T) {
	t.Helper()
	if os.Getpid() != 1 {
		t.Fatalf("not pid 1 of a new pid namespace (pid %d)", os.Getpid())
	}
	// This namespace's /proc, over the host's, in the private mount
	// namespace: jids are pids of this namespace.
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		t.Fatalf("mount proc: %v", err)
	}
	go func() {
		for {
			time.Sleep(20 * time.Millisecond)
			reapOrphans()
		}
	}()
	if out, err := runTracked(exec.Command("ip", "link", "set", "lo", "up")); err != nil {
		t.Fatalf("ip link set lo up: %v\n%s", err, out)
	}
}

func reapOrphans() {
	reapMu.Lock()
	defer reapMu.Unlock()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || ours[pid] {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[0] == "Z" && f[1] == "1" {
			var ws unix.WaitStatus
			_, _ = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
	}
}

// runTracked runs cmd to its end, kept from the reaper, and returns its
// combined output.
func runTracked(cmd *exec.Cmd) (string, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := startTracked(cmd); err != nil {
		return "", err
	}
	err := waitTracked(cmd)
	return out.String(), err
}

func startTracked(cmd *exec.Cmd) error {
	reapMu.Lock()
	defer reapMu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	ours[cmd.Process.Pid] = true
	return nil
}

func waitTracked(cmd *exec.Cmd) error {
	err := cmd.Wait()
	reapMu.Lock()
	delete(ours, cmd.Process.Pid)
	reapMu.Unlock()
	return err
}

// proofWorld is one jail "t1" (or more) under a -R root: a skeleton of the
// host's /usr, devfs, an fstab mount, procfs, an IP alias on lo, and an
// /etc/rc that leaves a process running.
type proofWorld struct {
	t      *testing.T
	bin    string
	work   string
	root   string            // -R
	jails  map[string]string // name -> jail root
	rcconf string
	before string // this namespace's mount table before anything started
}

const proofAlias = "192.0.2.20"

// newProofWorld prepares jails names (the first gets the alias) in a fresh
// work directory.
func newProofWorld(t *testing.T, names ...string) *proofWorld {
	t.Helper()
	work := t.TempDir()
	w := &proofWorld{t: t, bin: os.Getenv(proofBinEnv), work: work, root: filepath.Join(work, "root"), jails: map[string]string{}}
	if w.bin == "" {
		t.Fatal("no rcjailfault binary from the parent")
	}
	for _, d := range []string{"root/etc", "root/var/run", "root/var/log", "jails", "data"} {
		cfMust(t, os.MkdirAll(filepath.Join(work, d), 0o755))
	}
	cfCopyTree(t, "testdata/conformance/_base", w.root, work) // defaults, devfs.rules
	ro := []string{"usr/bin", "usr/sbin", "usr/lib"}
	if fi, err := os.Lstat("/usr/lib64"); err == nil && fi.IsDir() {
		ro = append(ro, "usr/lib64")
	}
	rc := "jail_enable=\"YES\"\njail_list=\"" + strings.Join(names, " ") + "\"\n"
	for i, n := range names {
		v := strings.ReplaceAll(n, "-", "_")
		jr := filepath.Join(work, "jails", n)
		w.jails[n] = jr
		rc += "jail_" + v + "_rootdir=\"" + jr + "\"\n" +
			"jail_" + v + "_hostname=\"" + n + ".example.org\"\n" +
			"jail_" + v + "_skel_enable=\"YES\"\n" +
			"jail_" + v + "_skel_root=\"/\"\n" +
			"jail_" + v + "_skel_romounts=\"" + strings.Join(ro, " ") + "\"\n" +
			"jail_" + v + "_devfs_enable=\"YES\"\n" +
			"jail_" + v + "_procfs_enable=\"YES\"\n" +
			"jail_" + v + "_mount_enable=\"YES\"\n" +
			// One fstab for both spellings of a name with a dash (the
			// default is /etc/fstab.NAME as the name is written).
			"jail_" + v + "_fstab=\"/etc/fstab." + v + "\"\n"
		if i == 0 {
			rc += "jail_" + v + "_interface=\"lo\"\njail_" + v + "_ip=\"" + proofAlias + "\"\n"
		}
		cfMust(t, os.WriteFile(filepath.Join(w.root, "etc/fstab."+v), []byte(filepath.Join(work, "data")+" "+jr+"/mnt/data nullfs rw 0 0\n"), 0o644))
	}
	w.rcconf = rc
	w.writeRC(rc)
	for _, n := range names {
		if st, out := w.run(nil, "prepare", n); st != 0 {
			t.Fatalf("prepare %s: %d\n%s", n, st, out)
		}
		jr := w.jails[n]
		cfMust(t, os.MkdirAll(filepath.Join(jr, "mnt/data"), 0o755))
		for _, l := range []string{"bin", "sbin", "lib", "lib64"} {
			if _, err := os.Stat("/usr/" + l); err == nil {
				cfMust(t, os.Symlink("usr/"+l, filepath.Join(jr, l)))
			}
		}
		w.setRC(n, "echo started\nsetsid -f sleep 3600\n")
		cfMust(t, os.WriteFile(filepath.Join(jr, "etc", "rc.shutdown"), []byte("echo stopping\n"), 0o644))
	}
	w.before = skelReadFile(t, "/proc/self/mountinfo")
	return w
}

func (w *proofWorld) writeRC(rc string) {
	cfMust(w.t, os.WriteFile(filepath.Join(w.root, "etc/rc.conf"), []byte(rc), 0o644))
}

// setRC writes jail n's /etc/rc, its start command.
func (w *proofWorld) setRC(n, script string) {
	cfMust(w.t, os.WriteFile(filepath.Join(w.jails[n], "etc", "rc"), []byte(script), 0o644))
}

// command is rcjail -R root -b native args, with env added to its
// environment.
func (w *proofWorld) command(env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.Command(w.bin, append([]string{"-R", w.root, "-b", "native"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	return cmd, &out, &errb
}

// run runs rcjail to its end: its exit status (-1 killed by a signal) and
// stdout followed by stderr.
func (w *proofWorld) run(env []string, args ...string) (int, string) {
	w.t.Helper()
	cmd, out, errb := w.command(env, args...)
	if err := startTracked(cmd); err != nil {
		w.t.Fatalf("rcjail %v: %v", args, err)
	}
	_ = waitTracked(cmd)
	return cmd.ProcessState.ExitCode(), out.String() + errb.String()
}

// jailInits are the jails running on root: one entry per pid namespace
// among the processes whose root is that directory (each native jail is
// its own pid namespace), mapped to one of its pids.
func jailInits(root string) map[string]int {
	inits := map[string]int{}
	for _, pid := range procsRootedAt(root) {
		ns, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/pid")
		if err != nil {
			continue
		}
		if p, ok := inits[ns]; !ok || pid < p {
			inits[ns] = pid
		}
	}
	return inits
}

// procsRootedAt lists the live (not zombie) processes whose root is dir.
func procsRootedAt(dir string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !rootedAt("/proc/"+e.Name()+"/root", dir) {
			continue
		}
		if b, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			i := bytes.LastIndexByte(b, ')')
			if f := strings.Fields(string(b[i+1:])); len(f) > 0 && f[0] == "Z" {
				continue
			}
		}
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	return pids
}

// loHas reports whether addr is on lo.
func loHas(t *testing.T, addr string) bool {
	t.Helper()
	out, err := runTracked(exec.Command("ip", "-4", "addr", "show", "dev", "lo"))
	if err != nil {
		t.Fatalf("ip addr: %v\n%s", err, out)
	}
	return strings.Contains(out, " "+addr+"/")
}

// mountsUnder lists the mount points (current paths) at or below dir.
func mountsUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(skelReadFile(t, "/proc/self/mountinfo"), "\n") {
		f := strings.Fields(l)
		if len(f) > 5 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			out = append(out, f[4])
		}
	}
	return out
}

// leftovers describes what of the world's jails is left: processes,
// mounts (anywhere: the mount table must be as before), the alias, id
// files, records, journals and temporary files. Empty: all clean.
func (w *proofWorld) leftovers() []string {
	t := w.t
	var left []string
	for _, n := range sortedJails(w.jails) {
		if p := procsRootedAt(w.jails[n]); len(p) > 0 {
			left = append(left, fmt.Sprintf("%s: processes %v", n, p))
		}
	}
	// Any id file, under any spelling of a name.
	ids, _ := filepath.Glob(filepath.Join(w.root, "var/run/jail_*.id"))
	for _, f := range ids {
		left = append(left, "id file "+filepath.Base(f))
	}
	if now := skelReadFile(t, "/proc/self/mountinfo"); now != w.before {
		left = append(left, "mounts: "+strings.Join(mountsUnder(t, w.work), " "))
	}
	if loHas(t, proofAlias) {
		left = append(left, "alias "+proofAlias)
	}
	ents, _ := os.ReadDir(filepath.Join(w.root, "var/run/rcjail"))
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".lock") {
			left = append(left, "state file "+e.Name())
		}
	}
	return left
}

func sortedJails(m map[string]string) []string {
	var ns []string
	for n := range m {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// scrub removes, by force and without rcjail, whatever a failed case left,
// so the next case starts from a clean world.
func (w *proofWorld) scrub() {
	for _, n := range sortedJails(w.jails) {
		for i := 0; i < 50; i++ {
			p := procsRootedAt(w.jails[n])
			if len(p) == 0 {
				break
			}
			for _, pid := range p {
				_ = unix.Kill(pid, unix.SIGKILL)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	ids, _ := filepath.Glob(filepath.Join(w.root, "var/run/jail_*.id"))
	for _, f := range ids {
		_ = os.Remove(f)
	}
	for i := 0; i < 20; i++ {
		m := mountsUnder(w.t, w.work)
		if len(m) == 0 {
			break
		}
		for j := len(m) - 1; j >= 0; j-- {
			_ = unix.Unmount(m[j], unix.MNT_DETACH)
		}
	}
	_, _ = runTracked(exec.Command("ip", "addr", "del", proofAlias+"/32", "dev", "lo"))
	ents, _ := os.ReadDir(filepath.Join(w.root, "var/run/rcjail"))
	for _, e := range ents {
		_ = os.Remove(filepath.Join(w.root, "var/run/rcjail", e.Name()))
	}
}

// use makes t the test the world's helpers report to, until the returned
// function restores the previous one (subtests run one at a time).
func (w *proofWorld) use(t *testing.T) func() {
	parent := w.t
	w.t = t
	return func() { w.t = parent }
}

// transcript runs rcjail commands and keeps what each printed, and whether
// any run ever left two jails on the root of jail.
type transcript struct {
	w     *proofWorld
	jail  string
	log   []string
	twice bool
}

func (tr *transcript) String() string { return strings.Join(tr.log, "\n") }

func (tr *transcript) note(format string, args ...any) {
	tr.log = append(tr.log, fmt.Sprintf(format, args...))
}

// run runs rcjail args to its end and returns its exit status.
func (tr *transcript) run(env []string, args ...string) int {
	st, out := tr.w.run(env, args...)
	tr.note("$ rcjail %s  (exit %d)\n%s", strings.Join(args, " "), st, out)
	tr.checkOne()
	return st
}

// ran is what one rcjail run of a pair printed and its exit status (-1
// killed by a signal).
type ran struct {
	status      int
	out, errout string
}

// pair runs rcjail args a and, delay later, rcjail args b, both at once
// (a race), waits for both, notes them and checks for two jails on the root.
func (tr *transcript) pair(t *testing.T, delay time.Duration, a, b []string) (ran, ran) {
	t.Helper()
	ca, aout, aerr := tr.w.command(nil, a...)
	cb, bout, berr := tr.w.command(nil, b...)
	if err := startTracked(ca); err != nil {
		t.Fatal(err)
	}
	time.Sleep(delay)
	if err := startTracked(cb); err != nil {
		t.Fatal(err)
	}
	_ = waitTracked(ca)
	_ = waitTracked(cb)
	ra := ran{ca.ProcessState.ExitCode(), aout.String(), aerr.String()}
	rb := ran{cb.ProcessState.ExitCode(), bout.String(), berr.String()}
	tr.note("$ rcjail %s & (%s) rcjail %s\n%s (exit %d)\n%s%s%s (exit %d)\n%s%s",
		strings.Join(a, " "), delay, strings.Join(b, " "),
		a[0], ra.status, ra.out, ra.errout, b[0], rb.status, rb.out, rb.errout)
	tr.checkOne()
	return ra, rb
}

// checkOne notes two jails on one root.
func (tr *transcript) checkOne() {
	if n := len(jailInits(tr.w.jails[tr.jail])); n > 1 {
		tr.twice = true
		tr.note("!! %d jails on the root of %s", n, tr.jail)
	}
}

// converge runs status, stop, start, stop after what (a crash, a race)
// and fails t unless both stops and the start exit 0, no run left two
// jails on one root, and nothing at all is left. A world that did not
// converge is scrubbed for the next case.
func (tr *transcript) converge(t *testing.T, what string) {
	t.Helper()
	tr.run(nil, "status", tr.jail)
	stop1 := tr.run(nil, "stop")
	start := tr.run(nil, "start")
	if n := len(jailInits(tr.w.jails[tr.jail])); n != 1 {
		tr.note("!! %d jails running after the recovery start", n)
		start = -2
	}
	stop2 := tr.run(nil, "stop")
	left := tr.w.leftovers()
	if stop1 != 0 || start != 0 || stop2 != 0 || tr.twice || len(left) > 0 {
		t.Errorf("after %s: stop %d, start %d, stop %d, two jails on one root: %v, left: %s\n%s",
			what, stop1, start, stop2, tr.twice, strings.Join(left, "; "), tr)
		tr.w.scrub()
	}
}
