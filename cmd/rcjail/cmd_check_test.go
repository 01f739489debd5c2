package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkRoot writes a fixture root with the conformance defaults and the
// given rc.conf, and returns it.
func checkRoot(t *testing.T, rc string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	cfCopyTree(t, "testdata/conformance/_base", root, "")
	cfMust(t, os.WriteFile(filepath.Join(root, "etc/rc.conf"), []byte(rc), 0o644))
	return root
}

func runArgs(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	st := run(context.Background(), args, &out, &errb)
	return st, out.String(), errb.String()
}

func TestCheckReportsEveryErrorWithFileAndLine(t *testing.T) {
	jails := t.TempDir()
	cfMust(t, os.Mkdir(filepath.Join(jails, "www"), 0o755))
	root := checkRoot(t, `jail_enable="YES"
jail_list="www bad"
jail_www_rootdir="`+jails+`/www"
jail_www_hostname="www.example.org"
jail_bad_hostname="bad.example.org"
jail_bad_mount_enable="YES"
jail_bad_rootdir="/"
`)
	st, out, e := runArgs("-R", root, "check")
	if st != 1 {
		t.Errorf("status %d, want 1", st)
	}
	if out != "jail www: ok\njail bad: cannot start, 2 errors\n" {
		t.Errorf("stdout %q", out)
	}
	for _, want := range []string{
		`rcjail: ERROR: /etc/rc.conf:7: jail bad: jail_bad_rootdir="/"`,
		`jail bad: jail_bad_fstab="/etc/fstab.bad" (default)`,
	} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr lacks %q:\n%s", want, e)
		}
	}
	// Only the valid jail asked for: exit 0.
	st, out, e = runArgs("-R", root, "check", "www")
	if st != 0 || out != "jail www: ok\n" || strings.Contains(e, "ERROR") || strings.Contains(e, "WARNING") {
		t.Errorf("check www: %d %q %q", st, out, e)
	}
}

// TestCheckNotes: check prints, as NOTE lines on stderr, the notes show
// prints where the 8.x and the modern script differ (issue 15): the same
// texts, in the same order, per jail; they change neither the verdict nor
// the exit status, --strict or not, and --json carries them as "notes".
func TestCheckNotes(t *testing.T) {
	jails := t.TempDir()
	cfMust(t, os.Mkdir(filepath.Join(jails, "www"), 0o755))
	cfMust(t, os.Mkdir(filepath.Join(jails, "db"), 0o755))
	root := checkRoot(t, `jail_enable="YES"
jail_list="www db"
jail_www_rootdir="`+jails+`/www"
jail_www_hostname="www.example.org"
jail_www_mount_enable="YES"
jail_db_rootdir="`+jails+`/db"
jail_db_hostname="db.example.org"
jail_db_ip="192.0.2.11"
jail_db_exec_stop="/bin/sh /etc/rc.shutdown"
`)
	cfMust(t, os.WriteFile(filepath.Join(root, "etc/fstab.www"), nil, 0o644))
	_, showOut, _ := runArgs("-R", root, "show")
	var want []string
	jail := ""
	for _, l := range strings.Split(showOut, "\n") {
		if n, ok := strings.CutPrefix(l, "jail "); ok {
			jail = strings.TrimSuffix(n, ":")
		}
		if n, ok := strings.CutPrefix(strings.TrimSpace(l), "note: "); ok {
			want = append(want, "rcjail: NOTE: jail "+jail+": "+n)
		}
	}
	if len(want) != 3 {
		t.Fatalf("show printed %d notes, want 3 (www: no ip, mount_enable, exec_stop):\n%s", len(want), showOut)
	}
	for _, strict := range []bool{false, true} {
		args := []string{"-R", root, "check"}
		if strict {
			args = append(args, "--strict")
		}
		st, out, e := runArgs(args...)
		if st != 0 || out != "jail www: ok\njail db: ok\n" {
			t.Errorf("%v: status %d, stdout %q (notes must not change the verdict)", args, st, out)
		}
		got := strings.Split(strings.TrimSuffix(e, "\n"), "\n")
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%v: stderr\n%s\nwant\n%s", args, e, strings.Join(want, "\n"))
		}
	}
	_, out, _ := runArgs("-R", root, "check", "--json", "db")
	if !strings.Contains(out, `"notes": []`) {
		t.Errorf("check --json db: want an empty notes member:\n%s", out)
	}
	_, out, _ = runArgs("-R", root, "check", "--json", "www")
	if !strings.Contains(out, `"notes": [`+"\n"+`        "no jail_www_ip: `) {
		t.Errorf("check --json www: want the notes:\n%s", out)
	}
}

