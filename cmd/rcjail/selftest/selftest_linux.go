package selftest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/compat/native/linuxjail"
	"rcjail/mount"
)

// ScratchDir is selftest's well-known directory: its lock, the ids of the
// jails a run started (for the next run to stop when this one was killed),
// the rows handed from the namespaced child, and the mount point of the
// scratch tmpfs (world), which exists only inside the private namespace.
const ScratchDir = "/run/rcjail-selftest"

// scratchSource is the scratch tmpfs's source name in the mount table.
const scratchSource = "rcjail-selftest"

// envInside marks the re-executed child; its value is the parent's mount
// namespace, which the child checks it has left.
const envInside = "RCJAIL_SELFTEST_INSIDE"

// Main runs selftest: in the host's namespace it takes the lock, cleans up
// after an earlier run, re-executes rcjail in a private mount namespace and
// prints the table; in that child it does the work.
func Main(ctx context.Context, o Options) int {
	if v := os.Getenv(envInside); v != "" {
		return insideMain(ctx, o, v)
	}
	return parentMain(ctx, o)
}

func mntNS() string {
	l, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return ""
	}
	return l
}

func parentMain(ctx context.Context, o Options) int {
	errf := func(format string, args ...any) int { return failf(o, format, args...) }
	if o.Backend != "native" && o.Backend != "command" {
		return errf("backend %q: want native or command", o.Backend)
	}
	if names := sameName(o.Root); len(names) > 0 {
		return errf("refused: the host knows a jail of a selftest jail's name: %s", strings.Join(names, ", "))
	}
	if os.Geteuid() != 0 {
		return errf("needs root: it mounts a tmpfs in a private mount namespace")
	}
	lock, err := takeLock(ctx, o.Stderr)
	if err != nil {
		return errf("%v", err)
	}
	defer lock.Close()
	rep := &Report{Log: o.Stderr}
	left := cleanLeftovers()
	rep.add("leftovers of an earlier run", "none left", left, !strings.HasPrefix(left, "error"))
	if strings.HasPrefix(left, "error") {
		rep.Print(o.Stdout)
		return 1
	}
	world := filepath.Join(ScratchDir, "world")
	if err := os.Mkdir(world, 0o700); err != nil {
		return errf("create %s: %v", world, err)
	}
	hostBefore, _ := os.ReadFile("/proc/self/mountinfo")

	// By path, not /proc/self/exe: that magic link would make the child's
	// executable a file on a mount of the host's namespace (the fork's
	// exe_file), which cannot be bound in the child's (EINVAL).
	exe, err := os.Executable()
	if err != nil {
		return errf("%v", err)
	}
	cmd := exec.Command(exe)
	cmd.Args = append([]string{o.Argv0}, o.Args...)
	cmd.Env = append(os.Environ(), envInside+"="+mntNS())
	cmd.Stdout, cmd.Stderr = o.Stderr, o.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Go makes / recursively private in the new namespace before
		// exec: nothing mounted there propagates to the host.
		Unshareflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWNET,
		// If we die the child cleans up and exits.
		Pdeathsig: syscall.SIGTERM,
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	runErr := cmd.Start()
	if runErr == nil {
		done := make(chan struct{})
		go func() {
			for {
				select {
				case <-sigs:
					_ = cmd.Process.Signal(syscall.SIGTERM)
				case <-done:
					return
				}
			}
		}()
		runErr = cmd.Wait()
		close(done)
	}
	if b, err := os.ReadFile(filepath.Join(ScratchDir, "rows")); err == nil {
		rows, _ := readRows(b)
		rep.Rows = append(rep.Rows, rows...)
	}
	rep.add("selftest in a private mount namespace", "exit 0", firstErr(runErr, "exit 0"), runErr == nil)
	left = cleanLeftovers()
	rep.add("cleanup", "done", left, !strings.HasPrefix(left, "error"))
	hostAfter, _ := os.ReadFile("/proc/self/mountinfo")
	rep.check("host mount table (outside the namespace)", "unchanged", unchanged(hostBefore, hostAfter))
	return finish(rep, lock, o)
}

func unchanged(a, b []byte) string {
	if bytes.Equal(a, b) {
		return "unchanged"
	}
	return diffTables(string(a), string(b))
}

