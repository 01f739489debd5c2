//go:build unix

package state

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestOpenDirLayout: the state directory is made 0700 under the root,
// through the host's /var/run symlink (resolved inside the root), and
// FindDir never makes it.
func TestOpenDirLayout(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "var"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/run", filepath.Join(root, "var/run")); err != nil {
		t.Fatal(err)
	}
	if _, err := FindDir(root); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("FindDir of a missing directory = %v, want ErrNotExist", err)
	}
	if _, err := os.Lstat(filepath.Join(root, "run/rcjail")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("FindDir made the directory: %v", err)
	}
	d, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if want := filepath.Join(root, "run/rcjail"); d.Name() != want {
		t.Errorf("Name = %q, want %q", d.Name(), want)
	}
	st, err := os.Lstat(filepath.Join(root, "run/rcjail"))
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("state directory: %v, %v; want a 0700 directory", st, err)
	}
	// Loosened by someone: a writer makes it private again.
	os.Chmod(filepath.Join(root, "run/rcjail"), 0o777)
	d2, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	d2.Close()
	if st, _ := os.Lstat(filepath.Join(root, "run/rcjail")); st.Mode().Perm() != 0o700 {
		t.Errorf("mode after OpenDir = %v, want 0700", st.Mode().Perm())
	}
	// The directory replaced by a symlink is a host directory like
	// /var/run (SPEC §3.8): followed inside the root, and what it names
	// must still be a directory of ours.
	os.Remove(filepath.Join(root, "run/rcjail"))
	os.Mkdir(filepath.Join(root, "elsewhere"), 0o755)
	os.Symlink("/elsewhere", filepath.Join(root, "run/rcjail"))
	d3, err := FindDir(root)
	if err != nil {
		t.Fatalf("symlinked state directory: %v", err)
	}
	if d3.Name() != filepath.Join(root, "elsewhere") {
		t.Errorf("symlinked state directory opened as %q", d3.Name())
	}
	d3.Close()
	if st, _ := os.Lstat(filepath.Join(root, "elsewhere")); st.Mode().Perm() != 0o755 {
		t.Errorf("FindDir changed the mode to %v", st.Mode().Perm())
	}
}

// TestWriteAtomicNoLitter: a crash's temporary file (or a symlink planted
// at its name) never survives the next Lock or write, and is never
// followed.
func TestWriteAtomicNoLitter(t *testing.T) {
	root := t.TempDir()
	d, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	victim := filepath.Join(root, "victim")
	os.WriteFile(victim, []byte("keep\n"), 0o600)
	// A symlink at the temporary name: removed, not written through.
	if err := os.Symlink(victim, d.Path(RecordName("www")+".tmp")); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteAtomic(RecordName("www"), []byte("{}\n"), true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep\n" {
		t.Errorf("write followed the planted link: victim holds %q", b)
	}
	b, err := d.ReadFile(RecordName("www"), 100)
	if err != nil || string(b) != "{}\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if _, err := d.ReadFile(RecordName("www"), 2); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFile over max = %v, want ErrTooLarge", err)
	}
	// A crash between the temporary file's creation and the rename:
	// the next holder of the lock removes it.
	for _, n := range []string{RecordName("www") + ".tmp", JournalName("www") + ".tmp"} {
		os.WriteFile(d.Path(n), []byte("torn"), 0o600)
	}
	l, err := d.Lock(context.Background(), "www", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(d.Name())
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"www.json"}) {
		t.Errorf("state directory holds %q, want only the record", names)
	}
	keys, err := d.Records()
	if err != nil || !slices.Equal(keys, []string{"www"}) {
		t.Errorf("Records = %q, %v", keys, err)
	}
	if err := d.Remove(RecordName("www")); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(RecordName("www")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("second Remove = %v, want ErrNotExist", err)
	}
}

// TestIDFiles: only regular jail_<j>.id files in /var/run (through its
// symlink, inside the root) are id files.
func TestIDFiles(t *testing.T) {
	root := t.TempDir()
	if got, err := IDFiles(root); err != nil || got != nil {
		t.Errorf("IDFiles with no /var/run = %q, %v", got, err)
	}
	os.MkdirAll(filepath.Join(root, "run"), 0o755)
	os.MkdirAll(filepath.Join(root, "var"), 0o755)
	os.Symlink("/run", filepath.Join(root, "var/run"))
	for _, n := range []string{"jail_b.id", "jail_a.id", "jail_.id", "other.id"} {
		os.WriteFile(filepath.Join(root, "run", n), []byte("1\n"), 0o600)
	}
	os.Symlink("/etc/passwd", filepath.Join(root, "run/jail_link.id"))
	os.Mkdir(filepath.Join(root, "run/jail_dir.id"), 0o700)
	got, err := IDFiles(root)
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("IDFiles = %q, %v; want [a b]", got, err)
	}
	if id, err := ReadJailID(root, "a"); err != nil || id != "1" {
		t.Errorf("ReadJailID = %q, %v", id, err)
	}
	if _, err := ReadJailID(root, "link"); err == nil {
		t.Error("ReadJailID followed a symlinked id file")
	}
}
