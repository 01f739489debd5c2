package native

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/compat"
	"rcjail/mount/mounttest"
)

// TestUnmountExpectPlantedSymlink (security.md: a jail's root user plants
// symlinks): the directory above a recorded mount is moved aside and
// replaced by a symlink to a host directory holding a mount at the same
// relative place. The record's cleanup, by identity or by intent, never
// unmounts the host's mount through it; once the symlink is gone the
// moved mount is found by its identity and unmounted where it is.
func TestUnmountExpectPlantedSymlink(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	base := mountinfo(t)
	e := newEnv(t)
	ctx := context.Background()
	var warn bytes.Buffer
	x := e.hostExecutor(&warn)
	id := e.bindAt(x, "sym", "usr/lib", "/usr/lib")
	host := t.TempDir()
	if err := os.Mkdir(host+"/lib", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("/usr/lib", host+"/lib", "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(host+"/lib", unix.MNT_DETACH)
	usr := filepath.Join(e.root, "usr")
	if err := os.Rename(usr, usr+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(host, usr); err != nil {
		t.Fatal(err)
	}
	intent := compat.MountID{Target: id.Target, FSType: compat.FSNullfs, Source: "/usr/lib", Root: e.root}
	for _, exp := range []*compat.MountID{&id, &intent} {
		err := x.Unmount(ctx, compat.Unmount{Jail: "sym", FSType: compat.FSNullfs, Target: id.Target, Root: e.root, Expect: exp})
		if err == nil {
			t.Errorf("Unmount (id %d) through a planted symlink succeeded", exp.ID)
		}
		if !slices.Contains(mountsUnder(t, host), host+"/lib") {
			t.Fatalf("Unmount (id %d) took the host's mount through the symlink (%v)", exp.ID, err)
		}
	}
	if _, ok := tableByID(t, id.ID); !ok {
		t.Fatalf("our mount %d went too early", id.ID)
	}
	if err := os.Remove(usr); err != nil {
		t.Fatal(err)
	}
	if err := x.Unmount(ctx, compat.Unmount{Jail: "sym", FSType: compat.FSNullfs, Target: id.Target, Root: e.root, Expect: &id}); err != nil {
		t.Fatalf("Unmount of the moved mount once the symlink is gone: %v", err)
	}
	if _, ok := tableByID(t, id.ID); ok || !strings.Contains(warn.String(), usr+".moved/lib") {
		t.Errorf("moved mount %d: still there %v, warning %q", id.ID, ok, warn.String())
	}
	if err := x.Unmount(ctx, compat.Unmount{Jail: "sym", FSType: compat.FSNullfs, Target: id.Target, Root: e.root, Expect: &id}); !errors.Is(err, compat.ErrNotMounted) {
		t.Errorf("second Unmount: %v, want ErrNotMounted", err)
	}
	unix.Unmount(host+"/lib", 0)
	if got := mountinfo(t); got != base {
		t.Errorf("mount table not back to the baseline:\n%s", got)
	}
}
