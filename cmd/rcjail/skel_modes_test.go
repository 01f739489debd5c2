//go:build linux || freebsd

package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rcjail/compat"
)

// Each skeleton mode through the three execution paths (issue 5): the plan
// (-n), the command backend against the stub kit (-b command), and the
// native backend for real (skel_modes_native_test.go). The same jail is
// prepared with `rcjail prepare`, started and stopped; each path must mount
// one nullfs per entry in nullfs mode and one (plus the rw entries) in
// symlink mode, and stop must leave nothing mounted.

var skelModeRO = strings.Fields("bin sbin lib libexec usr/bin usr/sbin usr/include usr/lib usr/libdata usr/libexec usr/share")

// skelModeEnv is a -R root with an rc.conf for one skeleton jail, a
// synthetic skeleton holding the default entries, and the stub kit's state.
type skelModeEnv struct {
	work, root, skel, jail, state string
}

func newSkelModeEnv(t *testing.T, mode string) *skelModeEnv {
	t.Helper()
	work := t.TempDir()
	e := &skelModeEnv{work: work, root: filepath.Join(work, "root"), skel: filepath.Join(work, "skel"),
		jail: filepath.Join(work, "jails", "skeltest"), state: filepath.Join(work, "stubstate")}
	for _, d := range append([]string{"root/etc", "root/var/run", "root/var/log", "stubstate", "skel/usr/ports", "jails"}, skelPrefixAll("skel/", skelModeRO)...) {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rc := "jail_enable=\"YES\"\njail_list=\"skeltest\"\n" +
		"jail_skeltest_rootdir=\"" + e.jail + "\"\n" +
		"jail_skeltest_hostname=\"skeltest.example.org\"\n" +
		"jail_skeltest_skel_enable=\"YES\"\n" +
		"jail_skeltest_skel_root=\"" + e.skel + "\"\n" +
		"jail_skeltest_skel_rwmounts=\"usr/ports\"\n" +
		"jail_skeltest_skel_mode=\"" + mode + "\"\n"
	if err := os.WriteFile(filepath.Join(e.root, "etc", "rc.conf"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

func skelPrefixAll(p string, l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = p + s
	}
	return out
}

// rcjail runs one rcjail invocation in-process under -R root.
func (e *skelModeEnv) rcjail(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	st := run(context.Background(), append([]string{"-R", e.root}, args...), &out, &errb)
	return st, out.String(), errb.String()
}

// stubs puts the stub kit first on PATH and returns the trace file's path.
func (e *skelModeEnv) stubs(t *testing.T, name string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for the stub kit")
	}
	d, err := filepath.Abs("../../testdata/stubs/bin")
	if err != nil {
		t.Fatal(err)
	}
	trace := filepath.Join(e.work, name)
	t.Setenv("PATH", d+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("RCJAIL_STUBSTATE", e.state)
	t.Setenv("RCJAIL_TRACE", trace)
	return trace
}

// skelreadTrace renders the stub trace as the sh commands -n prints.
func skelReadTrace(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		out = append(out, compat.QuoteArgv(strings.Split(sc.Text(), "\t")))
	}
	return out
}

// stubMounts is the stub kit's mount table: "FSTYPE TARGET" lines.
func (e *skelModeEnv) stubMounts(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.state, "mounts"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", " "))
}

func skelLinesWith(lines []string, prefix string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// skelModeMounts is what each mode must mount, as the command backend's
// commands, in order.
func (e *skelModeEnv) wantMounts(mode string) []string {
	var out []string
	if mode == "symlink" {
		out = append(out, "mount_nullfs -o ro "+e.skel+" "+e.jail+"/basejail")
	} else {
		for _, r := range skelModeRO {
			out = append(out, "mount_nullfs -o ro "+e.skel+"/"+r+" "+e.jail+"/"+r)
		}
	}
	return append(out, "mount_nullfs "+e.skel+"/usr/ports "+e.jail+"/usr/ports")
}

func TestSkelModesPlanAndCommandBackend(t *testing.T) {
	for _, mode := range []string{"nullfs", "symlink"} {
		t.Run(mode, func(t *testing.T) {
			e := newSkelModeEnv(t, mode)
			if st, out, errs := e.rcjail(t, "prepare", "skeltest"); st != 0 {
				t.Fatalf("prepare: %d\n%s%s", st, out, errs)
			}
			want := e.wantMounts(mode)

			// -n: the plan, and nothing done.
			dryTrace := e.stubs(t, "trace.dry")
			st, plan, errs := e.rcjail(t, "-b", "command", "-n", "start", "skeltest")
			if st != 0 {
				t.Fatalf("-n start: status %d\n%s", st, errs)
			}
			// The mount points start creates are in the plan (mkdir -m
			// 0755), not in the trace: the backend makes them itself.
			planLines := strings.Split(strings.TrimSpace(cfNoMkdir(plan)), "\n")
			if got := skelLinesWith(planLines, "mount_nullfs"); !skelEqual(got, want) {
				t.Errorf("-n start mounts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if tr := skelReadTrace(t, dryTrace); len(skelLinesWith(tr, "mount")) != 0 || len(skelLinesWith(tr, "jail")) != 0 {
				t.Errorf("-n ran effects: %q", tr)
			}
			if m := e.stubMounts(t); len(m) != 0 {
				t.Errorf("-n mounted: %q", m)
			}

			// -b command: the same commands, really run (by the stubs).
			trace := e.stubs(t, "trace.start")
			st, out, errs := e.rcjail(t, "-b", "command", "start", "skeltest")
			if st != 0 || !strings.HasSuffix(out, "Starting jails: skeltest.example.org.\n") {
				t.Fatalf("start: status %d, stdout %q\n%s", st, out, errs)
			}
			tr := skelReadTrace(t, trace)
			if got := skelLinesWith(tr, "mount_nullfs"); !skelEqual(got, want) {
				t.Errorf("start ran mounts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if !skelEqual(tr, planLines) {
				t.Errorf("the run differs from the plan:\nran:\n%s\nplan:\n%s", strings.Join(tr, "\n"), plan)
			}
			if got := len(e.stubMounts(t)) / 2; got != len(want) {
				t.Errorf("%d mounts after start, want %d", got, len(want))
			}

			trace = e.stubs(t, "trace.stop")
			st, out, errs = e.rcjail(t, "-b", "command", "stop", "skeltest")
			if st != 0 || !strings.HasSuffix(out, "Stopping jails: skeltest.example.org.\n") {
				t.Fatalf("stop: status %d, stdout %q\n%s", st, out, errs)
			}
			umounts := skelLinesWith(skelReadTrace(t, trace), "umount")
			if len(umounts) != len(want) {
				t.Errorf("stop unmounted %d, want %d: %q", len(umounts), len(want), umounts)
			}
			if m := e.stubMounts(t); len(m) != 0 {
				t.Errorf("left mounted after stop: %q", m)
			}
		})
	}
}

// Symlink mode: start verifies the links without following them and refuses
// a jail whose link points elsewhere, on every path, mounting nothing.
func TestSkelModesSymlinkWrongLinkRefused(t *testing.T) {
	e := newSkelModeEnv(t, "symlink")
	if st, out, errs := e.rcjail(t, "prepare", "skeltest"); st != 0 {
		t.Fatalf("prepare: %d\n%s%s", st, out, errs)
	}
	link := filepath.Join(e.jail, "usr", "lib")
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/usr/lib", link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-b", "command", "-n", "start", "skeltest"}, {"-b", "command", "start", "skeltest"}} {
		e.stubs(t, "trace")
		st, out, errs := e.rcjail(t, args...)
		dry := args[2] == "-n"
		if st != 1 || (!dry && !strings.Contains(out, `cannot start jail "skeltest"`)) || !strings.Contains(errs, link) || !strings.Contains(errs, "../basejail/usr/lib") {
			t.Errorf("%q: status %d, stdout %q, stderr %q", args, st, out, errs)
		}
		if m := e.stubMounts(t); len(m) != 0 {
			t.Errorf("%q: mounted %q", args, m)
		}
	}
}

func skelEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
