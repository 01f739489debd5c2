package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rcjail/mount/mounttest"
)

// TestNativeStartLinuxLimits (issue 14): on Linux, a native start of a jail
// whose host name is over HOST_NAME_MAX is refused before anything is done,
// with check's message (the variable, the length, the limit), not a
// FreeBSD jail(8) command line. Same under -n.
func TestNativeStartLinuxLimits(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	jails := t.TempDir()
	for _, d := range []string{"long/dev"} {
		cfMust(t, os.MkdirAll(filepath.Join(jails, d), 0o755))
	}
	long := strings.Repeat("h", 65)
	root := checkRoot(t, `jail_enable="YES"
jail_list="long"
jail_long_rootdir="`+jails+`/long"
jail_long_hostname="`+long+`"
jail_long_exec_start="/bin/sh -c true"
`)
	for _, d := range []string{"var/run", "var/log"} {
		cfMust(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	want := "rcjail: ERROR: jail long: jail_long_hostname is 65 bytes; Linux allows a host name of at most 64 (HOST_NAME_MAX): sethostname(2) would refuse it\n"
	_, _, checkErr := runArgs("-R", root, "check", "long")
	if !strings.Contains(checkErr, want) {
		t.Fatalf("check does not say %q:\n%s", want, checkErr)
	}
	for _, dry := range []bool{true, false} {
		args := []string{"-R", root, "-b", "native"}
		if dry {
			args = append(args, "-n")
		}
		st, out, e := runArgs(append(args, "start")...)
		if st != 1 {
			t.Errorf("%v start: status %d, want 1", args, st)
		}
		if !strings.Contains(e, want) || strings.Contains(e, "jail -l") || strings.Count(e, "ERROR") != 1 {
			t.Errorf("%v start: stderr\n%s\nwant exactly\n%s", args, e, want)
		}
		if !dry && out != "Configuring jails:.\nStarting jails: cannot start jail \"long\": \n.\n" {
			t.Errorf("%v start: stdout %q", args, out)
		}
		if _, err := os.Stat(filepath.Join(root, "var/run/jail_long.id")); err == nil {
			t.Errorf("%v start: an id file for the refused jail", args)
		}
	}
}
