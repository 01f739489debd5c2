package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rcjail/compat"
	"rcjail/compat/record"
	"rcjail/compat/state"
)

// The conformance suite runs `rcjail -b command` in-process against the stub
// kit in testdata/stubs (each stub logs its argv and emulates a little
// state) for every case under testdata/conformance/<case>/:
//
//	rc.conf    the fixture's /etc/rc.conf ($WORK is the case's work dir)
//	files/     more files copied under the -R root (fstab.www, …)
//	setup      state before the first run, one directive a line:
//	             mkdir PATH | file PATH TEXT | symlink TARGET PATH |
//	             idfile J JID | running JID [ROOT] | mounted FSTYPE PATH |
//	             fail PROG [LASTARG] | sysctl MIB VALUE |
//	             hostlink DIR TARGET (DIR under the root becomes a symlink) |
//	             say (hooks and jexec print on stdout and stderr)
//	args       one rcjail invocation per line (after `-R root -b command`)
//	want.txtar per run N: N/exit, N/stdout, N/stderr, N/trace (the commands
//	           run, quoted for sh), N/files (id files, console logs, the
//	           stub mount table and running jids afterwards)
//	NOTES.md   where the case departs from the 8.x column and why
//
// Each run is first done with -n from the same state: it must change
// nothing, run no program (its stub trace stays empty), and print exactly
// the effect commands of the real run's trace: the queries (sysctl -n,
// jls, df, mount -p) are compared on neither side, since -n prints them
// without running them and answers them from files only (compat.DryRun).
// A case whose state contradicts those answers (a stale id file, a mount
// the kernel has but the configuration does not say) says why in a file
// nodryrun: one reason (no run compared), or lines "N: reason" naming the
// runs not compared. The -n run still must change nothing and run nothing.
// `go test ./cmd/rcjail -run Conformance -update` rewrites want.txtar; review
// the diff by hand.
var update = flag.Bool("update", false, "rewrite the conformance goldens")

func cfStubDir(t *testing.T) string {
	d, err := filepath.Abs("../../testdata/stubs/bin")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConformance(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for the stub kit")
	}
	cases, err := filepath.Glob("testdata/conformance/*/args")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 31 {
		t.Fatalf("found %d conformance cases, want the 16 of the reference and 15 skeleton cases at least", len(cases))
	}
	for _, a := range cases {
		dir := filepath.Dir(a)
		t.Run(filepath.Base(dir), func(t *testing.T) { cfRunCase(t, dir) })
	}
}

type caseEnv struct {
	work, root, state, trace string
}

func (c *caseEnv) norm(s string) string {
	return strings.ReplaceAll(s, c.work, "$WORK")
}