// cleanLeftovers stops the jails an earlier (killed) run left and removes
// its files. On Linux no mount can be left: they lived in the private
// namespace, which the kernel tears down with its last process — the
// jails, killed here, were the only ones that could have kept it.
func cleanLeftovers() string {
	var did []string
	world := filepath.Join(ScratchDir, "world")
	// The jids file names what the run started; a scan finds as well a
	// jail whose id never reached it (killed while jail(8) ran).
	pids := ourJails(world)
	if b, err := os.ReadFile(filepath.Join(ScratchDir, "jids")); err == nil {
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil && ourJail(n, world) && !slices.Contains(pids, n) {
				pids = append(pids, n)
			}
		}
	}
	for _, n := range pids {
		if err := killWait(n); err != nil {
			return "error: " + err.Error()
		}
		did = append(did, "stopped jail "+strconv.Itoa(n))
	}
	os.Remove(filepath.Join(ScratchDir, "jids"))
	if t, err := mount.Table(); err == nil {
		if u := mount.Under(t, ScratchDir); len(u) > 0 {
			return "error: mounted under " + ScratchDir + " in the host namespace: " + u[0].Target
		}
	}
	for _, n := range []string{"rows", "world"} {
		// Remove, not RemoveAll: outside the namespace world is the
		// empty directory the tmpfs was mounted on.
		if err := os.Remove(filepath.Join(ScratchDir, n)); err == nil {
			did = append(did, "removed "+n)
		} else if !errors.Is(err, os.ErrNotExist) {
			return "error: " + err.Error()
		}
	}
	if len(did) == 0 {
		return "none"
	}
	return strings.Join(did, ", ")
}

