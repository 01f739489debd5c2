package native

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/compat"
	"rcjail/compat/record"
	"rcjail/compat/state"
	"rcjail/mount/mounttest"
)

// TestStopResolvesIntents: a start killed between a mount's intent and its
// confirmation leaves "maybe mounted" entries. The stop looks each up in
// the mount table by target, type and source under the jail root only:
// the mount that is there is unmounted, an intent with nothing there is
// dropped, and a different mount at an intent's target, or an intent whose
// target lies outside the jail root, is left alone. The record then goes.
func TestStopResolvesIntents(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	e := newEnv(t)
	outside := t.TempDir()
	for _, d := range []string{"usr", "bin", "opt"} {
		if err := os.MkdirAll(filepath.Join(e.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	usr, opt := filepath.Join(e.root, "usr"), filepath.Join(e.root, "opt")
	// The crash fell after usr's mount system call: it is there.
	if err := unix.Mount("/usr", usr, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	// An admin's tmpfs where an intent says nullfs of /usr.
	if err := unix.Mount("tmpfs", opt, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	// A tampered intent naming a host mount outside the root.
	if err := unix.Mount("/usr", outside, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range []string{usr, opt, outside} {
			unix.Unmount(p, unix.MNT_DETACH)
		}
	})
	var b []byte
	for _, ev := range []record.Event{
		{Ev: "begin", Root: e.root},
		{Ev: "mounting", M: &record.Mount{FSType: "nullfs", Source: "/usr", Root: e.root, Rel: "usr", ReadOnly: true}},
		{Ev: "mounting", M: &record.Mount{FSType: "nullfs", Source: "/bin", Root: e.root, Rel: "bin", ReadOnly: true}},
		{Ev: "mounting", M: &record.Mount{FSType: "nullfs", Source: "/usr", Root: e.root, Rel: "opt"}},
		{Ev: "mounting", M: &record.Mount{FSType: "nullfs", Source: "/usr", Root: filepath.Dir(outside), Rel: filepath.Base(outside)}},
	} {
		b = ev.AppendJSON(b)
	}
	dir, err := openStateDir(e.state)
	if err != nil {
		t.Fatal(err)
	}
	err = os.WriteFile(filepath.Join(dir.Name(), state.JournalName("in")), b, 0o600)
	dir.Close()
	if err != nil {
		t.Fatal(err)
	}
	// A stop of "in", which the configuration no longer names: the
	// engine works from the record alone.
	var out strings.Builder
	x, err := New(Options{Root: e.state, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	r := &compat.Runner{Config: config(), X: x, Stdout: &out, Stderr: &out, Name: "rcjail", Rec: e.records()}
	if st := r.Run(context.Background(), "onestop", []string{"in"}); st != 0 {
		t.Errorf("stop: exit %d\n%s", st, out.String())
	}
	if err := x.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := r.Rec.Close(); err != nil {
		t.Errorf("close records: %v", err)
	}
	got := mountsUnder(t, e.root)
	if slices.Contains(got, usr) {
		t.Errorf("the intent's mount at %s is still there", usr)
	}
	if !slices.Contains(got, opt) {
		t.Errorf("the admin's tmpfs at %s was unmounted", opt)
	}
	if !slices.Contains(mountsUnder(t, outside), outside) {
		t.Errorf("the host mount %s outside the jail root was unmounted", outside)
	}
	if !strings.Contains(out.String(), "not below the jail root") {
		t.Errorf("the intent outside the root is not reported:\n%s", out.String())
	}
	if left, err := record.Jails(e.state); err != nil || len(left) != 0 {
		t.Errorf("record left after a clean stop: %q %v\n%s", left, err, out.String())
	}
}
