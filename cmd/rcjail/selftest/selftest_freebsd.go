package selftest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"rcjail/mount"
)

// ScratchDir is selftest's well-known directory: its lock, the ids of the
// jails a run started, and world, the fresh directory the scratch tmpfs is
// mounted on. A killed run leaves its mounts here (FreeBSD has no private
// mount namespace); the next run stops the jails and unmounts everything
// under this directory, deepest first, before it starts.
const ScratchDir = "/var/run/rcjail-selftest"

// Main runs selftest on FreeBSD: everything in this process, on a tmpfs
// mounted on ScratchDir/world. Written against the FreeBSD sources, not yet
// run on a FreeBSD kernel.
func Main(ctx context.Context, o Options) int {
	errf := func(format string, args ...any) int { return failf(o, format, args...) }
	if o.Backend != "native" && o.Backend != "command" {
		return errf("backend %q: want native or command", o.Backend)
	}
	if os.Geteuid() != 0 {
		return errf("needs root: it mounts a tmpfs and starts jails")
	}
	names := sameName(o.Root)
	for _, j := range []string{JailNullfs, JailSymlink} {
		if exec.Command("jls", "-j", j).Run() == nil {
			names = append(names, "running jail "+j)
		}
	}
	if len(names) > 0 {
		return errf("refused: the host knows a jail of a selftest jail's name: %s", strings.Join(names, ", "))
	}
	lock, err := takeLock(ctx, o.Stderr)
	if err != nil {
		return errf("%v", err)
	}
	defer lock.Close()
	ctx, cancel := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer cancel()
	rep := &Report{Log: o.Stderr}
	left := cleanLeftovers()
	if !rep.add("leftovers of an earlier run", "none left", left, !strings.HasPrefix(left, "error")) {
		rep.Print(o.Stdout)
		return 1
	}
	hostBefore := mountTable()
	dir := filepath.Join(ScratchDir, "world")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return errf("create %s: %v", dir, err)
	}
	_, err = mount.Mount(mount.Request{FSType: mount.TmpFS, Root: ScratchDir, Target: "world"})
	if rep.add("scratch tmpfs", "mounted on a fresh directory", firstErr(err, "tmpfs on "+dir), err == nil) {
		w := newWorld(o, rep, dir, filepath.Join(ScratchDir, "jids"))
		ro, err := skeleton(w.skel, func(p string) string { return p })
		if rep.add("skeleton", "probe (and its libraries)", firstErr(err, strings.Join(ro, " ")), err == nil) {
			w.ro = ro
			err := w.writeConf()
			if rep.add("rc.conf", "written", firstErr(err, path.Join(w.conf, "etc/rc.conf")), err == nil) {
				w.exercise(ctx)
				if o.Backend == "native" && ctx.Err() == nil {
					w.createdFirst(ctx)
				}
				dotRow(rep, o.Backend)
			}
		}
	}
	left = cleanLeftovers()
	rep.add("cleanup", "done", left, !strings.HasPrefix(left, "error"))
	rep.check("mount table after cleanup", same, diffTables(hostBefore, mountTable()))
	return finish(rep, lock, o)
}

// dotRow says whether this kernel took the race-free mount (fchdir to the
// held mount point, nmount with fspath ".") or made the mount package fall
// back to mounting by path with detect-and-undo. Either is correct; the
// row informs.
func dotRow(rep *Report, backend string) {
	if backend != "native" {
		rep.add(`nmount at fspath "."`, "native backend only", "n/a: -b "+backend+" mounts with mount(8) programs", true)
		return
	}
	if refused, why := mount.DotMountRefused(); refused {
		rep.add(`nmount at fspath "."`, "used (race-free)", "refused, fell back to detect-and-undo: "+why, true)
		return
	}
	rep.add(`nmount at fspath "."`, "used (race-free)", "used", true)
}

// crash is a kill -9 of the run.
func crash() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// cleanLeftovers removes the jails (jail -r) and the mounts (deepest first)
// a run left under ScratchDir, and its files.
func cleanLeftovers() string {
	var did []string
	world := filepath.Join(ScratchDir, "world")
	if b, err := os.ReadFile(filepath.Join(ScratchDir, "jids")); err == nil {
		for _, f := range strings.Fields(string(b)) {
			if _, err := strconv.Atoi(f); err != nil {
				continue
			}
			// Only a jail rooted in our world: a reused jid is left alone.
			out, err := exec.Command("jls", "-j", f, "path").Output()
			if p := strings.TrimSpace(string(out)); err == nil && strings.HasPrefix(p, world+"/") {
				if err := exec.Command("jail", "-r", f).Run(); err != nil {
					return "error: jail -r " + f + ": " + err.Error()
				}
				did = append(did, "removed jail "+f)
			}
		}
		os.Remove(filepath.Join(ScratchDir, "jids"))
	}
	t, err := mount.Table()
	if err != nil {
		return "error: " + err.Error()
	}
	for _, e := range mount.Under(t, ScratchDir) {
		if err := unix.Unmount(e.Target, 0); err != nil {
			if err := unix.Unmount(e.Target, unix.MNT_FORCE); err != nil {
				return "error: unmount " + e.Target + ": " + err.Error()
			}
		}
		did = append(did, "unmounted "+e.Target)
	}
	if err := os.Remove(world); err == nil {
		did = append(did, "removed world")
	} else if !errors.Is(err, os.ErrNotExist) {
		return "error: " + err.Error()
	}
	if len(did) == 0 {
		return "none"
	}
	return strings.Join(did, ", ")
}

// libDirs are where a library named by DT_NEEDED is looked for (a probe
// built with cgo; `make build` makes a static one).
var libDirs = []string{"/lib", "/usr/lib", "/libexec"}

func jexecArgv(jid string, argv []string) []string {
	return append([]string{"jexec", jid}, argv...)
}

func jailAlive(jid, root string) bool {
	out, err := exec.Command("jls", "-j", jid, "path").Output()
	return err == nil && strings.TrimSpace(string(out)) == root
}

// jailProcs reports a jail whose root is root (its jid), if any: on
// FreeBSD a jail without processes goes away, so a jail is what is left.
func jailProcs(root string) []int {
	out, err := exec.Command("jls", "jid", "path").Output()
	if err != nil {
		return nil
	}
	var jids []int
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && (f[1] == root || strings.HasPrefix(f[1], root+"/")) {
			if n, err := strconv.Atoi(f[0]); err == nil {
				jids = append(jids, n)
			}
		}
	}
	return jids
}

// describe renders a mount as FreeBSD's getfsstat shows it: the type, a
// nullfs source relative to the scratch file system, ro.
func describe(e mount.Entry, scratch string) string {
	s := e.FSType
	if e.FSType == "nullfs" {
		s += ":" + strings.TrimPrefix(e.Source, scratch)
	}
	if e.ReadOnly {
		s += ",ro"
	}
	return s
}

func wantMounts(w *world, j string) []string {
	return append(w.skelMounts(j, "nullfs"), "dev=devfs", "dev/fd=fdescfs", "proc=procfs")
}

// devAllowed is what devfsrules_jail (ruleset 4) unhides, plus the script's
// dev/log link.
var devAllowed = []string{"crypto", "fd", "log", "null", "ptmx", "pts", "random", "stderr", "stdin", "stdout", "urandom", "zero", "zfs"}
