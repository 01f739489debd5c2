package native

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/mount/mounttest"
)

// rmdirWalk never removes a mount point (checked by device, before the
// kernel's own EBUSY).
func TestRmdirWalkMountPoint(t *testing.T) {
	mounttest.RequireRoot(t)
	if !mounttest.InNamespace(t) {
		return
	}
	root, _ := tree(t)
	if err := unix.Mount("tmpfs", root+"/empty", "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	err := rmdirWalk(root, "empty")
	if err == nil || !strings.Contains(err.Error(), "still a mount point") {
		t.Errorf("rmdirWalk(mount point) = %v, want a refusal", err)
	}
	if err := unix.Unmount(root+"/empty", 0); err != nil {
		t.Fatal(err)
	}
	if err := rmdirWalk(root, "empty"); err != nil {
		t.Errorf("rmdirWalk after the unmount: %v", err)
	}
}
