//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"

	"rcjail/mount/mounttest"
)

// TestNativeStartFailureLinuxMessage (issue 14): a native Linux start that
// fails (here: the jail root has no /bin/sh for the default start command)
// prints the Linux jail's own message, never the FreeBSD `jail -l -U root
// -i …` command line that no one ran, and leaves no id file.
func TestNativeStartFailureLinuxMessage(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	work := t.TempDir()
	e := &skelModeEnv{work: work, root: filepath.Join(work, "root"), jail: filepath.Join(work, "jails", "x")}
	for _, d := range []string{"root/etc", "root/var/run", "root/var/log", "jails/x"} {
		cfMust(t, os.MkdirAll(filepath.Join(work, d), 0o755))
	}
	cfCopyTree(t, "testdata/conformance/_base", e.root, work)
	rc := "jail_enable=\"YES\"\njail_list=\"x\"\njail_x_rootdir=\"" + e.jail + "\"\njail_x_hostname=\"x.example.org\"\n"
	cfMust(t, os.WriteFile(filepath.Join(e.root, "etc/rc.conf"), []byte(rc), 0o644))
	st, out, errs := e.rcjail(t, "-b", "native", "start", "x")
	want := `rcjail: ERROR: start jail x: start jail in "` + e.jail + `": jail start command "/bin/sh /etc/rc": no such file or directory` + "\n"
	if st != 1 || errs != want || out != "Configuring jails:.\nStarting jails: cannot start jail \"x\": \n.\n" {
		t.Errorf("status %d\nstdout %q\nstderr %q\nwant   %q", st, out, errs, want)
	}
	if _, err := os.Stat(filepath.Join(e.root, "var/run/jail_x.id")); err == nil {
		t.Error("id file written for a jail that did not start")
	}
}
