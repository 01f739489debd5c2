package native

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"rcjail/compat"
	"rcjail/compat/state"
	"rcjail/mount"
	"rcjail/mount/mounttest"
)

// TestKernelStepType: only proc and binds of a directory get a step's
// name on Linux; a tmpfs (the devfs stand-in, or the admin's) and a file
// system of its own keep the kernel's name, which no stop sweeps.
func TestKernelStepType(t *testing.T) {
	for _, tc := range []struct {
		goos string
		e    mount.Entry
		want string
	}{
		{"linux", mount.Entry{FSType: "proc", Root: "/"}, compat.FSProcfs},
		{"linux", mount.Entry{FSType: "ext4", Root: "/usr/lib"}, compat.FSNullfs},
		{"linux", mount.Entry{FSType: "tmpfs", Root: "/"}, "tmpfs"},
		{"linux", mount.Entry{FSType: "ext4", Root: "/"}, "ext4"},
		{"linux", mount.Entry{FSType: "zfs"}, "zfs"},
		{"freebsd", mount.Entry{FSType: "nullfs"}, compat.FSNullfs},
		{"freebsd", mount.Entry{FSType: "devfs"}, compat.FSDevfs},
	} {
		if got := kernelStepType(tc.goos, tc.e); got != tc.want {
			t.Errorf("kernelStepType(%s, %+v) = %q, want %q", tc.goos, tc.e, got, tc.want)
		}
	}
}

// TestKernelQueries: JailRoot, MountTable and JailsAt answer from the
// kernel for a running jail; JailsAt leaves out a jail an id file names.
// A stop that finds neither id file nor record stops the jail the kernel
// runs in the root (before the queries were part of every host, the
// native stop said "No jail id" and left it running).
func TestKernelQueries(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	base := mountinfo(t)
	e := newEnv(t)
	j := newJail("kq", e.root)
	if st, out := e.run("onestart", nil, j); st != 0 {
		t.Fatalf("start: %d\n%s", st, out)
	}
	idf := filepath.Join(e.state, "var/run/jail_kq.id")
	b, err := os.ReadFile(idf)
	if err != nil {
		t.Fatal(err)
	}
	jid := strings.TrimSpace(string(b))
	ctx := context.Background()
	x := e.executor(nil)
	if root, err := x.JailRoot(ctx, jid); err != nil || root != e.root {
		t.Errorf("JailRoot(%s) = %q, %v; want %s", jid, root, err, e.root)
	}
	if _, err := x.JailRoot(ctx, "999999"); err == nil {
		t.Errorf("JailRoot of no jail: no error")
	}
	tbl, err := x.MountTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, m := range tbl {
		if strings.HasPrefix(m.Target, e.root+"/") {
			types[strings.TrimPrefix(m.Target, e.root+"/")] = m.FSType
		}
	}
	if types["usr"] != compat.FSNullfs || types["dev"] != "tmpfs" {
		t.Errorf("MountTable under the root: %v; want usr nullfs, dev tmpfs", types)
	}
	if jids, err := x.JailsAt(ctx, e.root); err != nil || jids != nil {
		t.Errorf("JailsAt with the id file naming the jail = %v, %v; want none", jids, err)
	}
	if err := os.Remove(idf); err != nil {
		t.Fatal(err)
	}
	if jids, err := x.JailsAt(ctx, e.root); err != nil || !slices.Equal(jids, []string{jid}) {
		t.Errorf("JailsAt without the id file = %v, %v; want [%s]", jids, err, jid)
	}
	if jids, err := x.JailsAt(ctx, e.root+"x"); err != nil || jids != nil {
		t.Errorf("JailsAt of another root = %v, %v", jids, err)
	}
	x.Close()
	// The record lost too: the kernel alone knows the jail.
	for _, f := range []string{state.RecordName("kq"), state.JournalName("kq")} {
		os.Remove(filepath.Join(e.state, state.DirPath, f))
	}
	st, out := e.run("onestop", nil, j)
	if st != 0 || !strings.Contains(out, "no id file /var/run/jail_kq.id, but jail "+jid+" runs in "+e.root) {
		t.Errorf("stop without id file and record: %d\n%s", st, out)
	}
	waitNoProcs(t, e.root)
	if got := mountinfo(t); got != base {
		t.Errorf("mount table not back to the baseline:\n%s", got)
	}
}
