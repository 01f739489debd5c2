package mount

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/mount/mounttest"
)

// entryByID returns the mount table's line for id, or nil.
func entryByID(t *testing.T, id uint64) *Entry {
	t.Helper()
	tab, err := Table()
	if err != nil {
		t.Fatal(err)
	}
	for i := range tab {
		if tab[i].ID == id {
			return &tab[i]
		}
	}
	return nil
}

// A whole jail's skeleton, mount after mount: every entry read-only and
// where the kernel says, then all gone.
func TestSequenceJailRoundTrip(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		entries := []string{"bin", "sbin", "usr/bin", "usr/lib", "usr/sbin"}
		for _, e := range entries {
			for _, d := range []string{tr.skel, tr.root} {
				if err := os.MkdirAll(filepath.Join(d, e), 0o755); err != nil {
					t.Fatal(err)
				}
			}
		}
		var ms []*Mounted
		for _, e := range entries {
			m, err := Mount(Request{FSType: NullFS, Source: filepath.Join(tr.skel, e), Root: tr.root, Target: e, ReadOnly: true})
			if err != nil {
				t.Fatalf("%s: %v", e, err)
			}
			ms = append(ms, m)
			me := entryByID(t, m.ID)
			if me == nil || me.Target != filepath.Join(tr.root, e) || !me.ReadOnly {
				t.Fatalf("%s: mount table entry %+v for %+v", e, me, m)
			}
			err = os.WriteFile(filepath.Join(tr.root, e, "probe"), nil, 0o644)
			if !errors.Is(err, syscall.EROFS) {
				t.Fatalf("%s: write: %v, want EROFS", e, err)
			}
		}
		if got := mountsUnder(t, tr.root); len(got) != len(entries) {
			t.Fatalf("mounts under the root: %v", got)
		}
		for i := len(ms) - 1; i >= 0; i-- {
			if err := Unmount(ms[i].Expect()); err != nil {
				t.Fatalf("%s: %v", ms[i].Rel, err)
			}
		}
		if got := mountsUnder(t, tr.dir); len(got) != 0 {
			t.Fatalf("mounts left: %v", got)
		}
	})
}

