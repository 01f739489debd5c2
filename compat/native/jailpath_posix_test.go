//go:build linux || freebsd

package native

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/compat/state"
)

// tree makes <tmp>/root/{a/b,empty} and <tmp>/host/{secret,dir}, and
// root/link -> ../host (a jail's root planting a way onto the host).
func tree(t *testing.T) (root, host string) {
	t.Helper()
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root, host = filepath.Join(base, "root"), filepath.Join(base, "host")
	for _, d := range []string{root + "/a/b", root + "/empty", host + "/dir", host + "/empty"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(host+"/secret", []byte("host file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../host", root+"/link"); err != nil {
		t.Fatal(err)
	}
	return root, host
}

func TestOpenDirWalk(t *testing.T) {
	root, _ := tree(t)
	fd, err := openDirWalk(root + "/a/b")
	if err != nil {
		t.Fatalf("openDirWalk(real directory): %v", err)
	}
	unix.Close(fd)
	if fd, err := openDirWalk(root + "/link/dir"); err == nil {
		unix.Close(fd)
		t.Fatal("openDirWalk through a symlink succeeded")
	} else if !isLinkRefusal(err) && !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("openDirWalk through a symlink: %v, want a refusal to follow it", err)
	}
	if _, err := openDirWalk("relative/path"); err == nil {
		t.Error("openDirWalk(relative) succeeded")
	}
	isDir := func(p string) bool {
		fd, err := openDirWalk(p)
		if err != nil {
			return false
		}
		unix.Close(fd)
		return true
	}
	if isDir(root+"/link") || isDir(root+"/link/dir") || isDir(root+"/missing") {
		t.Error("openDirWalk opens a symlink, a path through one, or a missing path")
	}
	if !isDir(root+"/a/b") || !isDir("/") {
		t.Error("openDirWalk refuses a real directory")
	}
}

func TestRmdirWalk(t *testing.T) {
	root, host := tree(t)
	if err := rmdirWalk(root, "empty"); err != nil {
		t.Fatalf("rmdirWalk(empty directory): %v", err)
	}
	if _, err := os.Lstat(root + "/empty"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty directory still there: %v", err)
	}
	if err := rmdirWalk(root, "empty"); err != nil {
		t.Errorf("rmdirWalk(gone already) = %v, want nil", err)
	}
	if err := rmdirWalk(root, "missing/deeper"); err != nil {
		t.Errorf("rmdirWalk(missing parent) = %v, want nil", err)
	}
	if err := rmdirWalk(root, "a"); err == nil {
		t.Error("rmdirWalk(non-empty directory) succeeded")
	}
	// The jail replaced the mount point by a symlink to a host directory:
	// neither the link nor what it points to goes.
	if err := rmdirWalk(root, "link"); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("rmdirWalk(symlink) = %v, want a refusal naming it", err)
	}
	if err := rmdirWalk(root, "link/empty"); err == nil {
		t.Error("rmdirWalk through a symlinked parent succeeded")
	}
	if _, err := os.Lstat(host + "/empty"); err != nil {
		t.Errorf("host directory behind the symlink was removed: %v", err)
	}
}

func TestSymlinkReadlinkWalk(t *testing.T) {
	root, host := tree(t)
	if err := symlinkWalk("../var/run/log", root+"/a/log"); err != nil {
		t.Fatalf("symlinkWalk: %v", err)
	}
	got, err := readlinkWalk(root + "/a/log")
	if err != nil || got != "../var/run/log" {
		t.Fatalf("readlinkWalk = %q, %v; want ../var/run/log", got, err)
	}
	// Through a symlinked directory: nothing is created on the host side.
	if err := symlinkWalk("x", root+"/link/dir/log"); err == nil {
		t.Error("symlinkWalk through a symlinked parent succeeded")
	}
	if _, err := os.Lstat(host + "/dir/log"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a link was made on the host: %v", err)
	}
	if err := os.Symlink("t", host+"/dir/l"); err != nil {
		t.Fatal(err)
	}
	if _, err := readlinkWalk(root + "/link/dir/l"); err == nil {
		t.Error("readlinkWalk through a symlinked parent succeeded")
	}
	if _, err := readlinkWalk(root + "/a"); err == nil {
		t.Error("readlinkWalk of a directory succeeded")
	}
}

