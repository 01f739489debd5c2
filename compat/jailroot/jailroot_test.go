//go:build linux || freebsd

package jailroot

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"rcjail/compat"
	"rcjail/mount"
)

// TestEnsureRoot: a missing rootdir is made (0755) only when its parent
// exists; a rootdir that is a symlink, or reached through one, is refused.
func TestEnsureRoot(t *testing.T) {
	d := t.TempDir()
	root := filepath.Join(d, "www")
	if made, err := EnsureRoot(root, true); err != nil || !made {
		t.Fatalf("dry EnsureRoot = %v, %v; want would make", made, err)
	}
	if _, err := os.Lstat(root); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("dry run made the root: %v", err)
	}
	if made, err := EnsureRoot(root, false); err != nil || !made {
		t.Fatalf("EnsureRoot = %v, %v", made, err)
	}
	if st, err := os.Lstat(root); err != nil || !st.IsDir() || st.Mode().Perm() != 0o755 {
		t.Fatalf("root: %v, %v; want a 0755 directory", st, err)
	}
	if made, err := EnsureRoot(root, false); err != nil || made {
		t.Errorf("second EnsureRoot = %v, %v; want nothing to do", made, err)
	}
	if _, err := EnsureRoot(filepath.Join(d, "no/www"), false); err == nil {
		t.Error("a root under a missing parent was made")
	}
	os.Symlink(d, filepath.Join(d, "link"))
	for _, p := range []string{filepath.Join(d, "link"), filepath.Join(d, "link/www")} {
		if _, err := EnsureRoot(p, false); err == nil || !errors.Is(err, ErrSymlink) || !errors.Is(err, mount.ErrSymlink) {
			t.Errorf("EnsureRoot(%s) = %v; want a symlink refusal", p, err)
		}
	}
}

// TestScanApply: missing items are created in order with their exact
// modes, existing ones of the right kind are left, a symlink on the way or
// a thing of the wrong kind is refused and nothing is replaced.
func TestScanApply(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	items := []compat.PrepItem{
		{Path: "etc", Kind: compat.PrepDir, Mode: 0o755, Why: "base tree"},
		{Path: "tmp", Kind: compat.PrepDir, Mode: 0o777 | fs.ModeSticky, Why: "base tree"},
		{Path: "bin", Kind: compat.PrepLink, Target: "basejail/bin", Why: "skel_romounts"},
		{Path: "etc/rc.d", Kind: compat.PrepDir, Mode: 0o755, Why: "base tree"},
	}
	todo, err := Scan(root, items, false)
	if err != nil || len(todo) != len(items) {
		t.Fatalf("Scan = %d items, %v; want all %d", len(todo), err, len(items))
	}
	var done []string
	if err := Apply(root, todo, func(it compat.PrepItem) { done = append(done, it.Path) }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(done, []string{"etc", "tmp", "bin", "etc/rc.d"}) {
		t.Errorf("done = %q", done)
	}
	if st, _ := os.Lstat(filepath.Join(root, "tmp")); st.Mode()&(fs.ModeSticky|fs.ModePerm) != 0o777|fs.ModeSticky {
		t.Errorf("tmp mode = %v, want 1777", st.Mode())
	}
	if l, _ := os.Readlink(filepath.Join(root, "bin")); l != "basejail/bin" {
		t.Errorf("bin -> %q", l)
	}
	if todo, err := Scan(root, items, false); err != nil || len(todo) != 0 {
		t.Errorf("second Scan = %d, %v; want nothing to do", len(todo), err)
	}
	// A planted symlink on the way and a file of the wrong kind.
	os.Symlink(outside, filepath.Join(root, "var"))
	os.WriteFile(filepath.Join(root, "usr"), nil, 0o644)
	bad := []compat.PrepItem{
		{Path: "var/db", Kind: compat.PrepDir, Mode: 0o755, Why: "base tree"},
		{Path: "usr", Kind: compat.PrepDir, Mode: 0o755, Why: "base tree"},
		{Path: "bin", Kind: compat.PrepLink, Target: "elsewhere", Why: "skel_romounts"},
	}
	todo, err = Scan(root, bad, false)
	if len(todo) != 0 || !errors.Is(err, ErrSymlink) || !errors.Is(err, fs.ErrExist) {
		t.Errorf("Scan(bad) = %v, %v; want refusals only", todo, err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("something was made through the symlink: %v", ents)
	}
	f, err := Look(root, "var/db")
	if err == nil || !errors.Is(err, ErrSymlink) {
		t.Errorf("Look(var/db) = %+v, %v; want the walk refused at var", f, err)
	}
	if f, err := Look(root, "var"); err != nil || f.Mode != fs.ModeSymlink || f.Link != outside {
		t.Errorf("Look(var) = %+v, %v; want a symlink to %s", f, err, outside)
	}
	if f, err := Look(root, "opt"); err != nil || !f.Missing {
		t.Errorf("Look(opt) = %+v, %v; want missing", f, err)
	}
}