// A mount over a directory that earlier mounts went through: usr/bin, then
// usr itself covered; usr/lib must then go on the new usr mount (visible),
// not on the covered directory underneath (hidden).
func TestSequenceMountOverCoveredParent(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		for _, p := range []string{"skel/usr/bin", "root/usr/bin", "other/usr/lib"} {
			if err := os.MkdirAll(filepath.Join(tr.dir, p), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		bin, err := Mount(Request{FSType: NullFS, Source: filepath.Join(tr.skel, "usr/bin"), Root: tr.root, Target: "usr/bin", ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		usr, err := Mount(Request{FSType: NullFS, Source: filepath.Join(tr.dir, "other/usr"), Root: tr.root, Target: "usr"})
		if err != nil {
			t.Fatal(err)
		}
		lib, err := Mount(tr.roLib())
		if err != nil {
			t.Fatal(err)
		}
		if e := entryByID(t, lib.ID); e == nil || e.Parent != usr.ID {
			t.Fatalf("usr/lib sits on %+v, want on the usr mount %d", e, usr.ID)
		}
		// Visible through the path: the skeleton's file is there.
		if b, err := os.ReadFile(filepath.Join(tr.root, "usr/lib/libc.so")); err != nil || string(b) != "libc" {
			t.Fatalf("read through usr/lib: %q, %v", b, err)
		}
		for _, m := range []*Mounted{lib, usr, bin} {
			if err := Unmount(m.Expect()); err != nil {
				t.Fatalf("%s: %v", m.Rel, err)
			}
		}
		if got := mountsUnder(t, tr.dir); len(got) != 0 {
			t.Fatalf("mounts left: %v", got)
		}
	})
}

// A parent renamed away between two mounts: the next
// mount lands at the path asked for, not in the renamed directory; a
// parent removed and made again likewise.
func TestSequenceRenamedParent(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		req := tr.roLib()
		m, err := Mount(req) // caches root/usr
		if err != nil {
			t.Fatal(err)
		}
		if err := Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
		// root/usr goes to root/old; a new root/usr/lib takes its place.
		if err := os.Rename(filepath.Join(tr.root, "usr"), filepath.Join(tr.root, "old")); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(tr.root, "usr/lib"), 0o755); err != nil {
			t.Fatal(err)
		}
		m, err = Mount(req)
		if err != nil {
			t.Fatalf("mount after the parent was renamed: %v", err)
		}
		if got := mountsUnder(t, tr.dir); !slices.Equal(got, []string{filepath.Join(tr.root, "usr/lib")}) {
			t.Fatalf("mounts: %v", got)
		}
		if err := Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
		// Removed and made again: the cached fd names a deleted directory.
		if err := os.RemoveAll(filepath.Join(tr.root, "usr")); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(tr.root, "usr/lib"), 0o755); err != nil {
			t.Fatal(err)
		}
		m, err = Mount(req)
		if err != nil {
			t.Fatalf("mount after the parent was removed and made again: %v", err)
		}
		if got := mountsUnder(t, tr.dir); !slices.Equal(got, []string{filepath.Join(tr.root, "usr/lib")}) {
			t.Fatalf("mounts: %v", got)
		}
		// Unmount through a parent removed since: walked again, and an
		// absent mount is reported as such, not as an error.
		if err := Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
		if err := Unmount(m.Expect()); !errors.Is(err, ErrNotMounted) {
			t.Fatalf("second unmount: %v, want ErrNotMounted", err)
		}
		if err := os.RemoveAll(filepath.Join(tr.root, "usr")); err != nil {
			t.Fatal(err)
		}
		if err := Unmount(m.Expect()); !errors.Is(err, ErrNotMounted) {
			t.Fatalf("unmount below a removed parent: %v, want ErrNotMounted", err)
		}
	})
}

