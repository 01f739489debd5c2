//go:build linux || freebsd

package cmdexec

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"rcjail/compat"
)

// TestCheckBelowWalker: checkBelow walks below the jail root with mount's
// walker, naming the culprit as the configuration names it, while the root
// itself may be reached through a host symlink (as the script's mount(8)
// reaches it).
func TestCheckBelowWalker(t *testing.T) {
	d := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	real := filepath.Join(d, "data/www")
	must(os.MkdirAll(filepath.Join(real, "usr/lib"), 0o755))
	must(os.WriteFile(filepath.Join(real, "file"), nil, 0o644))
	must(os.Symlink("/etc", filepath.Join(real, "etc")))
	must(os.Symlink("data", filepath.Join(d, "jails"))) // the root through a host link
	root := filepath.Join(d, "jails/www")
	for _, c := range []struct {
		p      string
		exists bool
		err    string
	}{
		{p: "usr/lib", exists: true},
		{p: "usr/none/x"},
		{p: "etc/rc.d", err: "check " + root + "/etc/rc.d: " + root + "/etc is a symlink"},
		{p: "etc", err: root + "/etc is a symlink"},
		{p: "file/x", err: "check " + root + "/file/x: " + root + "/file is not a directory"},
		{p: "file", err: root + "/file is not a directory"},
	} {
		exists, err := checkBelow(root, filepath.Join(root, c.p))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if exists != c.exists || got != c.err {
			t.Errorf("checkBelow(%s) = %v, %q; want %v, %q", c.p, exists, got, c.exists, c.err)
		}
	}
	if _, err := checkBelow(root, "/elsewhere"); err == nil {
		t.Error("a path outside the root was accepted")
	}
	// Below "/" (fstab mount points): every component is walked.
	if exists, err := checkBelow("/", filepath.Join(real, "usr/lib")); !exists || err != nil {
		t.Errorf("checkBelow(/, real path) = %v, %v", exists, err)
	}
	if _, err := checkBelow("/", filepath.Join(root, "usr")); err == nil || err.Error() != "check "+root+"/usr: "+d+"/jails is a symlink" {
		t.Errorf("checkBelow(/, through a link) = %v", err)
	}
}

// TestRmdirNoSymlinkOnTheWay: a stop removes the mount points its start
// made; a parent replaced by a symlink to a host directory (a jail's root
// user can do that) is refused, and the host's empty directory stays.
func TestRmdirNoSymlinkOnTheWay(t *testing.T) {
	root := t.TempDir()
	host := t.TempDir()
	if err := os.MkdirAll(filepath.Join(host, "local"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(host, filepath.Join(root, "usr")); err != nil {
		t.Fatal(err)
	}
	err := New("/").Rmdir(context.Background(), compat.Rmdir{Jail: "w", Root: root, Path: filepath.Join(root, "usr/local")})
	if err == nil {
		t.Error("rmdir through a symlinked parent accepted")
	}
	if _, err := os.Stat(filepath.Join(host, "local")); err != nil {
		t.Errorf("the host directory behind the link is gone: %v", err)
	}
	// The plain case still works.
	if err := os.MkdirAll(filepath.Join(root, "opt/x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := New("/").Rmdir(context.Background(), compat.Rmdir{Jail: "w", Root: root, Path: filepath.Join(root, "opt/x")}); err != nil {
		t.Errorf("rmdir of an empty mount point: %v", err)
	}
}
