//go:build linux || freebsd

package selftest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"rcjail/compat"
	"rcjail/mount"
)

// ProbeName is the in-jail probe's file name (in the skeleton's bin): a
// copy of rcjail that, run under this name, checks the jail from inside.
const ProbeName = "rcjail-selftest-probe"

// world is one run's throwaway world on the scratch file system.
type world struct {
	o    Options
	rep  *Report
	dir  string // the scratch file system's mount point
	conf string // the -R root: etc/rc.conf, var/run
	skel string // the skeleton root
	ro   []string
	jids string // host file listing the jids started, for a later run's cleanup

	roots map[string]string // jail name -> rootdir
	hosts map[string]string // jail name -> hostname
}

func newWorld(o Options, rep *Report, dir, jids string) *world {
	w := &world{o: o, rep: rep, dir: dir, conf: filepath.Join(dir, "conf"), skel: filepath.Join(dir, "skel"), jids: jids,
		roots: map[string]string{JailNullfs: filepath.Join(dir, "jails", "nullfs"), JailSymlink: filepath.Join(dir, "jails", "symlink")},
		hosts: map[string]string{JailNullfs: "nullfs.selftest.invalid", JailSymlink: "symlink.selftest.invalid"}}
	return w
}

// short is a jail's mode, for row names.
func short(j string) string { return strings.TrimPrefix(j, "rcjail_selftest_") }

