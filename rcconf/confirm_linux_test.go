package rcconf_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"rcjail/rcconf"
)

// runDash runs script under dash with tr's etc bind-mounted on /etc and its
// usr/local/etc on /usr/local/etc (an empty tmpfs there when the tree has
// none, so the host's own rc.conf.d files cannot leak in). It must be called
// from inside mounttest.InNamespace; it checks that it is, because these
// mounts on the host would replace its /etc.
func runDash(t *testing.T, tr confirmTree, script string) (stdout, stderr string, err error) {
	t.Helper()
	dash := rcconf.DashPath(t)
	if err := requirePrivateMountNS(); err != nil {
		t.Fatalf("refusing to mount over /etc: %v", err)
	}
	bind(t, filepath.Join(tr.root, "etc"), "/etc")
	treeLocal := filepath.Join(tr.root, "usr/local/etc")
	_, treeErr := os.Stat(treeLocal)
	if fi, err := os.Stat("/usr/local/etc"); err == nil && fi.IsDir() {
		if treeErr == nil {
			bind(t, treeLocal, "/usr/local/etc")
		} else {
			mountTmpfs(t, "/usr/local/etc")
		}
	} else if fi, err := os.Stat("/usr/local"); err == nil && fi.IsDir() {
		// No /usr/local/etc on this host: a tmpfs on /usr/local (inside
		// the namespace) gives one to mount on.
		mountTmpfs(t, "/usr/local")
		if err := os.Mkdir("/usr/local/etc", 0o755); err != nil {
			t.Fatal(err)
		}
		if treeErr == nil {
			bind(t, treeLocal, "/usr/local/etc")
		}
	} else if treeErr == nil {
		t.Skip("the host has no /usr/local to mount the tree's usr/local/etc on")
	}
	return runCommand(t, dash, tr.env, "/", script)
}

// requirePrivateMountNS checks that this process's mount namespace is not its
// parent's (mounttest.InNamespace's parent runs in the host's): a bind mount
// on /etc outside a private namespace would hijack the host's configuration.
func requirePrivateMountNS() error {
	self, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return fmt.Errorf("read own mount namespace: %w", err)
	}
	parent, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", os.Getppid()))
	if err != nil {
		return fmt.Errorf("read the parent's mount namespace: %w", err)
	}
	if self == parent {
		return fmt.Errorf("mount namespace %s is the parent's, not a private one", self)
	}
	return nil
}

func bind(t *testing.T, src, dst string) {
	t.Helper()
	if err := syscall.Mount(src, dst, "", syscall.MS_BIND, ""); err != nil {
		t.Fatalf("bind %s on %s: %v", src, dst, err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dst, syscall.MNT_DETACH) })
}

func mountTmpfs(t *testing.T, dst string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dst, "tmpfs", 0, "mode=0755"); err != nil {
		t.Fatalf("tmpfs on %s: %v", dst, err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dst, syscall.MNT_DETACH) })
}
