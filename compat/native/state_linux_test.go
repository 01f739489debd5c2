package native

import (
	"os"
	"path/filepath"
	"testing"

	"rcjail/compat/state"
)

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
	fi, err := os.Stat(filepath.Join(root, state.DirPath))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("state directory: %v, %v; want mode 0700", fi, err)
	}
	// SPEC §3.8: the state directory is root's host path and may be a
	// symlink; it is followed inside the -R root (an absolute target
	// starts again at the root), never to the host's own directory.
	root2 := t.TempDir()
	for _, d := range []string{"var/run", "srv/rcjail"} {
		if err := os.MkdirAll(filepath.Join(root2, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/srv/rcjail", filepath.Join(root2, state.DirPath)); err != nil {
		t.Fatal(err)
	}
	d, err = openStateDir(root2)
	if err != nil {
		t.Fatalf("symlinked state directory: %v", err)
	}
	defer d.Close()
	if want := filepath.Join(root2, "srv/rcjail"); d.Name() != want {
		t.Errorf("opened %s, want %s", d.Name(), want)
	}
	if fi, err := os.Stat(filepath.Join(root2, "srv/rcjail")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("link target: %v, %v; want mode 0700", fi, err)
	}
}

// TestStateThroughVarRunLink: with /var/run a symlink to /run (systemd
// Linux, issue 10 item 11) the id file is written, read and removed through
// it by both openers (openat2 and the portable walk), inside the -R root.
func TestStateThroughVarRunLink(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"run", "var"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/run", filepath.Join(root, "var/run")); err != nil {
		t.Fatal(err)
	}
	x, err := New(Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, o := range []struct {
		name string
		open stateOpener
	}{{"openat2", x.openStateAt}, {"walk", x.walkOpener(0)}} {
		t.Run(o.name, func(t *testing.T) {
			const id = "/var/run/jail_t1.id"
			f, err := state.OpenVia(o.open, id, true, false, state.Regular)
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			f.WriteString("7\n")
			f.Close()
			if b, err := os.ReadFile(filepath.Join(root, "run/jail_t1.id")); err != nil || string(b) != "7\n" {
				t.Fatalf("id file under run/: %q, %v", b, err)
			}
			if b, ok, err := state.ReadIDVia(o.open, id); err != nil || !ok || b != "7" {
				t.Fatalf("read: %q, %v, %v", b, ok, err)
			}
			if err := state.RemoveVia(o.open, id); err != nil {
				t.Fatalf("remove: %v", err)
			}
			if _, err := os.Lstat(filepath.Join(root, "run/jail_t1.id")); !os.IsNotExist(err) {
				t.Fatalf("id file left: %v", err)
			}
			// The file itself is still never followed.
			if err := os.Symlink("/etc/passwd", filepath.Join(root, "run/jail_t1.id")); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(filepath.Join(root, "run/jail_t1.id"))
			if f, err := state.OpenVia(o.open, id, true, false, state.Regular); err == nil {
				f.Close()
				t.Fatal("a symlinked id file was opened")
			}
		})
	}
	d, err := x.stateDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "run/rcjail"); d.Name() != want {
		t.Errorf("state directory %s, want %s", d.Name(), want)
	}
}