// dev/log after a crashed start: the adopted devfs already holds the link.
// The same link is accepted (as the script's `ln -sf` leaves it); another
// target, or something that is not a link, is refused and left as it was
// (issue 13 item 1).
func TestSymlinkWalkExisting(t *testing.T) {
	root, _ := tree(t)
	p := root + "/a/log"
	if err := symlinkWalk("../var/run/log", p); err != nil {
		t.Fatal(err)
	}
	if err := symlinkWalk("../var/run/log", p); err != nil {
		t.Errorf("the same link again: %v", err)
	}
	// A target that shares a prefix with the wanted one, longer and shorter.
	for _, other := range []string{"../var/run/log2", "../var/run/lo", "/etc/passwd"} {
		q := root + "/a/other"
		os.Remove(q)
		if err := os.Symlink(other, q); err != nil {
			t.Fatal(err)
		}
		err := symlinkWalk("../var/run/log", q)
		if !errors.Is(err, unix.EEXIST) || !strings.Contains(err.Error(), other) {
			t.Errorf("link to %q: err = %v, want EEXIST naming it", other, err)
		}
		if got, _ := os.Readlink(q); got != other {
			t.Errorf("link to %q was replaced by %q", other, got)
		}
	}
	if err := os.WriteFile(root+"/a/file", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := symlinkWalk("../var/run/log", root+"/a/file"); !errors.Is(err, unix.EEXIST) || !strings.Contains(err.Error(), "not a symbolic link") {
		t.Errorf("over a file: %v", err)
	}
	if err := symlinkWalk("../var/run/log", root+"/a/b"); !errors.Is(err, unix.EEXIST) {
		t.Errorf("over a directory: %v", err)
	}
}

func TestStateWalk(t *testing.T) {
	sroot := t.TempDir()
	jroot, host := tree(t)
	x := &Executor{opts: Options{Root: sroot}, jails: map[string]*jailState{}, calls: map[string]int{}}
	x.jails["www"] = &jailState{name: "www", root: jroot}

	// A sroot file under -R: written, appended, read, removed.
	if err := os.MkdirAll(sroot+"/var/run", 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := x.openStateWith("/var/run/jail_www.id", true, false, state.Regular, 0)
	if err != nil {
		t.Fatalf("openStateWith: %v", err)
	}
	f.WriteString("12\n")
	f.Close()
	if f, err = x.openStateWith("/var/run/jail_www.id", true, true, state.Regular, 0); err != nil {
		t.Fatalf("openStateWith(append): %v", err)
	}
	f.WriteString("more\n")
	f.Close()
	b, ok, err := x.readIDWith("/var/run/jail_www.id", 0)
	if err != nil || !ok || b != "12" {
		t.Fatalf("readIDWith = %q, %v, %v; want the first line", b, ok, err)
	}
	if fi, _ := os.Stat(sroot + "/var/run/jail_www.id"); fi.Mode().Perm() != 0o600 {
		t.Errorf("id file mode %v, want 0600", fi.Mode().Perm())
	}
	if err := x.removeStateWith("/var/run/jail_www.id", 0); err != nil {
		t.Fatalf("removeStateWith: %v", err)
	}
	if _, ok, _ := x.readIDWith("/var/run/jail_www.id", 0); ok {
		t.Error("sroot file still there after removeStateWith")
	}
	if err := x.removeStateWith("/var/run/jail_www.id", 0); err != nil {
		t.Errorf("removeStateWith(missing) = %v, want nil", err)
	}
	if _, ok, err := x.readIDWith("/var/run/missing.id", 0); ok || err != nil {
		t.Errorf("readIDWith(missing) = %v, %v; want not there", ok, err)
	}

	// A console log that is a symlink to a host file (FreeBSD-SA-07:01):
	// never written through, never read through.
	if err := os.Symlink(host+"/secret", sroot+"/var/run/console.log"); err != nil {
		t.Fatal(err)
	}
	if f, err := x.openStateWith("/var/run/console.log", true, true, state.Regular, 0); err == nil {
		f.Close()
		t.Error("openStateWith followed a final symlink")
	}
	if _, ok, err := x.readIDWith("/var/run/console.log", 0); ok || err != nil {
		t.Errorf("readIDWith(symlink) = %v, %v; want not there", ok, err)
	}
	if b, _ := os.ReadFile(host + "/secret"); string(b) != "host file\n" {
		t.Errorf("host file changed: %q", b)
	}

	// Under the jail root, a symlink in a middle component is refused too.
	f, err = x.openStateWith(jroot+"/a/b/log", true, false, state.Regular, 0)
	if err != nil {
		t.Fatalf("openStateWith(under the jail root): %v", err)
	}
	f.Close()
	if f, err := x.openStateWith(jroot+"/link/dir/log", true, false, state.Regular, 0); err == nil {
		f.Close()
		t.Error("openStateWith under the jail root went through a symlink")
	}
	if _, err := os.Lstat(host + "/dir/log"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was created on the host: %v", err)
	}
	if err := x.removeStateWith(jroot+"/link/secret", 0); err == nil {
		t.Error("removeStateWith under the jail root went through a symlink")
	}
	if _, err := os.Lstat(host + "/secret"); err != nil {
		t.Errorf("host file removed: %v", err)
	}
	// A directory or a FIFO is not a sroot file.
	if err := unix.Mkfifo(sroot+"/var/run/fifo", 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := x.readIDWith("/var/run/fifo", 0); ok || err != nil {
		t.Errorf("readIDWith(fifo) = %v, %v; want not there", ok, err)
	}
	if err := x.checkStateWith("/var/run/fifo", state.Console, 0); err == nil || err.Error() != "check /var/run/fifo: is a named pipe, not a regular file or character device" {
		t.Errorf("checkStateWith(fifo) = %v", err)
	}
	if err := x.checkStateWith("/var/run/new.log", state.Console, 0); err != nil {
		t.Errorf("checkStateWith(missing) = %v, want nil", err)
	}
	if f, err := x.openStateWith("/var/run", true, false, state.Regular, 0); err == nil {
		f.Close()
		t.Error("openStateWith(directory) succeeded")
	}
}
