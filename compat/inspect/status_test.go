//go:build linux

package inspect

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"rcjail/compat"
	"rcjail/compat/state"
)

// fakeHost answers JailRunning from its table of jid -> root, and logs
// every question.
type fakeHost struct {
	running map[string]string
	err     error
	asked   []string
}

func (h *fakeHost) JailRunning(_ context.Context, jid, root string) (bool, error) {
	h.asked = append(h.asked, jid+" "+root)
	if h.err != nil {
		return false, h.err
	}
	r, ok := h.running[jid]
	return ok && r == root, nil
}

func (h *fakeHost) JailsAt(_ context.Context, root string) ([]string, error) {
	h.asked = append(h.asked, "at "+root)
	var out []string
	for jid, r := range h.running {
		if r == root {
			out = append(out, jid)
		}
	}
	slices.Sort(out)
	return out, nil
}

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
	h := &fakeHost{}
	all, err := Status(context.Background(), h, root, cfg, nil)
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

// statusWorld is a -R root with a www jail configured and its id
// file holding idText ("" for none).
func statusWorld(t *testing.T, idText string) (root, jroot string, cfg *compat.Config) {
	t.Helper()
	root = t.TempDir()
	jroot = filepath.Join(t.TempDir(), "www")
	for _, d := range []string{filepath.Join(jroot, "dev"), filepath.Join(root, "var/run")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := compat.NewConfig(mapVars{
		"jail_enable": "YES", "jail_list": "www",
		"jail_www_rootdir": jroot, "jail_www_hostname": "www.example.org",
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if idText != "" {
		if err := os.WriteFile(state.HostPath(root, state.IDFile("www")), []byte(idText), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, jroot, cfg
}

// TestStatusAsksTheHost: whether a jail runs is the host's answer, asked
// with the jid of the id file and the configured root: the same id file
// reads running when the host says so and stale when it does not; a
// failing host is an error of that jail, never "running".
func TestStatusAsksTheHost(t *testing.T) {
	ctx := context.Background()
	root, jroot, cfg := statusWorld(t, "4242\n")
	h := &fakeHost{running: map[string]string{"4242": jroot}}
	all, err := Status(ctx, h, root, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	www := all[0]
	if !www.Running || www.JID != 4242 || len(www.Leftovers) != 0 || len(www.Errors) != 0 {
		t.Errorf("host says 4242 runs in %s: status = %+v, want running as jid 4242", jroot, www)
	}
	if !slices.Equal(h.asked, []string{"4242 " + jroot}) {
		t.Errorf("host asked %q, want the id file's jid with the configured root", h.asked)
	}
	// The same jid under another root: not this jail.
	h = &fakeHost{running: map[string]string{"4242": "/elsewhere"}}
	all, _ = Status(ctx, h, root, cfg, nil)
	if www := all[0]; www.Running || len(www.Leftovers) != 1 || !strings.Contains(www.Leftovers[0], "names jid 4242, which is not running") {
		t.Errorf("host says 4242 runs elsewhere: status = %+v, want stale", www)
	}
	h = &fakeHost{err: errors.New("jls: not found")}
	all, _ = Status(ctx, h, root, cfg, nil)
	if www := all[0]; www.Running || len(www.Errors) != 1 || !strings.Contains(www.Errors[0], "check jid 4242: jls: not found") {
		t.Errorf("failing host: status = %+v, want not running with the error", www)
	}
}

// TestStatusRecordAsksTheHost: with no id file, the jid of the jail's
// record counts only when the host says it runs in the recorded root.
func TestStatusRecordAsksTheHost(t *testing.T) {
	ctx := context.Background()
	root, jroot, cfg := statusWorld(t, "")
	dir := filepath.Join(root, state.DirPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	rec := `{"jail":"www","root":"` + jroot + `","jid":77,"state":"running"}`
	if err := os.WriteFile(filepath.Join(dir, state.RecordName("www")), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{running: map[string]string{"77": jroot}}
	all, err := Status(ctx, h, root, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if www := all[0]; !www.Running || www.JID != 77 || len(www.Leftovers) != 1 || www.Leftovers[0] != "no id file names jid 77; its record does" {
		t.Errorf("record names 77, host says it runs: status = %+v", www)
	}
	h = &fakeHost{}
	all, _ = Status(ctx, h, root, cfg, nil)
	if www := all[0]; www.Running || !slices.Equal(h.asked, []string{"77 " + jroot}) {
		t.Errorf("record names 77, host says no: status = %+v, asked %q", www, h.asked)
	}
}

// TestStatusCreatingRecord: a record left "creating" (a start killed
// between creating the jail and journaling its jid) names no jid; the jail
// the host finds in the recorded root is the jail, running.
func TestStatusCreatingRecord(t *testing.T) {
	ctx := context.Background()
	root, jroot, cfg := statusWorld(t, "")
	dir := filepath.Join(root, state.DirPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	rec := `{"jail":"www","root":"` + jroot + `","state":"creating"}`
	if err := os.WriteFile(filepath.Join(dir, state.RecordName("www")), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	h := &fakeHost{running: map[string]string{"31": jroot, "32": "/other"}}
	all, err := Status(ctx, h, root, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if www := all[0]; !www.Running || www.JID != 31 || len(www.Leftovers) != 1 || www.Leftovers[0] != "no id file names jid 31; its record does" {
		t.Errorf("creating record, host finds 31 in the root: status = %+v", www)
	}
	h = &fakeHost{running: map[string]string{"32": "/other"}}
	all, _ = Status(ctx, h, root, cfg, nil)
	if www := all[0]; www.Running || !slices.Equal(h.asked, []string{"at " + jroot}) {
		t.Errorf("creating record, no jail in the root: status = %+v, asked %q", www, h.asked)
	}
}