func cfRunCase(t *testing.T, dir string) {
	work := t.TempDir()
	c := &caseEnv{work: work, root: filepath.Join(work, "root"), state: filepath.Join(work, "stubstate")}
	for _, d := range []string{"root/etc/defaults", "root/var/run", "root/var/log", "stubstate"} {
		cfMust(t, os.MkdirAll(filepath.Join(work, d), 0o755))
	}
	cfCopyTree(t, "testdata/conformance/_base", c.root, work)
	cfCopyTree(t, filepath.Join(dir, "files"), c.root, work)
	rc, err := os.ReadFile(filepath.Join(dir, "rc.conf"))
	cfMust(t, err)
	cfMust(t, os.WriteFile(filepath.Join(c.root, "etc/rc.conf"), rc, 0o644))
	cfSetup(t, c, filepath.Join(dir, "setup"))

	t.Setenv("WORK", work)
	// Only the stubs: a program without a stub must fail, not run for real.
	t.Setenv("PATH", cfStubDir(t))
	t.Setenv("RCJAIL_STUBSTATE", c.state)

	argsText, err := os.ReadFile(filepath.Join(dir, "args"))
	cfMust(t, err)
	var got cfArchive
	skipDry := strings.TrimSpace(cfReadOpt(t, filepath.Join(dir, "nodryrun")))
	// parallel: the jails start at the same time, so the programs of one
	// interleave with another's; the trace and the stub's lists are
	// compared sorted (stdout, in jail_list order, is not).
	_, err = os.Stat(filepath.Join(dir, "parallel"))
	parallel := err == nil
	snap := func(s string) string {
		if parallel {
			return sortStubBlocks(s)
		}
		return s
	}
	for i, line := range strings.Split(strings.TrimSpace(string(argsText)), "\n") {
		n := i + 1
		args := strings.Fields(line)
		// --name: the cases are the 8.x script's behaviour, which rcjail
		// keeps when run as /etc/rc.d/jail (every word after the verb is a
		// jail, an unknown verb is "unknown directive"); rcjail's own
		// stricter command line is tested in testdata/script.
		base := []string{"-R", c.root, "-b", "command", "--name", "rcjail"}

		// -n first, from the same state: it changes nothing, and prints
		// the commands the real run then runs.
		before := cfSnapshot(t, c)
		c.trace = filepath.Join(work, fmt.Sprintf("trace.dry%d", n))
		t.Setenv("RCJAIL_TRACE", c.trace)
		var dout, derr bytes.Buffer
		run(context.Background(), append(append(append([]string{}, base...), "-n"), args...), &dout, &derr)
		if after := cfSnapshot(t, c); after != before {
			t.Errorf("run %d (%s): -n changed the state:\n%s", n, line, cmp.Diff(before, after))
		}

		// The default backend's -n (native on Linux) prints the same
		// plan: no backend's queries reach a dry run.
		var nout, nerr bytes.Buffer
		run(context.Background(), append([]string{"-R", c.root, "--name", "rcjail", "-n"}, args...), &nout, &nerr)
		if d := cmp.Diff(dout.String(), nout.String()); d != "" {
			t.Errorf("run %d (%s): default -n differs from -b command -n (-command +default):\n%s", n, line, d)
		}
		if after := cfSnapshot(t, c); after != before {
			t.Errorf("run %d (%s): default -n changed the state:\n%s", n, line, cmp.Diff(before, after))
		}

		c.trace = filepath.Join(work, fmt.Sprintf("trace%d", n))
		t.Setenv("RCJAIL_TRACE", c.trace)
		var out, errb bytes.Buffer
		st := run(context.Background(), append(base, args...), &out, &errb)
		fullTrace := cfReadTrace(t, c.trace)
		trace := fullTrace
		// The dry run runs no program: its stub trace stays empty.
		if dt := cfReadTrace(t, filepath.Join(work, fmt.Sprintf("trace.dry%d", n))); dt != "" {
			t.Errorf("run %d (%s): -n ran programs:\n%s", n, line, dt)
		}
		// Compared: the effect commands (everything but the queries,
		// which -n prints without running and answers from files only,
		// see compat.DryRun). -n also shows the mount points start
		// creates (mkdir -m 0755 DIR); the backends make them without a
		// program, so the trace has no such line.
		dry := cfEffects(cfNoMkdir(dout.String()))
		trace = cfEffects(trace)
		if parallel {
			fullTrace, trace, dry = sortLines(fullTrace), sortLines(trace), sortLines(dry)
		}
		if !cfSkipDry(skipDry, n) {
			if d := cmp.Diff(cfJidNorm(trace), cfJidNorm(dry)); d != "" {
				t.Errorf("run %d (%s): -n differs from the command trace (-trace +dry run):\n%s", n, line, d)
			}
		}
		p := fmt.Sprintf("%d/", n)
		got.Files = append(got.Files,
			cfFile{Name: p + "args", Data: []byte(line + "\n")},
			cfFile{Name: p + "exit", Data: fmt.Appendf(nil, "%d\n", st)},
			cfFile{Name: p + "stdout", Data: []byte(c.norm(out.String()))},
			cfFile{Name: p + "stderr", Data: []byte(c.norm(errb.String()))},
			cfFile{Name: p + "trace", Data: []byte(c.norm(fullTrace))},
			cfFile{Name: p + "files", Data: []byte(c.norm(snap(cfScriptFiles(t, c, n, line))))},
		)
	}
	wantPath := filepath.Join(dir, "want.txtar")
	gotData := got.format()
	if *update {
		cfMust(t, os.WriteFile(wantPath, gotData, 0o644))
		return
	}
	want, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatalf("%v (run with -update to create it, then review it)", err)
	}
	wa := cfParse(want)
	for i, f := range got.Files {
		if i >= len(wa.Files) {
			t.Errorf("%s: not in the golden", f.Name)
			continue
		}
		if d := cmp.Diff(string(wa.Files[i].Data), string(f.Data)); d != "" || wa.Files[i].Name != f.Name {
			t.Errorf("%s (-want +got):\n%s", f.Name, d)
		}
	}
	if len(wa.Files) > len(got.Files) {
		t.Errorf("golden has %d files, the runs produced %d", len(wa.Files), len(got.Files))
	}
}

