package mounttest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestInNamespaceIsolates mounts a tmpfs inside the private namespace; the
// parent's check that the host mount table is unchanged is the assertion.
func TestInNamespaceIsolates(t *testing.T) {
	if !InNamespace(t) {
		return
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, ""); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	defer syscall.Unmount(dir, 0)
	if err := os.WriteFile(filepath.Join(dir, "x"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("/proc/self/mountinfo")
	if !containsField(string(b), dir) {
		t.Fatalf("tmpfs on %s not in the namespace's mount table", dir)
	}
}

func containsField(mountinfo, dir string) bool {
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}
