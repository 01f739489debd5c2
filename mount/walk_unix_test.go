//go:build linux || freebsd

package mount

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// These need no root and mount nothing: they check the no-follow walker that
// Resolve and MkdirAll (and the FreeBSD mount path) stand on.

func walkTree(t *testing.T) (root, outside string) {
	t.Helper()
	d := t.TempDir()
	root, outside = filepath.Join(d, "root"), filepath.Join(d, "outside")
	for _, p := range []string{"root/usr/lib", "outside/lib"} {
		if err := os.MkdirAll(filepath.Join(d, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.WriteFile(filepath.Join(root, "usr/file"), []byte("x"), 0o644))
	must(t, os.Symlink("/", filepath.Join(root, "slash")))
	must(t, os.Symlink("../outside", filepath.Join(root, "up")))
	must(t, os.Symlink("lib", filepath.Join(root, "usr/inside")))
	return root, outside
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestResolve(t *testing.T) {
	root, _ := walkTree(t)
	fi, err := Resolve(root, "usr/lib")
	if err != nil || !fi.IsDir() || fi.Name() != "lib" {
		t.Fatalf("Resolve(usr/lib) = %v, %v", fi, err)
	}
	if fi, err := Resolve(root, "usr/file"); err != nil || !fi.Mode().IsRegular() || fi.Size() != 1 {
		t.Fatalf("Resolve(usr/file) = %v, %v", fi, err)
	}
	if fi, err := Resolve(root, "."); err != nil || !fi.IsDir() {
		t.Fatalf("Resolve(.) = %v, %v", fi, err)
	}
	tests := []struct {
		rel, culprit string
		want         error
	}{
		{"slash", "slash", ErrSymlink},
		{"slash/etc", "slash", ErrSymlink},
		{"up/lib", "up", ErrSymlink},
		{"usr/inside", "usr/inside", ErrSymlink}, // even one that stays inside
		{"usr/missing/x", "usr/missing", fs.ErrNotExist},
		{"usr/file/x", "usr/file", syscall.ENOTDIR},
	}
	for _, tt := range tests {
		_, err := Resolve(root, tt.rel)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), filepath.Join(root, tt.culprit)) {
			t.Errorf("Resolve(%s) = %v, want %v naming %s", tt.rel, err, tt.want, tt.culprit)
		}
	}
	// A symlink in the root's own path is refused too.
	alias := filepath.Join(filepath.Dir(root), "alias")
	must(t, os.Symlink(root, alias))
	if _, err := Resolve(alias, "usr"); !errors.Is(err, ErrSymlink) {
		t.Errorf("Resolve through a symlinked root = %v, want ErrSymlink", err)
	}
	if _, err := Resolve(root, "../outside"); err == nil {
		t.Error("Resolve accepted ../")
	}
}

func TestMkdirAll(t *testing.T) {
	root, outside := walkTree(t)
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	created, err := MkdirAll(root, "var/db/pkg", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(root, "var"), filepath.Join(root, "var/db"), filepath.Join(root, "var/db/pkg")}
	if !slices.Equal(created, want) {
		t.Fatalf("created %v, want %v", created, want)
	}
	for _, p := range want {
		if fi, err := os.Lstat(p); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v %v", p, fi.Mode(), err)
		}
	}
	if created, err := MkdirAll(root, "var/db/pkg", 0o755); err != nil || len(created) != 0 {
		t.Fatalf("second MkdirAll = %v, %v; want nothing created", created, err)
	}

	before, _ := os.ReadDir(outside)
	for _, rel := range []string{"up/new", "slash/rcjail-must-not-exist", "usr/inside/new"} {
		created, err := MkdirAll(root, rel, 0o755)
		if !errors.Is(err, ErrSymlink) || len(created) != 0 {
			t.Errorf("MkdirAll(%s) = %v, %v; want ErrSymlink and nothing created", rel, created, err)
		}
	}
	if _, err := os.Lstat("/rcjail-must-not-exist"); err == nil {
		t.Fatal("MkdirAll created a directory at the host root")
	}
	after, _ := os.ReadDir(outside)
	if len(after) != len(before) {
		t.Fatalf("MkdirAll created something outside the root: %v", after)
	}
	// A file in the way is named, not replaced.
	must(t, os.WriteFile(filepath.Join(root, "var/blocker"), nil, 0o644))
	created, err = MkdirAll(root, "var/blocker/x", 0o755)
	if !errors.Is(err, syscall.ENOTDIR) || len(created) != 0 {
		t.Errorf("MkdirAll through a file = %v, %v", created, err)
	}
	created, err = MkdirAll(root, "opt/up", 0o755)
	if err != nil || len(created) != 2 {
		t.Fatalf("MkdirAll(opt/up) = %v, %v", created, err)
	}
}

// OpenDir: a real directory opens; a symlink anywhere is refused with both
// ErrSymlink and the kernel's own refusal (callers test either); a missing
// component with both fs.ErrNotExist and ENOENT; a relative or unclean path
// is refused before any open.
func TestOpenDir(t *testing.T) {
	root, _ := walkTree(t)
	fd, err := OpenDir(filepath.Join(root, "usr/lib"))
	if err != nil {
		t.Fatalf("OpenDir(real directory): %v", err)
	}
	syscall.Close(fd)
	for _, p := range []string{filepath.Join(root, "up"), filepath.Join(root, "up/lib"), filepath.Join(root, "usr/inside")} {
		fd, err := OpenDir(p)
		if err == nil {
			syscall.Close(fd)
			t.Errorf("OpenDir(%s) followed a symlink", p)
			continue
		}
		kernel := errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) || errors.Is(err, syscall.ENOTDIR)
		if !errors.Is(err, ErrSymlink) || !kernel {
			t.Errorf("OpenDir(%s) = %v; want ErrSymlink and the kernel's refusal (ELOOP, EMLINK or ENOTDIR)", p, err)
		}
	}
	if _, err := OpenDir(filepath.Join(root, "missing/dir")); !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, syscall.ENOENT) {
		t.Errorf("OpenDir(missing) = %v; want fs.ErrNotExist and ENOENT", err)
	}
	for _, p := range []string{"relative/dir", root + "/usr/../usr/lib"} {
		if fd, err := OpenDir(p); err == nil {
			syscall.Close(fd)
			t.Errorf("OpenDir(%q) accepted a path that is not clean and absolute", p)
		}
	}
}