var jexecRE = regexp.MustCompile(`(?m)^jexec \S+ `)

// jidNorm hides the jid of afterstart's jexec: the dry run cannot know it.
func cfJidNorm(s string) string { return jexecRE.ReplaceAllString(s, "jexec JID ") }

// readTrace renders the stub trace (tab-separated argv) as sh lines, the
// format -n prints.
func cfReadTrace(t *testing.T, name string) string {
	b, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return ""
	}
	cfMust(t, err)
	var out strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		out.WriteString(compat.QuoteArgv(strings.Split(sc.Text(), "\t")) + "\n")
	}
	return out.String()
}

// snapshot lists what a run leaves: files under var/run and var/log of the
// root (with contents), the stub mount table, running jids and sysctls.
func cfSnapshot(t *testing.T, c *caseEnv) string {
	var b strings.Builder
	for _, d := range []string{"var/run", "var/log"} {
		// Through a symlinked var/run (setup's hostlink), named where the
		// files really are: the golden shows which way they went.
		base, err := state.ResolveDir(c.root, "/"+d)
		if err != nil {
			base = filepath.Join(c.root, d)
		}
		filepath.WalkDir(base, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(c.root, p)
			fmt.Fprintf(&b, "/%s: %q\n", rel, data)
			return nil
		})
	}
	for _, f := range []string{"mounts", "jails"} {
		data, _ := os.ReadFile(filepath.Join(c.state, f))
		fmt.Fprintf(&b, "stub %s:\n%s", f, data)
	}
	if data, err := os.ReadFile(filepath.Join(c.state, "names")); err == nil {
		fmt.Fprintf(&b, "stub names:\n%s", data)
	}
	if ents, err := os.ReadDir(filepath.Join(c.state, "sysctl")); err == nil {
		for _, e := range ents {
			data, _ := os.ReadFile(filepath.Join(c.state, "sysctl", e.Name()))
			fmt.Fprintf(&b, "stub sysctl %s=%s", e.Name(), data)
		}
	}
	return b.String()
}

