package native

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJournalSymlinkRefused: a symlink planted at the journal's name is
// neither followed nor written through, whether it points to an existing
// file or a missing one (O_CREAT would otherwise make it).
func TestJournalSymlinkRefused(t *testing.T) {
	dir, err := openStateDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	outside := t.TempDir()
	precious := filepath.Join(outside, "precious")
	if err := os.WriteFile(precious, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{precious, filepath.Join(outside, "new")} {
		link := filepath.Join(dir.Name(), "b.journal")
		os.Remove(link)
		if err := os.Symlink(to, link); err != nil {
			t.Fatal(err)
		}
		var warned []string
		_, _, j := loadRecord(dir, "b", func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
		if j != nil {
			j.Close()
			t.Errorf("symlink to %s: opened", to)
		}
		if len(warned) != 1 || !strings.Contains(warned[0], "open journal") {
			t.Errorf("symlink to %s: warnings %q, want the open error", to, warned)
		}
	}
	if b, err := os.ReadFile(precious); err != nil || string(b) != "keep" {
		t.Errorf("the symlink's target changed: %q, %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(outside, "new")); err == nil {
		t.Error("a file was created through the symlink")
	}
}

// TestStateDirOpenedFirst: the state directory is opened without being
// made when it exists, made when it does not, and a symlink in its place
// is refused either way (never followed to a directory someone else
// chose).
func TestStateDirOpenedFirst(t *testing.T) {
	root := t.TempDir()
	d, err := openStateDir(root)
	if err != nil {
		t.Fatalf("missing: %v", err)
	}
	d.Close()
	if d, err = openStateDir(root); err != nil {
		t.Fatalf("existing: %v", err)
	}
	d.Close()
	fi, err := os.Stat(filepath.Join(root, StateDir))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("state directory: %v, %v; want mode 0700", fi, err)
	}
	other := t.TempDir()
	root2 := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root2, "var/run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, filepath.Join(root2, StateDir)); err != nil {
		t.Fatal(err)
	}
	if d, err := openStateDir(root2); err == nil {
		d.Close()
		t.Fatal("a symlinked state directory was opened")
	}
}