// writeConf writes the -R root: rc.conf with the two jails.
func (w *world) writeConf() error {
	for _, d := range []string{"etc", "var/run", "var/log"} {
		if err := os.MkdirAll(filepath.Join(w.conf, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(w.dir, "jails"), 0o755); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# written by rcjail selftest\n")
	fmt.Fprintf(&b, "jail_enable=\"YES\"\njail_list=\"%s %s\"\n", JailNullfs, JailSymlink)
	// Ruleset 4 is devfsrules_jail of FreeBSD's /etc/defaults/devfs.rules,
	// loaded at boot; a number is used as it is.
	b.WriteString("jail_devfs_ruleset=\"4\"\n")
	for _, j := range []string{JailNullfs, JailSymlink} {
		mode := short(j)
		fmt.Fprintf(&b, "jail_%s_rootdir=%q\n", j, w.roots[j])
		fmt.Fprintf(&b, "jail_%s_hostname=%q\n", j, w.hosts[j])
		fmt.Fprintf(&b, "jail_%s_skel_enable=\"YES\"\njail_%s_skel_mode=%q\n", j, j, mode)
		fmt.Fprintf(&b, "jail_%s_skel_root=%q\njail_%s_skel_romounts=%q\n", j, w.skel, j, strings.Join(w.ro, " "))
		for _, k := range []string{"devfs", "fdescfs", "procfs"} {
			fmt.Fprintf(&b, "jail_%s_%s_enable=\"YES\"\n", j, k)
		}
		fmt.Fprintf(&b, "jail_%s_exec_start=\"/bin/%s start\"\n", j, ProbeName)
		fmt.Fprintf(&b, "jail_%s_exec_stop=\"/bin/%s stop\"\n", j, ProbeName)
	}
	return os.WriteFile(filepath.Join(w.conf, "etc", "rc.conf"), []byte(b.String()), 0o644)
}

// rcjail runs one rcjail command line against the world, in-process.
func (w *world) rcjail(ctx context.Context, wrap func(compat.Executor) compat.Executor, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	st := w.o.RCJail(ctx, append([]string{"-R", w.conf, "-b", w.o.Backend}, args...), wrap, &out, &errb)
	return st, out.String(), errb.String()
}

// status renders an exit status with the first line of stderr.
func status(st int, errs string) string {
	s := "exit " + strconv.Itoa(st)
	if l, _, _ := strings.Cut(strings.TrimSpace(errs), "\n"); l != "" && st != 0 {
		s += ": " + l
	}
	return s
}

// mountTable is the kernel's mount table as text, for exact comparison.
func mountTable() string {
	t, err := mount.Table()
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, e := range t {
		fmt.Fprintf(&b, "%d %d %s %s %s %s %s\n", e.ID, e.Parent, e.Root, e.Source, e.Target, e.FSType, e.Options)
	}
	return b.String()
}

// same is diffTables' answer for two equal tables.
const same = "identical to before start"

// diffTables names the lines that differ between two mount tables.
func diffTables(a, b string) string {
	al, bl := strings.Split(strings.TrimSpace(a), "\n"), strings.Split(strings.TrimSpace(b), "\n")
	var out []string
	for _, l := range bl {
		if !slices.Contains(al, l) {
			out = append(out, "+"+l)
		}
	}
	for _, l := range al {
		if !slices.Contains(bl, l) {
			out = append(out, "-"+l)
		}
	}
	if len(out) == 0 {
		return same
	}
	return strings.Join(out, "; ")
}

// jid reads a jail's id file under the -R root.
func (w *world) jid(j string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(w.conf, "var/run", "jail_"+j+".id"))
	if err != nil {
		return "", false
	}
	l, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(l), true
}

// remember appends a jid to the host file a later run reads to stop jails
// this run could not stop (it was killed).
func (w *world) remember(jid string) {
	f, err := os.OpenFile(w.jids, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintln(f, jid)
	f.Close()
}

// exercise is the whole test on a prepared world: prepare, start, look,
// stop, then a fault at every step of a start.
func (w *world) exercise(ctx context.Context) {
	rep := w.rep
	jails := []string{JailNullfs, JailSymlink}
	st, _, errs := w.rcjail(ctx, nil, "prepare", JailNullfs, JailSymlink)
	if !rep.add("prepare (nullfs, symlink)", "exit 0", status(st, errs), st == 0) {
		return
	}
	before := mountTable()
	st, out, errs := w.rcjail(ctx, nil, "start")
	want := fmt.Sprintf("Starting jails: %s %s.", w.hosts[JailNullfs], w.hosts[JailSymlink])
	rep.add("start -b "+w.o.Backend, "exit 0", status(st, errs), st == 0)
	rep.check("start: stdout", want, lastLine(out))
	for _, j := range jails {
		jid, ok := w.jid(j)
		if !rep.add(short(j)+": running", "id file, live jail", runningSeen(jid, ok, w.roots[j]), ok && jailAlive(jid, w.roots[j])) {
			continue
		}
		w.remember(jid)
		w.inside(ctx, j, jid)
		w.outside(j)
	}
	if CrashAfterStart {
		crash()
	}
	st, out, errs = w.rcjail(ctx, nil, "stop")
	rep.add("stop", "exit 0", status(st, errs), st == 0)
	// The 8.x script stops in jail_list order, as it starts.
	rep.check("stop: stdout", fmt.Sprintf("Stopping jails: %s %s.", w.hosts[JailNullfs], w.hosts[JailSymlink]), lastLine(out))
	for _, j := range jails {
		rep.check(short(j)+": after stop", "no process, no id file", w.gone(j))
	}
	after := mountTable()
	rep.check("mount table after stop", "identical to before start", diffTables(before, after))

	for _, j := range jails {
		if ctx.Err() != nil {
			rep.add("faults", "every step", "interrupted: "+ctx.Err().Error(), false)
			return
		}
		w.faults(ctx, j, before)
		if w.o.Backend == "native" && w.o.NativeFault != nil {
			for _, op := range []string{"mount", "remount"} {
				w.nativeFaults(ctx, j, op, before)
			}
		}
	}
}

// nativeFaults fails, in turn, each call of op inside the native backend's
// steps of a start of j (its own fault seam: "mount" fails the mount
// itself, "remount" the read-only part of a read-only mount, after the
// mount was made), until a start runs through with no call left to fail.
func (w *world) nativeFaults(ctx context.Context, j, op, before string) {
	for at := 1; at <= 64 && ctx.Err() == nil; at++ {
		w.o.NativeFault(op, at)
		st, _, errs := w.rcjail(ctx, nil, "start", j)
		w.o.NativeFault("", 0)
		if jid, ok := w.jid(j); ok {
			w.remember(jid)
		}
		if st == 0 {
			// No call left to fail: the start ran clean; stop it.
			st, _, errs = w.rcjail(ctx, nil, "stop", j)
			d := diffTables(before, mountTable())
			w.rep.add(fmt.Sprintf("%s: native %s faults", short(j), op), "each failed call undone",
				fmt.Sprintf("%d calls failed in turn; then a clean start and %s, mount table %s", at-1, status(st, errs), d), at > 1 && st == 0 && d == same)
			return
		}
		var seen []string
		good := true
		if !strings.Contains(errs, "injected fault") {
			seen = append(seen, status(st, errs))
			good = false
		}
		seen, good = w.undone(j, before, st, seen, good)
		w.rep.add(fmt.Sprintf("%s: native %s fault %d", short(j), op, at), "start fails, all undone", strings.Join(seen, "; "), good)
		if !good {
			w.rcjail(ctx, nil, "stop", j)
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func runningSeen(jid string, ok bool, root string) string {
	switch {
	case !ok:
		return "no id file"
	case !jailAlive(jid, root):
		return "jid " + jid + " not running"
	}
	return "jid " + jid + " running"
}

// gone describes what is left of jail j: processes in its root, its id
// file.
func (w *world) gone(j string) string {
	var left []string
	if p := jailProcs(w.roots[j]); len(p) > 0 {
		left = append(left, fmt.Sprintf("processes %v", p))
	}
	if _, ok := w.jid(j); ok {
		left = append(left, "id file")
	}
	if len(left) == 0 {
		return "no process, no id file"
	}
	return strings.Join(left, ", ")
}

// undone adds to seen what a failed start of j (exit status st) left
// behind: a process or id file, a change of the mount table since before.
// When nothing is left and good still holds, it adds the line that says so.
func (w *world) undone(j, before string, st int, seen []string, good bool) ([]string, bool) {
	if g := w.gone(j); g != "no process, no id file" {
		seen = append(seen, g)
		good = false
	}
	if d := diffTables(before, mountTable()); d != same {
		seen = append(seen, "mounts: "+d)
		good = false
	}
	if good {
		seen = append(seen, "exit "+strconv.Itoa(st)+", mount table as before, no jail")
	}
	return seen, good
}

// faults counts the effect steps of a clean start of j, then fails each in
// turn and checks the rollback.
func (w *world) faults(ctx context.Context, j string, before string) {
	rep := w.rep
	count := &faulty{}
	st, _, errs := w.rcjail(ctx, count.wrap, "start", j)
	jid, _ := w.jid(j)
	if jid != "" {
		w.remember(jid)
	}
	ok := rep.add(short(j)+": steps of a start", "a clean start", fmt.Sprintf("%d effect steps, %s", count.n, status(st, errs)), st == 0 && count.n > 0)
	st, _, errs = w.rcjail(ctx, nil, "stop", j)
	if !ok || st != 0 || diffTables(before, mountTable()) != same {
		rep.add(short(j)+": stop after counting", "exit 0, mount table as before", status(st, errs)+", "+diffTables(before, mountTable()), false)
		return
	}
	for k := 1; k <= count.n; k++ {
		if ctx.Err() != nil {
			return
		}
		f := &faulty{failAt: k, broken: BreakUndo}
		st, _, errs := w.rcjail(ctx, f.wrap, "start", j)
		if jid, ok := w.jid(j); ok {
			w.remember(jid)
		}
		var seen []string
		good := true
		if f.fired == "" {
			seen = append(seen, "no step failed")
			good = false
		}
		if st == 0 {
			seen = append(seen, "start exit 0")
			good = false
		} else if !strings.Contains(errs, errInjected.Error()) {
			seen = append(seen, "exit "+strconv.Itoa(st)+" without naming the fault")
			good = false
		}
		seen, good = w.undone(j, before, st, seen, good)
		step := strings.ReplaceAll(f.fired, w.roots[j]+"/", "")
		rep.add(fmt.Sprintf("%s: fault %d/%d: %s", short(j), k, count.n, step), "start fails, all undone", strings.Join(seen, "; "), good)
		if !good {
			// Leave the next fault a clean world.
			w.rcjail(ctx, nil, "stop", j)
		}
	}
}

// inside runs the probe in the jail and checks what it saw.
func (w *world) inside(ctx context.Context, j, jid string) {
	rep := w.rep
	argv := jexecArgv(jid, []string{"/bin/" + ProbeName, "check"})
	out, err := runProbe(ctx, argv)
	if !rep.add(short(j)+": probe in the jail", "runs", firstErr(err, "ran"), err == nil) {
		return
	}
	got := parseProbe(out)
	rep.check(short(j)+": hostname (inside)", w.hosts[j], got["hostname"])
	rep.check(short(j)+": write /bin (inside)", "EROFS", got["write_bin"])
	rep.check(short(j)+": write /tmp (inside)", "ok", got["write_tmp"])
	dev := strings.Fields(got["dev"])
	var extra []string
	for _, d := range dev {
		if !slices.Contains(devAllowed, d) {
			extra = append(extra, d)
		}
	}
	seen := strings.Join(dev, " ")
	rep.add(short(j)+": /dev filtered (inside)", "only "+strings.Join(devAllowed, " "),
		seen, len(extra) == 0 && slices.Contains(dev, "null"))
	rep.check(short(j)+": /proc (inside)", "ok", got["proc"])
}

func firstErr(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}

// parseProbe reads the probe's KEY=VALUE lines.
func parseProbe(out []byte) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

// outside checks the kernel's mount table under the jail root.
func (w *world) outside(j string) {
	t, err := mount.Table()
	if err != nil {
		w.rep.add(short(j)+": mounts (outside)", "readable", err.Error(), false)
		return
	}
	root := w.roots[j]
	var seen []string
	for _, e := range mount.Under(t, root) {
		rel := strings.TrimPrefix(strings.TrimPrefix(e.Target, root), "/")
		seen = append(seen, rel+"="+describe(e, w.dir))
	}
	slices.Sort(seen)
	want := wantMounts(w, j)
	slices.Sort(want)
	w.rep.check(short(j)+": mounts (outside)", strings.Join(want, " "), strings.Join(seen, " "))
}

// srcRel is a skeleton source as the mount table shows it relative to the
// scratch file system.
func (w *world) srcRel(rel string) string { return path.Join("/skel", rel) }

// skelMounts is the part of wantMounts both systems share: the symlink
// jail's one read-only basejail, every other jail's read-only directories,
// each a read-only mount of the skeleton shown as kind ("nullfs" on
// FreeBSD, "bind" on Linux).
func (w *world) skelMounts(j, kind string) []string {
	if j == JailSymlink {
		return []string{"basejail=" + kind + ":/skel,ro"}
	}
	var out []string
	for _, r := range w.ro {
		out = append(out, r+"="+kind+":"+w.srcRel(r)+",ro")
	}
	return out
}

var errNoProbe = errors.New("probe printed nothing")