// cfScriptFiles is the snapshot a golden records: what the 8.x script
// leaves, without rcjail's own state directory (/var/run/rcjail), whose
// records are rcjail's, not the script's (the goldens stay the script's
// behaviour). What that directory may hold after a run is checked instead
// (cfCheckState). The -n checks compare whole snapshots: a dry run writes
// no record either.
func cfScriptFiles(t *testing.T, c *caseEnv, n int, line string) string {
	snap := cfSnapshot(t, c)
	dir, err := state.ResolveDir(c.root, state.DirPath)
	if err != nil {
		return snap
	}
	cfCheckState(t, c, dir, n, line)
	rel, _ := filepath.Rel(c.root, dir)
	var b strings.Builder
	for _, l := range strings.SplitAfter(snap, "\n") {
		if !strings.HasPrefix(l, "/"+rel+"/") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// cfCheckState checks what the state directory holds after run n: only
// records (locks, journals and temporary files go with the run that made
// them), each named by its jail's key, each naming a jid the stub kernel
// runs or something a later stop still has to undo; a record with nothing
// in it is litter.
func cfCheckState(t *testing.T, c *caseEnv, dir string, n int, line string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return // no state directory: nothing was recorded
	}
	jails, _ := os.ReadFile(filepath.Join(c.state, "jails"))
	running := strings.Fields(string(jails))
	for _, e := range ents {
		stem, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() {
			t.Errorf("run %d (%s): %s left in the state directory (only records outlive a run)", n, line, e.Name())
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		var r record.Record
		if err == nil {
			err = json.Unmarshal(data, &r)
		}
		switch {
		case err != nil:
			t.Errorf("run %d (%s): record %s: %v", n, line, e.Name(), err)
		case state.Key(r.Jail) != stem:
			t.Errorf("run %d (%s): record %s names jail %q", n, line, e.Name(), r.Jail)
		case r.JID != 0 && !slices.Contains(running, strconv.Itoa(r.JID)):
			t.Errorf("run %d (%s): record %s names jid %d, which does not run", n, line, e.Name(), r.JID)
		case r.JID == 0 && len(r.Mounts)+len(r.Intents)+len(r.Aliases)+len(r.Created) == 0:
			t.Errorf("run %d (%s): record %s has nothing left to undo: %s", n, line, e.Name(), data)
		}
	}
}

// sortLines sorts the lines of s.
func sortLines(s string) string {
	if s == "" {
		return s
	}
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n") + "\n"
}

// sortStubBlocks sorts the lines of each "stub …:" block of a snapshot.
func sortStubBlocks(s string) string {
	var out, block []string
	flush := func() {
		sort.Strings(block)
		out = append(out, block...)
		block = nil
	}
	in := false
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if strings.HasPrefix(l, "stub ") {
			flush()
			out = append(out, l)
			in = strings.HasSuffix(l, ":")
			continue
		}
		if in {
			block = append(block, l)
		} else {
			out = append(out, l)
		}
	}
	flush()
	return strings.Join(out, "\n") + "\n"
}

func cfSetup(t *testing.T, c *caseEnv, name string) {
	text := cfReadOpt(t, name)
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "$WORK", c.work))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch f[0] {
		case "mkdir":
			cfMust(t, os.MkdirAll(f[1], 0o755))
		case "file":
			cfMust(t, os.MkdirAll(filepath.Dir(f[1]), 0o755))
			cfMust(t, os.WriteFile(f[1], []byte(strings.Join(f[2:], " ")+"\n"), 0o644))
		case "symlink":
			cfMust(t, os.MkdirAll(filepath.Dir(f[2]), 0o755))
			cfMust(t, os.Symlink(f[1], f[2]))
		case "idfile":
			cfMust(t, os.WriteFile(filepath.Join(c.root, "var/run/jail_"+f[1]+".id"), []byte(f[2]+"\n"), 0o600))
		case "running":
			cfAppend(t, filepath.Join(c.state, "jails"), f[1]+"\n")
			if len(f) > 2 {
				cfMust(t, os.MkdirAll(filepath.Join(c.state, "roots"), 0o755))
				cfMust(t, os.WriteFile(filepath.Join(c.state, "roots", f[1]), []byte(f[2]+"\n"), 0o644))
			}
		case "mounted":
			cfAppend(t, filepath.Join(c.state, "mounts"), f[1]+" "+f[2]+"\n")
		case "hostlink":
			// hostlink DIR TARGET: the -R root's DIR (var/run, var/log)
			// becomes a symlink to TARGET, as /var/run -> /run on systemd
			// Linux; an absolute TARGET is resolved inside the root.
			d := filepath.Join(c.root, f[1])
			cfMust(t, os.RemoveAll(d))
			cfMust(t, os.MkdirAll(filepath.Join(c.root, f[2]), 0o755))
			cfMust(t, os.Symlink(f[2], d))
		case "say":
			cfMust(t, os.WriteFile(filepath.Join(c.state, "say"), nil, 0o644))
		case "fail":
			cfMust(t, os.MkdirAll(filepath.Join(c.state, "fail"), 0o755))
			cfMust(t, os.WriteFile(filepath.Join(c.state, "fail", f[1]), []byte(strings.Join(f[2:], " ")), 0o644))
		case "sysctl":
			cfMust(t, os.MkdirAll(filepath.Join(c.state, "sysctl"), 0o755))
			cfMust(t, os.WriteFile(filepath.Join(c.state, "sysctl", f[1]), []byte(f[2]+"\n"), 0o644))
		default:
			t.Fatalf("%s: unknown setup directive %q", name, f[0])
		}
	}
}

