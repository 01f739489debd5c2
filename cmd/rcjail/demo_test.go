//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rcjail/mount/mounttest"
)

// demoRun runs testdata/demo/run.sh with this test binary as rcjail (TestMain
// makes it one when it is invoked under that name) and the extra environment.
func demoRun(t *testing.T, env ...string) (string, error) {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	bin := testBinAs(t, "rcjail")
	script, err := filepath.Abs("../../testdata/demo/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sh, script)
	cmd.Env = append(append(os.Environ(), "RCJAIL="+bin), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Without root (forced here) the demo prints both plans and changes nothing.
func TestDemoPlanOnly(t *testing.T) {
	out, err := demoRun(t, "RCJAIL_DEMO_PLAN=1")
	if err != nil {
		t.Fatalf("run.sh: %v\n%s", err, out)
	}
	_, nullfsPart, ok := strings.Cut(out, "== nullfs mode")
	if !ok {
		t.Fatalf("no nullfs section:\n%s", out)
	}
	nullfsPart, symlinkPart, ok := strings.Cut(nullfsPart, "== symlink mode")
	if !ok {
		t.Fatalf("no symlink section:\n%s", out)
	}
	wantNullfs := 5 // usr/bin usr/sbin usr/lib usr/libexec usr/share
	if _, err := os.Stat("/usr/lib64"); err == nil {
		wantNullfs++
	}
	if n := strings.Count(nullfsPart, "\nmount_nullfs -o ro /usr/"); n != wantNullfs {
		t.Errorf("nullfs plan: %d read-only mounts, want %d:\n%s", n, wantNullfs, nullfsPart)
	}
	if n := strings.Count(symlinkPart, "\nmount_nullfs -o ro "); n != 1 {
		t.Errorf("symlink plan: %d mounts, want 1:\n%s", n, symlinkPart)
	}
	for _, want := range []string{
		"/skeltest/bin\n", // ln -s usr/bin …/skeltest/bin
		"ln -s usr/bin ",
		"jail -l -U root -i ",
		"skeltest.example.org",
		"make distribution DESTDIR=",
	} {
		if !strings.Contains(symlinkPart, want) {
			t.Errorf("symlink plan lacks %q:\n%s", want, symlinkPart)
		}
	}
	if !strings.Contains(out, "run as root on Linux: sudo make demo") {
		t.Errorf("no hint how to run it for real:\n%s", out)
	}
	if m, _ := filepath.Glob("/tmp/rcjail-demo.*"); len(m) != 0 {
		t.Logf("note: leftover demo directories (maybe from another run): %v", m)
	}
}

// demoCounts matches a row of the demo's mount count table.
var demoCounts = regexp.MustCompile(`(?m)^(nullfs|symlink)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)$`)

// The demo itself, as root: it makes its own private namespace; running it
// inside the test's namespace as well proves the host's mount table is
// untouched (InNamespace compares it before and after).
func TestDemo(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	out, err := demoRun(t)
	if err != nil {
		t.Fatalf("run.sh: %v\n%s", err, out)
	}
	t.Logf("demo output:\n%s", out)
	for _, mode := range []string{"nullfs", "symlink"} {
		_, part, ok := strings.Cut(out, "==== "+mode+" mode ====")
		if !ok {
			t.Fatalf("no %s section", mode)
		}
		part, _, _ = strings.Cut(part, "==== ")
		for _, want := range []string{
			"$ rcjail prepare skeltest\n",
			"Starting jails: skeltest.example.org.\n",
			"$ (in the jail) hostname\nskeltest.example.org\n",
			"Read-only file system",
			"Stopping jails: skeltest.example.org.\n",
			"mount table after stop: identical to before start",
		} {
			if !strings.Contains(part, want) {
				t.Errorf("%s: output lacks %q", mode, want)
			}
		}
		// ls / inside the jail shows the jail root, not the host's.
		if !strings.Contains(part, "$ (in the jail) ls /\n") || strings.Contains(part, "\nold_root\n") {
			t.Errorf("%s: ls / does not look like the jail root", mode)
		}
	}
	rows := demoCounts.FindAllStringSubmatch(out, -1)
	if len(rows) != 2 {
		t.Fatalf("want 2 rows of mount counts, got %q", rows)
	}
	jailMounts := map[string]int{}
	for _, r := range rows {
		before, _ := strconv.Atoi(r[2])
		running, _ := strconv.Atoi(r[3])
		after, _ := strconv.Atoi(r[4])
		jm, _ := strconv.Atoi(r[5])
		jailMounts[r[1]] = jm
		if before != after || r[6] != "yes" || running <= before || jm == 0 {
			t.Errorf("%s: before %d, running %d, after %d, jail mounts %d, identical %s", r[1], before, running, after, jm, r[6])
		}
	}
	if jailMounts["symlink"] >= jailMounts["nullfs"] {
		t.Errorf("symlink mode uses %d mounts, nullfs mode %d: want fewer", jailMounts["symlink"], jailMounts["nullfs"])
	}
}
