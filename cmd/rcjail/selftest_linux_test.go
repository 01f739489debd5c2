//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"rcjail/cmd/rcjail/selftest"
	"rcjail/mount/mounttest"
)

// testBinAs links this test binary into a fresh directory under name, the
// name TestMain dispatches on (rcjail runs it as the command), and returns
// the link.
func testBinAs(t *testing.T, name string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), name)
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// hostUntouched checks what every selftest run must leave: the mount
// table as it was before the run, and no scratch directory.
func hostUntouched(t *testing.T, before string) {
	t.Helper()
	if after := readMountinfo(t); after != before {
		t.Errorf("mount table changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if _, err := os.Lstat(selftest.ScratchDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", selftest.ScratchDir, err)
	}
}

// selftestExec runs this test binary as rcjail under the name given (see
// TestMain: "rcjail", or a variant with a test-only hook set) and returns
// stdout, stderr and the exit status.
func selftestExec(t *testing.T, name string, args ...string) (string, string, int) {
	t.Helper()
	bin := testBinAs(t, name)
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	st := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("run %s: %v", name, err)
		}
		st = ee.ExitCode()
	}
	return out.String(), errb.String(), st
}

type selftestRow struct{ step, want, seen, ok string }

var cellSep = regexp.MustCompile(` {2,}`)

// selftestRows parses the table: columns are separated by two or more
// spaces (cells never hold two spaces in a row).
func selftestRows(t *testing.T, out string) []selftestRow {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "STEP ") {
		t.Fatalf("no table:\n%s", out)
	}
	var rows []selftestRow
	for _, l := range lines[1:] {
		f := cellSep.Split(strings.TrimSpace(l), -1)
		if len(f) != 4 {
			t.Fatalf("table row with %d cells: %q", len(f), l)
		}
		rows = append(rows, selftestRow{f[0], f[1], f[2], f[3]})
	}
	return rows
}