func cfReadOpt(t *testing.T, name string) string {
	b, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return ""
	}
	cfMust(t, err)
	return string(b)
}

func cfAppend(t *testing.T, name, s string) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	cfMust(t, err)
	_, err = f.WriteString(s)
	cfMust(t, err)
	cfMust(t, f.Close())
}

// cfCopyTree copies a fixture tree, with $WORK in file contents replaced
// by the work dir (fstab lines name jail paths).
func cfCopyTree(t *testing.T, from, to, work string) {
	if _, err := os.Stat(from); os.IsNotExist(err) {
		return
	}
	err := filepath.WalkDir(from, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if e.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, bytes.ReplaceAll(data, []byte("$WORK"), []byte(work)), 0o644)
	})
	cfMust(t, err)
}

func cfMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sortedKeys is used by the notes check below.
func cfSortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestConformanceNotes: every case says what it checks and where it
// departs from the 8.x script.
func TestConformanceNotes(t *testing.T) {
	cases, _ := filepath.Glob("testdata/conformance/*/args")
	missing := map[string]bool{}
	for _, a := range cases {
		if _, err := os.Stat(filepath.Join(filepath.Dir(a), "NOTES.md")); err != nil {
			missing[filepath.Base(filepath.Dir(a))] = true
		}
	}
	if len(missing) > 0 {
		t.Errorf("cases without NOTES.md: %v", cfSortedKeys(missing))
	}
}

// cfArchive is the golden format: txtar-like sections "-- name --\n" and
// their data.
type cfArchive struct{ Files []cfFile }

type cfFile struct {
	Name string
	Data []byte
}

func (a *cfArchive) format() []byte {
	var b bytes.Buffer
	for _, f := range a.Files {
		fmt.Fprintf(&b, "-- %s --\n", f.Name)
		b.Write(f.Data)
		if len(f.Data) > 0 && f.Data[len(f.Data)-1] != '\n' {
			b.WriteString("\n-- (no final newline) --\n")
		}
	}
	return b.Bytes()
}

func cfParse(data []byte) *cfArchive {
	a := &cfArchive{}
	var cur *cfFile
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --\n") {
			name := strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --\n")
			if name == "(no final newline)" && cur != nil {
				cur.Data = bytes.TrimSuffix(cur.Data, []byte("\n"))
				continue
			}
			a.Files = append(a.Files, cfFile{Name: name})
			cur = &a.Files[len(a.Files)-1]
			continue
		}
		if cur != nil {
			cur.Data = append(cur.Data, line...)
		}
	}
	return a
}