func insideMain(ctx context.Context, o Options, parentNS string) int {
	if ns := mntNS(); ns == "" || ns == parentNS {
		fmt.Fprintln(o.Stderr, "rcjail: selftest: not in a private mount namespace; refusing to mount")
		return 1
	}
	ctx, cancel := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer cancel()
	rows, err := os.OpenFile(filepath.Join(ScratchDir, "rows"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		fmt.Fprintf(o.Stderr, "rcjail: selftest: %v\n", err)
		return 1
	}
	defer rows.Close()
	rep := &Report{Log: o.Stderr, sink: func(r Row) { _ = writeRows(rows, []Row{r}) }}
	dir := filepath.Join(ScratchDir, "world")
	err = unix.Mount(scratchSource, dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=512m")
	if !rep.add("scratch tmpfs", "mounted in a private namespace", firstErr(err, "tmpfs on "+dir), err == nil) {
		return 1
	}
	w := newWorld(o, rep, dir, filepath.Join(ScratchDir, "jids"))
	defer func() {
		// Whatever happened: no jail of ours survives, and the whole
		// scratch tree leaves this namespace (it dies with us anyway).
		stopJailsUnder(dir)
		_ = unix.Unmount(dir, unix.MNT_DETACH)
	}()
	// A leading /usr is dropped: the jail mounts lib and lib64.
	ro, err := skeleton(w.skel, func(p string) string { return strings.TrimPrefix(p, "/usr") })
	if !rep.add("skeleton", "probe and its libraries", firstErr(err, strings.Join(ro, " ")), err == nil) {
		return 1
	}
	w.ro = ro
	if err := w.writeConf(); !rep.add("rc.conf", "written", firstErr(err, path.Join(w.conf, "etc/rc.conf")), err == nil) {
		return 1
	}
	if o.Backend == "command" {
		kit, err := installKit(filepath.Join(dir, "kit"))
		if !rep.add("command kit", "FreeBSD program stand-ins first on PATH", firstErr(err, kit), err == nil) {
			return 1
		}
		os.Setenv("PATH", kit+":"+os.Getenv("PATH"))
		os.Setenv(KitEnv, "1")
	}
	w.exercise(ctx)
	escapes(ctx, rep, dir)
	if !rep.OK() {
		return 1
	}
	return 0
}

// escapes runs package linuxjail's escape suite (a scratch jail of its
// own, under the scratch tmpfs) and adds a row per attempt.
func escapes(ctx context.Context, rep *Report, dir string) {
	if ctx.Err() != nil {
		return
	}
	d := filepath.Join(dir, "escape")
	if err := os.Mkdir(d, 0o755); err != nil {
		rep.add("escape checks", "run", err.Error(), false)
		return
	}
	res, err := linuxjail.EscapeChecks(ctx, d)
	for _, r := range res {
		rep.add("escape: "+r.Name, r.Want, r.Got, r.OK())
	}
	if err != nil || len(res) == 0 {
		rep.add("escape checks", "run", firstErr(err, "no result"), false)
	}
}

// crash is a kill -9 of the whole run: parent first, so that nobody
// cleans up.
func crash() {
	_ = syscall.Kill(os.Getppid(), syscall.SIGKILL)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// ourJail reports whether pid (read from our jids file) is a jail init of
// a selftest run: linuxjail's init, with one of our jails' hostnames, whose
// root is one of our jail roots on a tmpfs. Once the run that started it is
// gone, the scratch tmpfs exists only in the jail's own namespace, and /proc
// shows its root relative to that tmpfs ("/jails/nullfs"), so both spellings
// count.
func ourJail(pid int, world string) bool {
	p := "/proc/" + strconv.Itoa(pid)
	cl, err := os.ReadFile(p + "/cmdline")
	if err != nil {
		return false
	}
	argv := strings.Split(string(cl), "\x00")
	if len(argv) < 2 || argv[0] != linuxjail.InitArg0 {
		return false
	}
	root, err := os.Readlink(p + "/root")
	if err != nil {
		return false
	}
	if root == "/" {
		// An init of ours that has not chrooted yet (a run killed while
		// jail(8) ran): named by our hostname, in a mount namespace of
		// its own.
		own, _ := os.Readlink(p + "/ns/mnt")
		return (argv[1] == "nullfs.selftest.invalid" || argv[1] == "symlink.selftest.invalid") && own != "" && own != mntNS()
	}
	var st unix.Statfs_t
	if unix.Statfs(p+"/root", &st) != nil || st.Type != unix.TMPFS_MAGIC {
		return false
	}
	for _, j := range []string{"nullfs", "symlink"} {
		rel := "/jails/" + j
		if argv[1] == j+".selftest.invalid" && (root == rel || root == world+rel) {
			return true
		}
	}
	return false
}

// killWait SIGKILLs a jail init (its PID namespace dies with it) and waits
// until it is gone.
func killWait(pid int) error {
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 500; i++ {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return nil
		}
		if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && (st[i+2] == 'Z' || st[i+2] == 'X') {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("jail init %d still running after SIGKILL", pid)
}

// ourJails lists the jail inits of selftest runs (see ourJail).
func ourJails(world string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && ourJail(n, world) {
			out = append(out, n)
		}
	}
	return out
}

// stopJailsUnder kills every jail of ours; it looks three times, so that
// a jail init caught between its start and its chroot is not missed.
func stopJailsUnder(dir string) {
	for i := 0; i < 3; i++ {
		for _, n := range ourJails(dir) {
			_ = killWait(n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// libDirs are where a library named by DT_NEEDED is looked for.
var libDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}

// jexecArgv runs argv inside jail jid, as the Linux native backend's jexec.
func jexecArgv(jid string, argv []string) []string {
	n, _ := strconv.Atoi(jid)
	return linuxjail.ExecCmd(n, argv)
}

func jailAlive(jid, root string) bool {
	n, err := strconv.Atoi(jid)
	if err != nil {
		return false
	}
	r, ok := linuxjail.Root(n)
	return ok && r == root
}

// jailProcs lists the processes whose root directory is root or below.
func jailProcs(root string) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		r, err := os.Readlink("/proc/" + e.Name() + "/root")
		if err == nil && (r == root || strings.HasPrefix(r, root+"/")) {
			out = append(out, n)
		}
	}
	return out
}

// describe renders a mount table entry as the Linux kernel shows it: a bind
// mount by the directory of the scratch file system it shows.
func describe(e mount.Entry, _ string) string {
	s := e.FSType
	if e.Root != "/" && e.Root != "" {
		s = "bind:" + e.Root
	}
	if e.ReadOnly {
		s += ",ro"
	}
	return s
}

// wantMounts is what the Linux mapping must show under jail j's root:
// nullfs is a read-only bind of the skeleton directory, devfs a tmpfs,
// procfs proc; fdescfs is nothing under the native backend (its devfs has
// dev/fd -> /proc/self/fd) and the command kit's read-only tmpfs.
func wantMounts(w *world, j string) []string {
	out := append(w.skelMounts(j, "bind"), "dev=tmpfs", "proc=proc")
	if w.o.Backend == "command" {
		out = append(out, "dev/fd=tmpfs,ro")
	}
	return out
}

// devAllowed is the Linux devfs stand-in's whole /dev (plus the script's
// dev/log link, and the jail's own devpts with its ptmx, which its init
// adds): nothing of the host's /dev may show.
var devAllowed = []string{"fd", "full", "log", "null", "ptmx", "pts", "random", "stderr", "stdin", "stdout", "tty", "urandom", "zero"}

// writeRows and readRows carry (on Linux only) the rows from the namespaced child to the
// parent, one JSON object per line.
func writeRows(w io.Writer, rows []Row) error {
	enc := json.NewEncoder(w)
	for _, x := range rows {
		if err := enc.Encode(x); err != nil {
			return err
		}
	}
	return nil
}

func readRows(b []byte) ([]Row, error) {
	var out []Row
	dec := json.NewDecoder(strings.NewReader(string(b)))
	for dec.More() {
		var x Row
		if err := dec.Decode(&x); err != nil {
			return out, err
		}
		out = append(out, x)
	}
	return out, nil
}
