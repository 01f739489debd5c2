package mount

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/mount/mounttest"
)

// mountPoints reads /proc/self/mountinfo itself (not through Table) and
// returns each mount id's mount point.
func mountPoints(t *testing.T) map[uint64]string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		id, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil || len(f) < 5 {
			t.Fatalf("mountinfo line %q", l)
		}
		out[id] = f[4]
	}
	return out
}

// movedTree mounts a read-only bind (usr/lib) and a tmpfs (usr/tmp) in a
// fresh jail root, then renames the root's usr to dst(tree): the kernel
// moves both mounts along. It returns the two and the new usr.
func movedTree(t *testing.T, dst func(tree) string) (tree, []*Mounted, string) {
	t.Helper()
	tr := newTree(t)
	var ms []*Mounted
	for _, r := range []Request{tr.roLib(), {FSType: TmpFS, Root: tr.root, Target: "usr/tmp", Create: true}} {
		m, err := Mount(r)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	t.Cleanup(func() {
		tbl, _ := Table()
		for _, e := range Under(tbl, tr.dir) {
			unix.Unmount(e.Target, unix.MNT_DETACH)
		}
	})
	usr := dst(tr)
	if err := os.Rename(filepath.Join(tr.root, "usr"), usr); err != nil {
		t.Fatal(err)
	}
	return tr, ms, usr
}

// TestUnmountMoved: a mount whose parent directory was renamed while it
// stood (inside the jail root, as the jail's root user can; out of the
// root, as the host can) is found by its identity where it is now and
// unmounted there, with ErrMoved naming the new place; the kernel's table
// then has neither the mount nor anything at the old or new path. With the
// unique mount id (statmount finds it) and without (the short id, checked
// by type and source).
func TestUnmountMoved(t *testing.T) {
	dsts := map[string]func(tree) string{
		"inside the root":  func(tr tree) string { return filepath.Join(tr.root, "usr.moved") },
		"outside the root": func(tr tree) string { return filepath.Join(tr.outside, "usr") },
	}
	for name, dst := range dsts {
		for _, unique := range []bool{true, false} {
			t.Run(name+"/unique="+strconv.FormatBool(unique), func(t *testing.T) {
				if !mounttest.InNamespace(t) {
					return
				}
				_, ms, usr := movedTree(t, dst)
				for _, m := range ms {
					e := m.Expect()
					if !unique {
						e.UniqueID = 0
					}
					want := filepath.Join(usr, filepath.Base(m.Rel))
					if got := mountPoints(t)[m.ID]; got != want {
						t.Fatalf("mountinfo puts mount %d on %q, want %q (the rename moved it)", m.ID, got, want)
					}
					got, err := Locate(e)
					if err != nil {
						t.Fatalf("Locate(%s): %v", m.Rel, err)
					}
					if got.ID != m.ID || got.Target != want {
						t.Fatalf("Locate(%s) = mount %d on %q, want %d on %q", m.Rel, got.ID, got.Target, m.ID, want)
					}
					err = Unmount(e)
					if !errors.Is(err, ErrMoved) || !strings.Contains(err.Error(), strconv.Quote(want)) {
						t.Fatalf("Unmount(%s) = %v, want ErrMoved naming %q", m.Rel, err, want)
					}
					if p, ok := mountPoints(t)[m.ID]; ok {
						t.Fatalf("mount %d still in mountinfo on %q", m.ID, p)
					}
					if _, err := Locate(e); !errors.Is(err, ErrNotMounted) {
						t.Fatalf("Locate after the unmount: %v, want ErrNotMounted", err)
					}
					if err := Unmount(e); !errors.Is(err, ErrNotMounted) {
						t.Fatalf("second Unmount: %v, want ErrNotMounted", err)
					}
				}
			})
		}
	}
}

// TestUnmountMovedLeavesNewcomer: after the rename someone mounts a tmpfs
// where ours was. Ours is unmounted where it went; the newcomer at the old
// path (another mount id) is not touched.
func TestUnmountMovedLeavesNewcomer(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	tr, ms, usr := movedTree(t, func(tr tree) string { return filepath.Join(tr.root, "usr.moved") })
	lib := filepath.Join(tr.root, "usr/lib")
	if err := os.MkdirAll(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", lib, "tmpfs", 0, "size=64k"); err != nil {
		t.Fatal(err)
	}
	for _, unique := range []bool{true, false} {
		e := ms[0].Expect()
		if !unique {
			e.UniqueID = 0
		}
		if unique {
			if err := Unmount(e); !errors.Is(err, ErrMoved) {
				t.Fatalf("Unmount: %v, want ErrMoved", err)
			}
		} else if err := Unmount(e); !errors.Is(err, ErrNotOurs) {
			// Already gone from its new place: the newcomer at the
			// path is not ours, and stays.
			t.Fatalf("second Unmount (short id): %v, want ErrNotOurs", err)
		}
	}
	got := mountsUnder(t, tr.dir)
	want := []string{filepath.Join(usr, "tmp"), lib}
	if len(got) != 2 || !(got[0] == want[0] && got[1] == want[1] || got[0] == want[1] && got[1] == want[0]) {
		t.Fatalf("mounts after the unmount: %v, want %v", got, want)
	}
}

// TestLocateRefusesOtherMount: with the short id alone (no unique id), a
// mount with that id but another type, or a bind of another source, is not
// taken for ours (the kernel reuses short ids): Locate says ErrNotOurs and
// Unmount of the moved mount leaves it where it is.
func TestLocateRefusesOtherMount(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	tr, ms, usr := movedTree(t, func(tr tree) string { return filepath.Join(tr.outside, "usr") })
	bind := ms[0].Expect()
	bind.UniqueID, bind.Source = 0, filepath.Join(tr.skel, "bin")
	tmp := ms[1].Expect()
	tmp.UniqueID, tmp.FSType = 0, ProcFS
	for _, e := range []Expect{bind, tmp} {
		if _, err := Locate(e); !errors.Is(err, ErrNotOurs) {
			t.Errorf("Locate(%s as %s from %q): %v, want ErrNotOurs", e.Target, e.FSType, e.Source, err)
		}
		if err := Unmount(e); err == nil || errors.Is(err, ErrMoved) {
			t.Errorf("Unmount(%s as %s from %q): %v, want a refusal", e.Target, e.FSType, e.Source, err)
		}
	}
	if got := mountsUnder(t, usr); len(got) != 2 {
		t.Fatalf("mounts at the new place: %v, want both still there", got)
	}
	if _, err := Locate(Expect{ID: 1 << 40, FSType: TmpFS}); !errors.Is(err, ErrNotMounted) {
		t.Fatalf("Locate of an id nobody has: %v, want ErrNotMounted", err)
	}
	if _, err := Locate(Expect{FSType: TmpFS}); err == nil {
		t.Fatal("Locate without an id succeeded")
	}
}