// TestStubPropertyStartStop drives the real command backend against the
// stub kit with random skeleton configurations: start then stop leaves the
// stub mount table empty with every nullfs mount undone in exactly reverse
// order, and a mount_nullfs failure injected at any entry leaves nothing
// mounted and no id file.
func TestStubPropertyStartStop(t *testing.T) {
	pool := []string{"bin", "sbin", "lib", "usr", "usr/lib", "usr/share", "usr/local", "var/db", "opt", "opt/a"}
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 3))
		perm := r.Perm(len(pool))
		var ro, rw []string
		for _, i := range perm[:2+r.IntN(len(pool)-2)] {
			if r.IntN(3) == 0 {
				rw = append(rw, pool[i])
			} else {
				ro = append(ro, pool[i])
			}
		}
		devfs := r.IntN(2) == 0
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			work := t.TempDir()
			root := filepath.Join(work, "root")
			cfCopyTree(t, "testdata/conformance/_base", root, work)
			for _, d := range []string{"var/run", "var/log"} {
				cfMust(t, os.MkdirAll(filepath.Join(root, d), 0o755))
			}
			for _, e := range pool {
				cfMust(t, os.MkdirAll(filepath.Join(work, "skel", e), 0o755))
			}
			cfMust(t, os.MkdirAll(filepath.Join(work, "jails/www"), 0o755))
			rc := fmt.Sprintf(`jail_enable="YES"
jail_list="www"
jail_www_rootdir="%[1]s/jails/www"
jail_www_hostname="www.example.org"
jail_www_ip="em0|192.0.2.10"
jail_www_devfs_enable="%[2]v"
jail_www_skel_enable="YES"
jail_www_skel_root="%[1]s/skel"
jail_www_skel_romounts="%[3]s"
jail_www_skel_rwmounts="%[4]s"
`, work, map[bool]string{true: "YES", false: "NO"}[devfs], strings.Join(ro, " "), strings.Join(rw, " "))
			cfMust(t, os.WriteFile(filepath.Join(root, "etc/rc.conf"), []byte(rc), 0o644))
			state := filepath.Join(work, "state")
			t.Setenv("PATH", cfStubDir(t))
			t.Setenv("RCJAIL_STUBSTATE", state)
			trace := filepath.Join(work, "trace")
			t.Setenv("RCJAIL_TRACE", trace)
			do := func(verb string) (int, string) {
				var out, errb bytes.Buffer
				st := run(context.Background(), []string{"-R", root, "-b", "command", verb}, &out, &errb)
				return st, errb.String()
			}
			mounts := func() string { b, _ := os.ReadFile(filepath.Join(state, "mounts")); return string(b) }
			if st, e := do("start"); st != 0 {
				t.Fatalf("start: %d %s\n%s", st, e, rc)
			}
			if mounts() == "" {
				t.Fatalf("start mounted nothing")
			}
			if st, e := do("stop"); st != 0 {
				t.Fatalf("stop: %d %s", st, e)
			}
			if m := mounts(); m != "" {
				t.Errorf("left mounted after stop:\n%s", m)
			}
			var mo, um []string
			tr, _ := os.ReadFile(trace)
			for _, line := range strings.Split(string(tr), "\n") {
				f := strings.Split(line, "\t")
				switch {
				case f[0] == "mount_nullfs":
					mo = append(mo, f[len(f)-1])
				case f[0] == "umount" && !strings.Contains(f[len(f)-1], "/dev"):
					um = append(um, f[len(f)-1])
				}
			}
			slices.Reverse(mo)
			if !slices.Equal(mo, um) {
				t.Errorf("unmounts %v are not the reverse of the mounts", um)
			}
			// Fail each nullfs mount in turn: nothing stays behind.
			for _, target := range mo {
				cfMust(t, os.MkdirAll(filepath.Join(state, "fail"), 0o755))
				cfMust(t, os.WriteFile(filepath.Join(state, "fail/mount_nullfs"), []byte(target), 0o644))
				if st, e := do("start"); st != 1 || !strings.Contains(e, "failing on demand") {
					t.Errorf("start failing at %s: %d %s", target, st, e)
				}
				if m := mounts(); m != "" {
					t.Errorf("failure at %s left mounted:\n%s", target, m)
				}
				if _, err := os.Stat(filepath.Join(root, "var/run/jail_www.id")); err == nil {
					t.Errorf("failure at %s left an id file", target)
				}
			}
		})
	}
}

// cfNoMkdir drops the dry run's "mkdir -m 0755 DIR" lines.
func cfNoMkdir(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "mkdir -m 0755 ") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// cfQuery matches the query commands -n prints but does not run.
var cfQuery = regexp.MustCompile(`^(sysctl -n |jls( |$)|df |mount -p$)`)

// cfEffects drops the query lines: what is left changes state.
func cfEffects(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if !cfQuery.MatchString(strings.TrimSuffix(l, "\n")) {
			b.WriteString(l)
		}
	}
	return b.String()
}

// cfSkipDry says whether nodryrun (its text, see TestConformance) exempts
// run n from the -n comparison.
func cfSkipDry(text string, n int) bool {
	if text == "" {
		return false
	}
	perRun := false
	for _, l := range strings.Split(text, "\n") {
		num, _, ok := strings.Cut(l, ":")
		if !ok || strings.Trim(num, "0123456789") != "" || num == "" {
			continue
		}
		perRun = true
		if num == fmt.Sprint(n) {
			return true
		}
	}
	return !perRun
}
