//go:build unix

package state

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestLockPlantedEntry: a symlink, FIFO or empty directory planted at a
// jail's lock name (only someone who can write the root-owned state
// directory can) would keep that jail from ever being started or stopped.
// Dir.Lock removes the entry itself — never what a symlink points to —
// says what it was, and takes the lock on a new file. A directory that
// holds something is not removed: the lock is refused, naming it.
func TestLockPlantedEntry(t *testing.T) {
	root := t.TempDir()
	d, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	outside := t.TempDir()
	precious := filepath.Join(outside, "precious")
	if err := os.WriteFile(precious, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	lock := d.Path(LockName("www"))
	for what, c := range map[string]struct {
		plant func() error
		want  string
	}{
		"symlink": {func() error { return os.Symlink(precious, lock) }, "symbolic link"},
		"fifo":    {func() error { return unix.Mkfifo(lock, 0o600) }, "named pipe"},
		"dir":     {func() error { return os.Mkdir(lock, 0o700) }, "directory"},
	} {
		if err := c.plant(); err != nil {
			t.Fatal(err)
		}
		within(t, what, func() {
			l, err := d.Lock(context.Background(), "www", time.Second)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if l.Planted != c.want {
				t.Errorf("%s: Planted %q, want %q", what, l.Planted, c.want)
			}
			if st, err := os.Lstat(lock); err != nil || !st.Mode().IsRegular() {
				t.Errorf("%s: lock file %v, %v; want a regular file", what, st, err)
			}
			if err := l.Unlock(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if b, err := os.ReadFile(precious); err != nil || string(b) != "keep" {
		t.Errorf("the symlink's target changed: %q, %v", b, err)
	}
	// A directory with something in it stays, and is named.
	if err := os.MkdirAll(filepath.Join(lock, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Lock(context.Background(), "www", 0); err == nil || !strings.Contains(err.Error(), "remove the directory at www.lock") {
		t.Errorf("non-empty directory: %v", err)
	}
}

// TestLockPlantedRace: many takers of one jail's lock, whose name starts
// as a planted FIFO, never hold it two at a time: the removal looks at the
// type again under the directory's flock, so a taker never removes the
// regular lock file another one made after the FIFO went.
func TestLockPlantedRace(t *testing.T) {
	for round := 0; round < 20; round++ {
		d, err := OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.Mkfifo(d.Path(LockName("www")), 0o600); err != nil {
			t.Fatal(err)
		}
		var inside, removed atomic.Int32
		var shared atomic.Bool
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					l, err := d.Lock(context.Background(), "www", time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if l.Planted != "" {
						removed.Add(1)
					}
					if inside.Add(1) != 1 {
						shared.Store(true)
					}
					time.Sleep(10 * time.Microsecond)
					inside.Add(-1)
					if err := l.Unlock(); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		d.Close()
		if shared.Load() {
			t.Fatalf("round %d: two holders of the lock at once", round)
		}
		if n := removed.Load(); n != 1 {
			t.Fatalf("round %d: the planted FIFO was removed %d times, want once", round, n)
		}
	}
}
