package compat

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// idFiles is a FileQuerier with id files only: the dry run may ask it
// nothing else.
type idFiles map[string]string

func (f idFiles) ReadIDFile(_ context.Context, p string) (string, bool, error) {
	jid, ok := f[p]
	return jid, ok, nil
}
func (f idFiles) IsSymlink(context.Context, string) (bool, error) { return false, nil }

// TestDryRunAnswersFromFiles: under -n the kernel's queries are printed and
// answered from files alone (issue 16 item 7): a jail runs when its id file
// names a jid, in its configured root, with its mounts mounted; the
// sysctls are at the values given (the boot values).
func TestDryRunAnswersFromFiles(t *testing.T) {
	j := plainJail("jail_www_rootdir=" + t.TempDir()) // start's root must exist (see StartJail)
	r := j.RootDir
	cfg := &Config{Enable: true, List: []string{"www"}, Jails: map[string]*Jail{"www": j},
		Sysctls: []SysctlKnob{{Label: "sysvipc_allow", MIB: "security.jail.sysvipc_allowed", Want: "1"}}}
	ctx := context.Background()

	// No id file: start plans the whole start, the sysctl set included
	// (its boot value differs from the wanted one).
	var w bytes.Buffer
	d := &DryRun{W: &w, Q: idFiles{}, Sysctls: BootSysctls, Roots: map[string]string{IDFile(j): j.RootDir}}
	if st, _, e := runVerb(t, cfg, d, "start"); st != 0 {
		t.Fatalf("start: %d %s", st, e)
	}
	for _, want := range []string{
		"sysctl -n security.jail.sysvipc_allowed\nsysctl 'security.jail.sysvipc_allowed=1'\n",
		"df -t devfs " + r + "/dev\n",
		"mount -t devfs dev " + r + "/dev\n",
		"jail -l -U root -i " + r + " ",
	} {
		if !strings.Contains(w.String(), want) {
			t.Errorf("start without id file lacks %q:\n%s", want, w.String())
		}
	}

	// An id file naming jid 5: the jail runs, start has nothing to do.
	w.Reset()
	d = &DryRun{W: &w, Q: idFiles{IDFile(j): "5"}, Sysctls: BootSysctls, Roots: map[string]string{IDFile(j): j.RootDir}}
	if st, out, e := runVerb(t, cfg, d, "start"); st != 0 || !strings.Contains(out, "already running") {
		t.Fatalf("start with id file: %d %q %s", st, out, e)
	}
	if strings.Contains(w.String(), "jail -l") || !strings.Contains(w.String(), "jls -j 5\n") {
		t.Errorf("start with id file plans:\n%s", w.String())
	}

	// Stop from that id file: jid 5 is killed, then its devfs unmounted
	// (a running jail has its mounts).
	w.Reset()
	d = &DryRun{W: &w, Q: idFiles{IDFile(j): "5"}, Sysctls: BootSysctls, Roots: map[string]string{IDFile(j): j.RootDir}}
	if st, _, e := runVerb(t, cfg, d, "stop"); st != 0 {
		t.Fatalf("stop: %d %s", st, e)
	}
	got := w.String()
	kill := strings.Index(got, "killall -j 5 -KILL\n")
	umount := strings.Index(got, "umount -f "+r+"/dev\n")
	if kill < 0 || umount < kill {
		t.Errorf("stop from the id file: want the kill, then the devfs umount:\n%s", got)
	}
	if ok, _ := d.Mounted(ctx, "/jails/other/dev", FSDevfs); ok {
		t.Errorf("a mount outside the stopped jail's root is taken as mounted")
	}
	if ok, _ := d.JailRunning(ctx, "6", ""); ok {
		t.Errorf("jid 6, named by no id file, is taken as running")
	}
}
