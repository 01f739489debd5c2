package native

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/compat"
	"rcjail/mount/mounttest"
)

// fdsUnder lists this process's open fds that name dir or something below
// it: what would keep a mount there busy.
func fdsUnder(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		l, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil && (l == dir || strings.HasPrefix(l, dir+"/")) {
			out = append(out, e.Name()+" -> "+l)
		}
	}
	return out
}

// uniqueIDs reports whether the kernel has never-reused mount ids
// (statx STATX_MNT_ID_UNIQUE, Linux 6.8+).
func uniqueIDs() bool {
	var stx unix.Statx_t
	err := unix.Statx(unix.AT_FDCWD, "/", 0, unix.STATX_MNT_ID_UNIQUE, &stx)
	return err == nil && stx.Mask&unix.STATX_MNT_ID_UNIQUE != 0
}

// TestNothingHeldOpenAndUniqueID: no directory of the jail is held open
// between its steps (package mount keeps nothing across calls), after the
// stop's mounts are done, or once the jail is released, so nothing of ours
// keeps a mount under the root busy; each mount is reported with its
// unique id (for the engine's record).
func TestNothingHeldOpenAndUniqueID(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	ctx := context.Background()
	e := newEnv(t)
	src := t.TempDir()
	ents := []string{"a", "b/c"}
	for _, d := range ents {
		if err := os.MkdirAll(filepath.Join(src, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	x := e.executor(nil)
	defer x.Close()
	var ids []compat.MountID
	for _, d := range ents {
		p := filepath.Join(e.root, d)
		if _, err := x.Mkdir(ctx, compat.Mkdir{Jail: "s", Root: e.root, Path: p}); err != nil {
			t.Fatal(err)
		}
		id, err := x.Mount(ctx, compat.Mount{Jail: "s", FSType: compat.FSNullfs, Source: filepath.Join(src, d), SourceRoot: src, Target: p, ReadOnly: true, Root: e.root})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id...)
	}
	if h := fdsUnder(t, e.root); len(h) != 0 {
		t.Errorf("between the jail's steps %v are held open", h)
	}
	if len(ids) != len(ents) {
		t.Fatalf("mount identities = %+v, want %d", ids, len(ents))
	}
	if uniqueIDs() {
		for _, m := range ids {
			if m.UniqueID == 0 {
				t.Errorf("mount %s reported without a unique mount id", m.Target)
			}
		}
	}
	for i := len(ents) - 1; i >= 0; i-- {
		if err := x.Unmount(ctx, compat.Unmount{Jail: "s", FSType: compat.FSNullfs, Target: filepath.Join(e.root, ents[i]), Root: e.root}); err != nil {
			t.Fatal(err)
		}
	}
	if h := fdsUnder(t, e.root); len(h) != 0 {
		t.Errorf("after the unmounts this process still holds %v", h)
	}
	if m := mountsUnder(t, e.root); len(m) != 0 {
		t.Errorf("mounts left: %v", m)
	}

	// A start that is released without a stop (its mounts stay, as after
	// a failed start the runner gave up on): the lock goes, and with it
	// any directory it might hold.
	p := filepath.Join(e.root, "a")
	if _, err := x.Mkdir(ctx, compat.Mkdir{Jail: "s", Root: e.root, Path: p}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Mount(ctx, compat.Mount{Jail: "s", FSType: compat.FSNullfs, Source: filepath.Join(src, "a"), SourceRoot: src, Target: p, ReadOnly: true, Root: e.root}); err != nil {
		t.Fatal(err)
	}
	x.Release("s")
	if h := fdsUnder(t, e.root); len(h) != 0 {
		t.Errorf("after Release this process still holds %v", h)
	}
	if err := unix.Unmount(p, 0); err != nil {
		t.Errorf("the released jail's mount is not free to unmount: %v", err)
	}
}

// TestNestedRootUnmount: one jail's root lies inside another jail's mount.
// Nothing of the inner jail's steps stays open in it, so the outer jail's
// unmount of that mount succeeds at once, instead of waiting out
// BusyTimeout and blaming this process.
func TestNestedRootUnmount(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	ctx := context.Background()
	e := newEnv(t)
	src := t.TempDir()
	for _, d := range []string{"data/inner/usr", "usr"} {
		if err := os.MkdirAll(filepath.Join(src, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(e.root, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	x := e.executor(nil)
	defer x.Close()
	data := filepath.Join(e.root, "data")
	inner := filepath.Join(data, "inner")
	if _, err := x.Mount(ctx, compat.Mount{Jail: "outer", FSType: compat.FSNullfs, Source: filepath.Join(src, "data"), SourceRoot: src, Target: data, Root: e.root}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Mount(ctx, compat.Mount{Jail: "inner", FSType: compat.FSNullfs, Source: filepath.Join(src, "usr"), SourceRoot: src, Target: filepath.Join(inner, "usr"), ReadOnly: true, Root: inner}); err != nil {
		t.Fatal(err)
	}
	if err := x.Unmount(ctx, compat.Unmount{Jail: "inner", FSType: compat.FSNullfs, Target: filepath.Join(inner, "usr"), Root: inner}); err != nil {
		t.Fatal(err)
	}
	if h := fdsUnder(t, inner); len(h) != 0 {
		t.Errorf("the inner jail's steps left %v open", h)
	}
	if err := x.Unmount(ctx, compat.Unmount{Jail: "outer", FSType: compat.FSNullfs, Target: data, Root: e.root}); err != nil {
		t.Fatalf("outer unmount after the inner jail's steps: %v", err)
	}
	if m := mountsUnder(t, e.root); len(m) != 0 {
		t.Errorf("mounts left: %v", m)
	}
}
