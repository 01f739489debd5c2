package native

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJournalLifecycle: a start finds no journal after a clean stop,
// creates it and reads nothing; a journal that exists (a crash left it)
// is read; a symlink planted at the journal's name is neither followed
// nor written through, whether the journal is being created or opened.
func TestJournalLifecycle(t *testing.T) {
	dir, err := openStateDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	var warned []string
	warn := func(f string, a ...any) { warned = append(warned, f) }

	r, snap, j := loadRecord(dir, "a", warn)
	if r != nil || snap || j == nil {
		t.Fatalf("fresh: record %+v, snap %v, journal %v; want none, none, an open journal", r, snap, j)
	}
	line := (&event{Ev: "begin", Root: "/j/a"}).appendJSON(nil)
	if _, err := j.Write(line); err != nil {
		t.Fatal(err)
	}
	j.Close()

	// Left behind (as by a crash): replayed.
	r, _, j = loadRecord(dir, "a", warn)
	if r == nil || r.Root != "/j/a" || r.State != "starting" {
		t.Fatalf("existing journal not replayed: %+v", r)
	}
	j.Close()

	// A clean stop removes it: the next start has nothing to read.
	if err := removeJournal(dir, "a"); err != nil {
		t.Fatal(err)
	}
	if err := removeJournal(dir, "a"); err != nil {
		t.Fatalf("removing a missing journal: %v", err)
	}
	if r, _, j = loadRecord(dir, "a", warn); r != nil || j == nil {
		t.Fatalf("after removal: record %+v, journal %v", r, j)
	}
	j.Close()

	// A planted symlink, to an existing file and to a missing one.
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
		warned = nil
		_, _, j := loadRecord(dir, "b", warn)
		if j != nil {
			j.Close()
			t.Errorf("symlink to %s: opened", to)
		}
		if len(warned) != 1 || !strings.Contains(warned[0], "%v") {
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
