package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDryRunRunsNoProgram (issue 16 item 7): `-n` runs no program, with
// either backend, even where a real run would query (sysctl -n, jls -j of
// the id file's jid, df before an unmount): PATH holds only the stub kit,
// whose every call is logged, and the log stays empty. Both backends'
// plans are the same.
func TestDryRunRunsNoProgram(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for the stub kit")
	}
	work := t.TempDir()
	root := filepath.Join(work, "root")
	for _, d := range []string{"root/etc", "root/var/run", "jails/www", "jails/db", "state"} {
		cfMust(t, os.MkdirAll(filepath.Join(work, d), 0o755))
	}
	rc := `jail_enable="YES"
jail_list="www db"
jail_sysvipc_allow="YES"
jail_www_rootdir="` + work + `/jails/www"
jail_www_hostname="www.example.org"
jail_www_ip="192.0.2.10"
jail_www_devfs_enable="YES"
jail_db_rootdir="` + work + `/jails/db"
jail_db_hostname="db.example.org"
jail_db_ip="192.0.2.11"
jail_db_procfs_enable="YES"
`
	cfMust(t, os.WriteFile(filepath.Join(root, "etc/rc.conf"), []byte(rc), 0o644))
	// db runs (its id file names jid 5, and the stubs know it runs).
	cfMust(t, os.WriteFile(filepath.Join(root, "var/run/jail_db.id"), []byte("5\n"), 0o600))
	cfMust(t, os.WriteFile(filepath.Join(work, "state/jails"), []byte("5\n"), 0o644))
	trace := filepath.Join(work, "trace")
	t.Setenv("PATH", cfStubDir(t))
	t.Setenv("RCJAIL_STUBSTATE", filepath.Join(work, "state"))
	t.Setenv("RCJAIL_TRACE", trace)
	for _, verb := range []string{"start", "stop", "restart", "status"} {
		plans := map[string]string{}
		for _, b := range [][]string{{"-b", "command"}, {}} {
			var out, errb bytes.Buffer
			args := append(append([]string{"-R", root}, b...), "-n", verb)
			run(context.Background(), args, &out, &errb)
			if tr, err := os.ReadFile(trace); err == nil {
				t.Fatalf("rcjail %s ran programs:\n%s", strings.Join(args, " "), tr)
			}
			plans[strings.Join(b, " ")] = out.String() + errb.String()
		}
		if plans["-b command"] != plans[""] {
			t.Errorf("-n %s: the default backend's plan differs from -b command's:\n--- command\n%s--- default\n%s", verb, plans["-b command"], plans[""])
		}
		if verb != "status" && !strings.Contains(plans[""], "jls -j 5\n") {
			t.Errorf("-n %s does not show the query of db's jid:\n%s", verb, plans[""])
		}
	}
}
