//go:build linux

package inspect

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"rcjail/compat"
	"rcjail/compat/state"
)

// TestStatusStaleIDFile: an id file naming a live process that is not the
// jail (this test's own pid: its root is not the jail's) or holding no
// number leaves the jail not running and is reported as stale; the
// expected mounts are the configuration's, none present. State files are
// read under the -R root, the jail's paths as configured.
func TestStatusStaleIDFile(t *testing.T) {
	root := t.TempDir()
	jails := t.TempDir()
	for _, d := range []string{"www/dev", "db"} {
		if err := os.MkdirAll(filepath.Join(jails, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "var/run"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg, err := compat.NewConfig(mapVars{
		"jail_enable": "YES", "jail_list": "www db",
		"jail_www_rootdir": jails + "/www", "jail_www_hostname": "www.example.org", "jail_www_devfs_enable": "YES",
		"jail_db_rootdir": jails + "/db", "jail_db_hostname": "db.example.org",
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	write := func(j, s string) {
		t.Helper()
		if err := os.WriteFile(state.HostPath(root, state.IDFile(j)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("www", strconv.Itoa(os.Getpid())+"\n")
	write("db", "garbage\n")
	all, err := Status(root, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Name != "www" || all[1].Name != "db" {
		t.Fatalf("Status = %+v, want www and db in list order", all)
	}
	www, db := all[0], all[1]
	if www.Running || www.JID != 0 || len(www.Leftovers) != 1 || !strings.Contains(www.Leftovers[0], "names jid "+strconv.Itoa(os.Getpid())+", which is not running") {
		t.Errorf("www = %+v, want not running with a stale id file", www)
	}
	if www.Expected != 1 || www.Present != 0 || len(www.Mounts) != 1 || www.Mounts[0].Type != "devfs" || www.Mounts[0].Target != jails+"/www/dev" {
		t.Errorf("www mounts = %+v (%d/%d), want devfs on %s/www/dev, absent", www.Mounts, www.Present, www.Expected, jails)
	}
	if db.Running || len(db.Leftovers) != 1 || !strings.Contains(db.Leftovers[0], `holds "garbage", not a jid`) || db.Expected != 0 {
		t.Errorf("db = %+v, want not running, a garbage id file", db)
	}
}