func TestBackendChoice(t *testing.T) {
	jails := t.TempDir()
	os.MkdirAll(filepath.Join(jails, "www"), 0o755)
	rc := `jail_enable="YES"
jail_list="www"
jail_www_rootdir="` + jails + `/www"
jail_www_hostname="www.example.org"
jail_www_ip="192.0.2.10"
`
	root := checkRoot(t, rc+`rcjail_backend="command"
`)
	os.MkdirAll(filepath.Join(root, "var/run"), 0o755)
	os.MkdirAll(filepath.Join(root, "var/log"), 0o755)
	bin, _ := filepath.Abs("../../testdata/stubs/bin")
	state := t.TempDir()
	t.Setenv("PATH", bin) // only the stubs: nothing real runs
	t.Setenv("RCJAIL_STUBSTATE", state)
	t.Setenv("RCJAIL_TRACE", filepath.Join(state, "trace"))
	// rc.conf's rcjail_backend="command" is used without -b: the stubs run.
	st, out, e := runArgs("-R", root, "start")
	if st != 0 || out != "Configuring jails:.\nStarting jails: www.example.org.\n" {
		t.Fatalf("start: %d %q %q", st, out, e)
	}
	tr, _ := os.ReadFile(filepath.Join(state, "trace"))
	if !strings.Contains(string(tr), "jail\t-l\t-U\troot\t-i\t") {
		t.Errorf("the command backend did not run jail(8):\n%s", tr)
	}
	if id, _ := os.ReadFile(filepath.Join(root, "var/run/jail_www.id")); string(id) != "7\n" {
		t.Errorf("id file %q", id)
	}
	// -n with the command backend: commands only on stdout, nothing changes.
	st, out, _ = runArgs("-R", root, "-n", "stop")
	if st != 0 || !strings.HasPrefix(out, "jls -j 7\nenv -i /usr/sbin/jexec 7 /bin/sh /etc/rc.shutdown\n") || strings.Contains(out, "Stopping") {
		t.Errorf("-n stop: %d\n%s", st, out)
	}
	if _, err := os.Stat(filepath.Join(root, "var/run/jail_www.id")); err != nil {
		t.Errorf("-n stop removed the id file: %v", err)
	}
}

// TestCheckWarnsFstabSymlink: a jail whose fstab has a mount point with a
// symlink on its path starts without any of that fstab's mounts (the 8.x
// script's jail_mount_fstab, conformance A01); check says so before a boot
// does, as a warning (the start is not refused).
func TestCheckWarnsFstabSymlink(t *testing.T) {
	dir := t.TempDir()
	cfMust(t, os.MkdirAll(filepath.Join(dir, "usr/home/jails/db/usr/ports"), 0o755))
	cfMust(t, os.Symlink("usr/home", filepath.Join(dir, "home")))
	root := checkRoot(t, `jail_enable="YES"
jail_list="db"
jail_db_rootdir="`+dir+`/home/jails/db"
jail_db_hostname="db.example.org"
jail_db_mount_enable="YES"
`)
	cfMust(t, os.WriteFile(filepath.Join(root, "etc/fstab.db"), []byte("/usr/ports "+dir+"/home/jails/db/usr/ports nullfs ro 0 0\n"), 0o644))
	st, out, e := runArgs("-R", root, "check")
	if st != 0 || out != "jail db: ok, 1 warning\n" {
		t.Errorf("check: status %d, stdout %q, want 0 and one warning", st, out)
	}
	if want := dir + "/home is a symlink: start mounts nothing from /etc/fstab.db"; !strings.Contains(e, want) {
		t.Errorf("stderr lacks %q:\n%s", want, e)
	}
}
