package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatusAsksTheBackend: status asks whether a jail runs through the
// backend's host: with the command backend, `jls -j JID` (the stub kit's,
// whose state says which jids run), so that the same id file reads
// running or stale by what jls answers, in the text and the JSON view and
// through the rc.d verb; nothing else runs. Under -n nothing runs.
func TestStatusAsksTheBackend(t *testing.T) {
	jails := t.TempDir()
	os.MkdirAll(filepath.Join(jails, "www"), 0o755)
	root := checkRoot(t, `jail_enable="YES"
jail_list="www"
jail_www_rootdir="`+jails+`/www"
jail_www_hostname="www.example.org"
rcjail_backend="command"
`)
	cfMust(t, os.MkdirAll(filepath.Join(root, "var/run"), 0o755))
	cfMust(t, os.WriteFile(filepath.Join(root, "var/run/jail_www.id"), []byte("7\n"), 0o644))
	bin, _ := filepath.Abs("../../testdata/stubs/bin")
	state := t.TempDir()
	trace := filepath.Join(state, "trace")
	t.Setenv("PATH", bin) // only the stubs: nothing real runs
	t.Setenv("RCJAIL_STUBSTATE", state)
	t.Setenv("RCJAIL_TRACE", trace)
	cfMust(t, os.WriteFile(filepath.Join(state, "jails"), []byte("7\n"), 0o644))
	running := "www: running, jid 7, host www.example.org, root " + jails + "/www, mounts 0/0\n"
	if st, out, e := runArgs("-R", root, "status", "www"); st != 0 || out != running {
		t.Errorf("status with jls saying 7 runs: %d %q %q", st, out, e)
	}
	if tr, _ := os.ReadFile(trace); string(tr) != "jls\t-j\t7\n" {
		t.Errorf("status ran:\n%s\nwant jls -j 7 alone", tr)
	}
	if st, out, e := runArgs("-R", root, "onestatus", "www"); st != 0 || out != running {
		t.Errorf("rc.d onestatus with jls saying 7 runs: %d %q %q", st, out, e)
	}
	st, out, _ := runArgs("-R", root, "status", "--json", "www")
	var v struct {
		Jails []struct {
			Running bool `json:"running"`
			JID     int  `json:"jid"`
		} `json:"jails"`
	}
	if err := json.Unmarshal([]byte(out), &v); st != 0 || err != nil || len(v.Jails) != 1 || !v.Jails[0].Running || v.Jails[0].JID != 7 {
		t.Errorf("status --json: %d %v %s", st, err, out)
	}
	// jls says 7 is gone: the same id file is stale.
	cfMust(t, os.WriteFile(filepath.Join(state, "jails"), nil, 0o644))
	st, out, e := runArgs("-R", root, "status", "www")
	if st != statusNotRunning || !strings.HasPrefix(out, "www: not running,") || !strings.Contains(out, "stale: id file /var/run/jail_www.id names jid 7, which is not running") {
		t.Errorf("status with jls saying 7 is gone: %d %q %q", st, out, e)
	}
	// -n asks no program: the dry run's host takes the id file's jid for
	// running, as -n stop does.
	before, _ := os.ReadFile(trace)
	if st, out, e := runArgs("-R", root, "-n", "status", "www"); st != 0 || out != running {
		t.Errorf("-n status: %d %q %q", st, out, e)
	}
	if after, _ := os.ReadFile(trace); string(after) != string(before) {
		t.Errorf("-n status ran programs:\n%s", after[len(before):])
	}
}
