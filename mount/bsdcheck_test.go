package mount

import (
	"errors"
	"strings"
	"testing"
)

// A new mount is accepted only with a new fsid, on the intended path, of
// the intended type and source, and read-only when asked.
func TestCheckNewMount(t *testing.T) {
	w := wantMount{FSType: NullFS, From: "/skel/usr", Target: "/j/usr", ReadOnly: true}
	good := Entry{ID: 9, FSType: NullFS, Source: "/skel/usr", Target: "/j/usr", ReadOnly: true}
	if err := checkNewMount(1, good, w); err != nil {
		t.Fatalf("good mount refused: %v", err)
	}
	bad := func(f func(*Entry)) Entry { e := good; f(&e); return e }
	for name, tc := range map[string]struct {
		before uint64
		got    Entry
		want   error
	}{
		"same fsid (nothing mounted)": {9, good, ErrEscaped},
		// The held directory was renamed between walk and mount: the
		// kernel records its global path, which is not the target.
		"moved mount point":  {1, bad(func(e *Entry) { e.Target = "/j/elsewhere" }), ErrEscaped},
		"other type":         {1, bad(func(e *Entry) { e.FSType = TmpFS }), ErrEscaped},
		"other source":       {1, bad(func(e *Entry) { e.Source = "/etc" }), ErrEscaped},
		"rw where ro wanted": {1, bad(func(e *Entry) { e.ReadOnly = false }), nil},
	} {
		err := checkNewMount(tc.before, tc.got, w)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

// The undo of a mount that landed somewhere unknown considers only new
// mounts of its type and source; the caller touches one only when it is
// the only one (issue 13 item 2: a devfs made by another process in the
// same instant looks the same).
func TestUndoCandidates(t *testing.T) {
	known := map[uint64]bool{1: true, 2: true}
	now := []Entry{
		{ID: 1, FSType: DevFS, Source: "devfs", Target: "/dev"},
		{ID: 2, FSType: DevFS, Source: "devfs", Target: "/j/a/dev"},
		{ID: 3, FSType: DevFS, Source: "devfs", Target: "/tmp/evil"},
		{ID: 4, FSType: TmpFS, Source: "tmpfs", Target: "/tmp/x"},
		{ID: 5, FSType: NullFS, Source: "/skel", Target: "/j/b"},
	}
	got := undoCandidates(known, now, DevFS, "devfs")
	if len(got) != 1 || got[0].ID != 3 {
		t.Errorf("candidates = %v, want only fsid 3", got)
	}
	now = append(now, Entry{ID: 6, FSType: DevFS, Source: "devfs", Target: "/other/dev"})
	if got := undoCandidates(known, now, DevFS, "devfs"); len(got) != 2 {
		t.Errorf("two new devfs mounts: candidates = %v", got)
	}
	if got := undoCandidates(known, now, NullFS, "/elsewhere"); len(got) != 0 {
		t.Errorf("nullfs from another source: candidates = %v", got)
	}
}

// Stop finds a recorded mount by its fsid, wherever it now is (FreeBSD
// never updates f_mntonname after a rename; a jail's root may have moved
// the directory), and never takes a reused fsid of another type or source.
func TestCheckRecorded(t *testing.T) {
	rec := Expect{ID: packFsid(-100, 7), FSType: NullFS, Source: "/skel/usr/bin", Root: "/j", Target: "usr/bin"}
	tbl := []Entry{
		{ID: packFsid(1, 1), FSType: "ufs", Source: "/dev/ada0p2", Target: "/"},
		{ID: packFsid(-100, 7), FSType: NullFS, Source: "/skel/usr/bin", Target: "/j/usr/bin"},
	}
	got, moved, err := checkRecorded(tbl, rec, "/j/usr/bin")
	if err != nil || moved || got.ID != rec.ID {
		t.Fatalf("in place: %v, moved %v, %v", got, moved, err)
	}
	// Renamed: the kernel's table may show the old path or a new one;
	// either way the fsid finds it, and the move is reported.
	tbl[1].Target = "/j/usr.old/bin"
	got, moved, err = checkRecorded(tbl, rec, "/j/usr/bin")
	if err != nil || !moved || got.Target != "/j/usr.old/bin" {
		t.Errorf("renamed: %v, moved %v, %v", got, moved, err)
	}
	if _, _, err := checkRecorded(tbl[:1], rec, "/j/usr/bin"); !errors.Is(err, ErrNotMounted) {
		t.Errorf("gone: %v, want ErrNotMounted", err)
	}
	tbl[1].Source = "/etc"
	if _, _, err := checkRecorded(tbl, rec, "/j/usr/bin"); !errors.Is(err, ErrNotOurs) {
		t.Errorf("reused fsid, other source: %v, want ErrNotOurs", err)
	}
	tbl[1].FSType = TmpFS
	if _, _, err := checkRecorded(tbl, rec, "/j/usr/bin"); !errors.Is(err, ErrNotOurs) || !strings.Contains(err.Error(), "tmpfs") {
		t.Errorf("reused fsid, other type: %v, want ErrNotOurs", err)
	}
}

// FreeBSD's Locate: the recorded fsid wherever the table has it now, with
// its type and source; nothing for a record without an fsid, a gone fsid
// or one reused by another mount.
func TestLocateIn(t *testing.T) {
	rec := Expect{ID: packFsid(-100, 7), FSType: NullFS, Source: "/skel/usr/bin", Root: "/j", Target: "usr/bin"}
	tbl := []Entry{
		{ID: packFsid(1, 1), FSType: "ufs", Source: "/dev/ada0p2", Target: "/"},
		{ID: packFsid(-100, 7), FSType: NullFS, Source: "/skel/usr/bin", Target: "/elsewhere/bin"},
	}
	got, err := locateIn(tbl, rec)
	if err != nil || got.Target != "/elsewhere/bin" || got.ID != rec.ID {
		t.Fatalf("moved: %+v, %v; want fsid %x on /elsewhere/bin", got, err, rec.ID)
	}
	noID := rec
	noID.ID = 0
	if _, err := locateIn(tbl, noID); err == nil {
		t.Error("a record without an fsid was located")
	}
	if _, err := locateIn(tbl[:1], rec); !errors.Is(err, ErrNotMounted) {
		t.Errorf("gone: %v, want ErrNotMounted", err)
	}
	tbl[1].Source = "/etc"
	if _, err := locateIn(tbl, rec); !errors.Is(err, ErrNotOurs) {
		t.Errorf("reused fsid, other source: %v, want ErrNotOurs", err)
	}
}

// A mount at "." is taken only when the kernel recorded an absolute
// (global) path; the fallback reason is kept once, for selftest.
func TestDotTaken(t *testing.T) {
	for p, want := range map[string]bool{"/j/dev": true, "/": true, ".": false, "": false, "j/dev": false} {
		if got := dotTaken(p); got != want {
			t.Errorf("dotTaken(%q) = %v", p, got)
		}
	}
	old := dotRefused.Load()
	t.Cleanup(func() { dotRefused.Store(old) })
	dotRefused.Store(nil)
	if refused, _ := DotMountRefused(); refused {
		t.Fatal("refused before any refusal")
	}
	refuseDot("first")
	refuseDot("second")
	if refused, why := DotMountRefused(); !refused || why != "first" {
		t.Errorf("DotMountRefused = %v, %q; want the first reason", refused, why)
	}
}

// nmount's option list with fspath "." (the mount made on the held
// directory through the working directory).
func TestBuildNmountOptsDot(t *testing.T) {
	got, err := buildNmountOpts(DevFS, ".", "devfs", false, map[string]string{"ruleset": "4"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range got {
		names = append(names, o.name+"="+strings.TrimSuffix(string(o.value), "\x00"))
	}
	if s := strings.Join(names, " "); s != "fstype=devfs fspath=. from=devfs nocover= ruleset=4" {
		t.Errorf("options = %s", s)
	}
}