func readMountinfo(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Both backends for real: exit 0, every row ok, the rows that prove each
// part of the issue there, and the mount table of the namespace the test
// runs in (InNamespace checks the host's as well) unchanged.
func TestSelftest(t *testing.T) {
	for _, backend := range []string{"native", "command"} {
		t.Run(backend, func(t *testing.T) {
			if !mounttest.InNamespace(t) {
				return
			}
			before := readMountinfo(t)
			// Both spellings: -b before the verb and after it.
			args := []string{"-b", backend, "selftest"}
			if backend == "command" {
				args = []string{"selftest", "-b", backend}
			}
			out, errs, st := selftestExec(t, "rcjail", args...)
			if st != 0 {
				t.Fatalf("selftest -b %s: exit %d\n%s\n%s", backend, st, out, errs)
			}
			rows := selftestRows(t, out)
			got := map[string]selftestRow{}
			faults := map[string]int{}
			for _, r := range rows {
				if r.ok != "ok" {
					t.Errorf("row not ok: %+v", r)
				}
				got[r.step] = r
				for _, mode := range []string{"nullfs", "symlink"} {
					if strings.HasPrefix(r.step, mode+": fault ") {
						faults[mode]++
					}
				}
			}
			for _, want := range []string{
				"scratch tmpfs", "skeleton", "prepare (nullfs, symlink)", "start -b " + backend, "start: stdout",
				"nullfs: hostname (inside)", "nullfs: write /bin (inside)", "nullfs: write /tmp (inside)",
				"nullfs: /dev filtered (inside)", "nullfs: /proc (inside)", "nullfs: mounts (outside)",
				"symlink: hostname (inside)", "symlink: write /bin (inside)", "symlink: write /tmp (inside)",
				"symlink: /dev filtered (inside)", "symlink: /proc (inside)", "symlink: mounts (outside)",
				"stop", "mount table after stop", "nullfs: steps of a start", "symlink: steps of a start",
				"selftest in a private mount namespace", "cleanup", "host mount table (outside the namespace)",
			} {
				if _, ok := got[want]; !ok {
					t.Errorf("no row %q", want)
				}
			}
			if backend == "native" {
				// The native backend's own seam: failures inside a step.
				for _, want := range []string{"nullfs: native mount fault 1", "nullfs: native remount fault 1",
					"nullfs: native remount faults", "symlink: native remount faults"} {
					if _, ok := got[want]; !ok {
						t.Errorf("no row %q", want)
					}
				}
			}
			// The Linux jail's escape suite (package linuxjail) is part of
			// the table.
			escapes := 0
			for step := range got {
				if strings.HasPrefix(step, "escape: ") {
					escapes++
				}
			}
			if escapes < 10 {
				t.Errorf("%d escape rows, want the linuxjail suite (>= 10)", escapes)
			}
			// Issue 14: the probe, as start command and through jexec, is
			// in the jail's mount namespace, holds the jail's capabilities
			// on every thread, and sees the host's /dev nodes bound in.
			for _, pre := range []string{"escape: ", "escape: jexec: "} {
				for step, want := range map[string]string{
					"mount namespace is the jail's, not the host's":                          "jail",
					"every thread's CapEff, CapPrm, CapBnd = the jail's set, no_new_privs":   "jail-set",
					"/dev nodes are binds of the host's (null zero full random urandom tty)": "binds",
				} {
					if r, ok := got[pre+step]; !ok || r.seen != want {
						t.Errorf("row %q: %+v, want seen %q", pre+step, r, want)
					}
				}
			}
			if r := got["nullfs: write /bin (inside)"]; r.seen != "EROFS" {
				t.Errorf("write to /bin: %+v", r)
			}
			if r := got["nullfs: mounts (outside)"]; !strings.Contains(r.seen, "bin=bind:/skel/bin,ro") || !strings.Contains(r.seen, "proc=proc") {
				t.Errorf("nullfs mounts: %+v", r)
			}
			if r := got["symlink: mounts (outside)"]; !strings.Contains(r.seen, "basejail=bind:/skel,ro") {
				t.Errorf("symlink mounts: %+v", r)
			}
			// A start has about 17 effect steps; each must have been failed.
			for _, mode := range []string{"nullfs", "symlink"} {
				if faults[mode] < 10 {
					t.Errorf("%s: %d fault rows, want one per step (>= 10)", mode, faults[mode])
				}
			}
			hostUntouched(t, before)
		})
	}
}

// A backend whose rollback leaves a mount (the test-only BreakUndo hook:
// every unmount of a rollback is reported done and not done) makes
// selftest fail, naming the mount left; and still nothing reaches the host.
func TestSelftestBrokenBackend(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	before := readMountinfo(t)
	out, errs, st := selftestExec(t, "rcjail-selftest-broken", "-b", "native", "selftest")
	if st != 1 {
		t.Fatalf("selftest with a broken rollback: exit %d, want 1\n%s\n%s", st, out, errs)
	}
	failed := 0
	for _, r := range selftestRows(t, out) {
		if r.ok == "FAIL" && strings.Contains(r.step, ": fault ") && strings.Contains(r.seen, "mounts: +") {
			failed++
		}
		if r.step == "host mount table (outside the namespace)" && r.ok != "ok" {
			t.Errorf("host row: %+v", r)
		}
	}
	if failed == 0 {
		t.Errorf("no fault row failed for a mount left behind:\n%s", out)
	}
	hostUntouched(t, before)
}

// kill -9 of a run with both jails up: the jails outlive it (in their own
// namespaces), and the next run stops them and cleans the scratch directory
// before it passes.
func TestSelftestCleansKilledRun(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	before := readMountinfo(t)
	out, errs, st := selftestExec(t, "rcjail-selftest-crash", "-b", "native", "selftest")
	if st == 0 || out != "" {
		t.Fatalf("crashing run: exit %d, stdout %q\n%s", st, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(selftest.ScratchDir, "jids"))
	if err != nil || len(strings.Fields(string(b))) != 2 {
		t.Fatalf("the killed run left no record of its two jails: %q, %v", b, err)
	}
	out, errs, st = selftestExec(t, "rcjail", "-b", "native", "selftest")
	if st != 0 {
		t.Fatalf("second run: exit %d\n%s\n%s", st, out, errs)
	}
	rows := selftestRows(t, out)
	if r := rows[0]; r.step != "leftovers of an earlier run" || strings.Count(r.seen, "stopped jail") != 2 || !strings.Contains(r.seen, "removed world") {
		t.Errorf("leftovers row: %+v", r)
	}
	for _, j := range strings.Fields(string(b)) {
		if _, err := os.Stat("/proc/" + j); err == nil {
			if r, _ := os.Readlink("/proc/" + j + "/root"); strings.HasPrefix(r, selftest.ScratchDir) {
				t.Errorf("jail %s of the killed run still runs", j)
			}
		}
	}
	if after := readMountinfo(t); after != before {
		t.Errorf("mount table changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// A jail of the same name known to the host (an id file under -R) refuses
// the run before anything is created; no root needed.
func TestSelftestRefusesSameName(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "var/run"), 0o755); err != nil {
		t.Fatal(err)
	}
	id := filepath.Join(root, "var/run", "jail_"+selftest.JailSymlink+".id")
	if err := os.WriteFile(id, []byte("7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	st := run(context.Background(), []string{"-R", root, "selftest"}, &out, &errb)
	if st != 1 || !strings.Contains(errb.String(), "refused") || !strings.Contains(errb.String(), id) {
		t.Fatalf("exit %d, stderr %q", st, errb.String())
	}
	if _, err := os.Lstat(selftest.ScratchDir); err == nil && os.Geteuid() != 0 {
		t.Errorf("%s created by a refused run", selftest.ScratchDir)
	}
}

// SIGTERM to a run with its jails up (as a service manager or ^C would
// send): it stops, leaves no jail, no mount and no scratch directory.
func TestSelftestTerminated(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	before := readMountinfo(t)
	bin := testBinAs(t, "rcjail")
	cmd := exec.Command(bin, "-b", "command", "selftest")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the row that says the first jail runs.
	for i := 0; ; i++ {
		b, _ := os.ReadFile(filepath.Join(selftest.ScratchDir, "rows"))
		if bytes.Contains(b, []byte(`"step":"nullfs: running"`)) {
			break
		}
		if i == 3000 {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no jail started within 30 s:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("terminated run: %v, want exit 1\n%s", err, out.String())
	}
	hostUntouched(t, before)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && bytes.Contains(b, []byte(".selftest.invalid")) {
			t.Errorf("a selftest jail survived: pid %s: %q", e.Name(), b)
		}
	}
}

// A symlink planted at the scratch directory's path is refused, not
// followed: nothing is created or mounted through it.
func TestSelftestRefusesSymlinkedScratch(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	target := t.TempDir()
	if err := os.Symlink(target, selftest.ScratchDir); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(selftest.ScratchDir)
	out, errs, st := selftestExec(t, "rcjail", "-b", "native", "selftest")
	if st != 1 || !strings.Contains(errs, "not a directory owned by root") {
		t.Errorf("exit %d\n%s\n%s", st, out, errs)
	}
	if ents, _ := os.ReadDir(target); len(ents) != 0 {
		t.Errorf("selftest wrote through the symlink: %v", ents)
	}
}
