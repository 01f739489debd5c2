package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"rcjail/mount/mounttest"
)

// A stopped jail that left a mount behind: status reads the kernel's mount
// table, counts the expected mount as present and reports it as stale.
func TestStatusLeftoverMount(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	root := t.TempDir()
	files := map[string]string{
		"etc/defaults/devfs.rules": "[devfsrules_jail=4]\nadd hide\n",
		"etc/rc.conf": `devfs_rulesets="/etc/defaults/devfs.rules"
jail_list="www"
jail_www_rootdir="${JAILS}/www"
jail_www_hostname="www.example.org"
jail_www_devfs_enable="YES"
jail_www_procfs_enable="YES"
`,
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dev := filepath.Join(root, "jails/www/dev")
	if err := os.MkdirAll(dev, 0o755); err != nil {
		t.Fatal(err)
	}
	// The jail root has its proc directory, so procfs is expected (start
	// skips a missing one, and status does not expect it then).
	if err := os.MkdirAll(filepath.Join(root, "jails/www/proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dev, "tmpfs", 0, "size=64k"); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dev, err)
	}
	defer unix.Unmount(dev, 0)

	// Jail paths are used as written (-R relocates only rcjail's own
	// files), so the rc.conf names the jail root by its real path.
	t.Setenv("JAILS", filepath.Join(root, "jails"))
	var stdout, stderr bytes.Buffer
	st := run(context.Background(), []string{"-R", root, "status", "www"}, &stdout, &stderr)
	if st != statusNotRunning {
		t.Errorf("status %d, want %d", st, statusNotRunning)
	}
	want := "www: not running, host www.example.org, root " + root + "/jails/www, mounts 1/2\n" +
		"  stale: tmpfs mounted on " + root + "/jails/www/dev\n"
	if diff := cmp.Diff(want, stdout.String()); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
}