// A mount point longer than the first statmount buffer: the kernel says
// EOVERFLOW and verify asks again with room for any path.
func TestStatmountLongMountPoint(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	tr := newTree(t)
	long := filepath.Join(strings.Repeat("a", 200), strings.Repeat("b", 200), strings.Repeat("c", 200))
	if err := os.MkdirAll(filepath.Join(tr.root, long), 0o755); err != nil {
		t.Fatal(err)
	}
	m, err := Mount(Request{FSType: NullFS, Source: filepath.Join(tr.skel, "usr/lib"), Root: tr.root, Target: long, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Target) <= 512 {
		t.Fatalf("mount point %q is too short to test the retry", m.Target)
	}
	fd, err := unix.Open(m.Target, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := statmount(fd)
	unix.Close(fd)
	if errors.Is(err, unix.ENOSYS) {
		t.Skip("kernel without statmount(2)")
	}
	if err != nil || sm.Target != m.Target || sm.ID != m.ID {
		t.Fatalf("statmount = %+v, %v; want %q id %d", sm, err, m.Target, m.ID)
	}
	if err := Unmount(m.Expect()); err != nil {
		t.Fatal(err)
	}
}

// Expect.UniqueID: another unique id is not ours and nothing is unmounted;
// the right one is enough (the kernel never reuses it).
func TestUnmountByUniqueID(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	tr := newTree(t)
	m, err := Mount(tr.roLib())
	if err != nil {
		t.Fatal(err)
	}
	if m.UniqueID == 0 {
		if err := Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
		t.Skip("kernel without unique mount ids (before 6.8)")
	}
	e := m.Expect()
	e.UniqueID++
	if err := Unmount(e); !errors.Is(err, ErrNotOurs) {
		t.Fatalf("unmount with another unique id: %v, want ErrNotOurs", err)
	}
	if entryByID(t, m.ID) == nil {
		t.Fatal("the mount is gone after a refused unmount")
	}
	// The short id is reused by the kernel and may be stale in a record;
	// with the unique id matching it is not what decides.
	e = m.Expect()
	e.ID++
	if err := Unmount(e); err != nil {
		t.Fatalf("unmount by unique id: %v", err)
	}
	if got := mountsUnder(t, tr.dir); len(got) != 0 {
		t.Fatalf("mounts left: %v", got)
	}
}

// Without open_tree_attr (before Linux 6.15) a read-only bind takes
// open_tree and mount_setattr: still read-only, and a failing read-only step
// still leaves nothing.
func TestReadOnlyWithoutOpenTreeAttr(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	useOpenTreeAttr.Store(false)
	defer useOpenTreeAttr.Store(true)
	tr := newTree(t)
	req := tr.roLib()
	m, err := Mount(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(m.Target, "probe"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("write: %v, want EROFS", err)
	}
	if err := Unmount(m.Expect()); err != nil {
		t.Fatal(err)
	}
	testHookReadOnly = func() error { return syscall.EIO }
	defer func() { testHookReadOnly = nil }()
	if _, err := Mount(req); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Mount = %v, want the injected EIO", err)
	}
	if got := mountsUnder(t, tr.dir); len(got) != 0 {
		t.Fatalf("mounts left by a failed read-only step: %v", got)
	}
}

// The directories an operation opens inside a mount must not keep it busy:
// a tmpfs on usr, a bind inside it (whose mount opened usr, the tmpfs's
// root), then both unmounted, the tmpfs without EBUSY.
func TestSequenceUnmountsWhatItOpened(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		usr, err := Mount(Request{FSType: TmpFS, Root: tr.root, Target: "usr"})
		if err != nil {
			t.Fatal(err)
		}
		lib, err := Mount(Request{FSType: NullFS, Source: filepath.Join(tr.skel, "usr/lib"), Root: tr.root, Target: "usr/lib", ReadOnly: true, Create: true})
		if err != nil {
			t.Fatal(err)
		}
		if e := entryByID(t, lib.ID); e == nil || e.Parent != usr.ID {
			t.Fatalf("usr/lib sits on %+v, want on the tmpfs %d", e, usr.ID)
		}
		if err := Unmount(lib.Expect()); err != nil {
			t.Fatal(err)
		}
		if err := Unmount(usr.Expect()); err != nil {
			t.Fatalf("unmount of the tmpfs the mounts worked in: %v", err)
		}
		if got := mountsUnder(t, tr.dir); len(got) != 0 {
			t.Fatalf("mounts left: %v", got)
		}
	})
}

// MkdirAll: an existing directory is found and nothing is made; a missing one is made like MkdirAll makes it; a symlink
// is refused, never followed, both as the last component and on the way.
func TestSequenceMkdirAll(t *testing.T) {
	tr := newTree(t)
	if err := os.Symlink(tr.outside, filepath.Join(tr.root, "usr/link")); err != nil {
		t.Fatal(err)
	}
	if got, err := MkdirAll(tr.root, "usr/lib", 0o755); err != nil || len(got) != 0 {
		t.Fatalf("existing: %v, %v", got, err)
	}
	got, err := MkdirAll(tr.root, "usr/local/lib", 0o750)
	want := []string{filepath.Join(tr.root, "usr/local"), filepath.Join(tr.root, "usr/local/lib")}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("missing: %v, %v; want %v", got, err, want)
	}
	if fi, err := os.Stat(want[1]); err != nil || fi.Mode().Perm() != 0o750 {
		t.Fatalf("made: %v, %v", fi, err)
	}
	if got, err := MkdirAll(tr.root, "usr/local/lib", 0o750); err != nil || len(got) != 0 {
		t.Fatalf("made before: %v, %v", got, err)
	}
	for _, rel := range []string{"usr/link", "usr/link/x"} {
		if _, err := MkdirAll(tr.root, rel, 0o755); !errors.Is(err, ErrSymlink) {
			t.Fatalf("%s: %v, want ErrSymlink", rel, err)
		}
	}
	if after := listTree(t, tr.outside); len(after) != 2 { // outside and its secret
		t.Fatalf("outside changed: %v", after)
	}
}
