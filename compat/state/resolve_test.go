package state

import (
	"os"
	"path/filepath"
	"testing"
)

// TestResolveUnderRoot: links in the host directories are followed inside
// the root (an absolute target starts again at the root, ".." stops at
// it); the last component of a file is not followed; a loop is an error.
func TestResolveUnderRoot(t *testing.T) {
	root := t.TempDir()
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ln := func(target, p string) {
		if err := os.Symlink(target, filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	mk("run/rcjail")
	mk("var")
	mk("data/log")
	ln("/run", "var/run")                 // systemd's layout, absolute: stays in root
	ln("../../../../data/log", "var/log") // climbs past the root: stops at it
	ln("loop2", "loop1")
	ln("loop1", "loop2")
	ln("/etc/passwd", "run/jail_x.id") // a planted last component

	for _, c := range []struct{ dir, want string }{
		{"/var/run", "/run"},
		{"/var/run/rcjail", "/run/rcjail"},
		{"/var/log", "/data/log"},
		{"/var/run/missing/deeper", "/run/missing/deeper"},
		{"/", "/"},
	} {
		got, err := ResolveDir(root, c.dir)
		if err != nil || got != filepath.Join(root, c.want) {
			t.Errorf("Dir(%s) = %q, %v; want %q", c.dir, got, err, filepath.Join(root, c.want))
		}
	}
	got, err := ResolveFile(root, "/var/run/jail_x.id")
	if want := filepath.Join(root, "run/jail_x.id"); err != nil || got != want {
		t.Errorf("File = %q, %v; want %q (last component not followed)", got, err, want)
	}
	if got, err := ResolveDir(root, "/loop1/x"); err == nil {
		t.Errorf("a link loop resolved to %q", got)
	}
	if _, err := ResolveDir(root, "var/run"); err == nil {
		t.Error("a relative path was resolved")
	}
	// Root "/" is the host: /var/run resolves as the kernel does.
	want, err := filepath.EvalSymlinks("/var/run")
	if err != nil {
		t.Skip(err)
	}
	if got, err := ResolveDir("/", "/var/run"); err != nil || got != want {
		t.Errorf("Dir(/, /var/run) = %q, %v; want %q", got, err, want)
	}
}
