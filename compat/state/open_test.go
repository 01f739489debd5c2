//go:build unix

package state

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// hostile makes, in dir, one file of each kind a state file must not be,
// and returns name → the message every open of it must fail with.
func hostile(t *testing.T, dir string) map[string]string {
	t.Helper()
	if err := unix.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if err := os.Mkdir(filepath.Join(dir, "dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("fifo", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero")); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"fifo": "is a named pipe, not a regular file",
		"sock": "is a socket, not a regular file",
		"dir":  "is a directory, not a regular file",
		"link": "is a symbolic link, not a regular file",
		"zero": "is a symbolic link, not a regular file",
	}
}

// within fails the test when f does not return within a second: a state
// file must never block rcjail (the hostile files here would block forever).
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatalf("%s: still blocked after 1s", what)
	}
}

func TestOpenRefusesHostileTypes(t *testing.T) {
	dir := t.TempDir()
	for name, want := range hostile(t, dir) {
		p := filepath.Join(dir, name)
		for _, flags := range []int{os.O_RDONLY, os.O_WRONLY | os.O_CREATE | os.O_TRUNC, os.O_WRONLY | os.O_CREATE | os.O_APPEND, os.O_RDWR | os.O_CREATE} {
			within(t, name, func() {
				f, err := Open(p, flags, 0o600, Regular)
				if err == nil {
					f.Close()
					t.Errorf("%s flags %#x: opened", name, flags)
					return
				}
				if got := err.Error(); got != "open "+p+": "+want {
					t.Errorf("%s flags %#x: %q, want %q", name, flags, got, "open "+p+": "+want)
				}
			})
		}
		within(t, name, func() {
			_, err := ReadIDFile(p)
			if err == nil || err.Error() != "open "+p+": "+want {
				t.Errorf("ReadIDFile(%s) = %v, want %q", name, err, want)
			}
		})
		err := Check(p, Regular)
		if err == nil || err.Error() != "check "+p+": "+want {
			t.Errorf("Check(%s) = %v, want %q", name, err, want)
		}
	}
	// A FIFO that has a reader: the open for writing would succeed (and
	// the write block once the pipe is full); the descriptor's type
	// refuses it.
	fifo := filepath.Join(dir, "fifo")
	rd, err := os.OpenFile(fifo, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	within(t, "fifo with a reader", func() {
		if _, err := Open(fifo, os.O_WRONLY, 0, Console); err == nil || err.Error() != "open "+fifo+": is a named pipe, not a regular file or character device" {
			t.Errorf("fifo with a reader: %v", err)
		}
	})
	// Missing: not there for a read, created for a write.
	if _, err := ReadIDFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing id file: %v, want ErrNotExist", err)
	}
	if err := Check(filepath.Join(dir, "missing"), Regular); err != nil {
		t.Errorf("Check(missing) = %v, want nil", err)
	}
	if err := Check(filepath.Join(dir, "nodir/x"), Regular); err == nil {
		t.Error("Check in a missing directory = nil")
	}
}

// TestConsoleMayBeCharDevice: /dev/null is a valid console log (the
// script's redirection wrote to it), never a valid id file.
func TestConsoleMayBeCharDevice(t *testing.T) {
	if err := Check("/dev/null", Console); err != nil {
		t.Errorf("Check(/dev/null, Console) = %v", err)
	}
	f, err := Open("/dev/null", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600, Console)
	if err != nil {
		t.Fatalf("open /dev/null as a console log: %v", err)
	}
	if fl, _ := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0); fl&unix.O_NONBLOCK != 0 {
		t.Error("console log left in non-blocking mode")
	}
	if _, err := f.Write([]byte("x\n")); err != nil {
		t.Errorf("write: %v", err)
	}
	f.Close()
	const want = "check /dev/null: is a character device, not a regular file"
	if err := Check("/dev/null", Regular); err == nil || err.Error() != want {
		t.Errorf("Check(/dev/null, Regular) = %v, want %q", err, want)
	}
	if _, err := ReadIDFile("/dev/zero"); err == nil || err.Error() != "open /dev/zero: is a character device, not a regular file" {
		t.Errorf("ReadIDFile(/dev/zero) = %v", err)
	}
}

// TestHugeIDFile: a 1 GiB id file is read through MaxID bytes.
func TestHugeIDFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "jail_x.id")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("4242\n")
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	within(t, "huge id file", func() {
		id, err := ReadIDFile(p)
		if err != nil || id != "4242" {
			t.Errorf("ReadIDFile = %q, %v; want 4242", id, err)
		}
	})
	// Without a newline in the prefix: the prefix itself, not a jid.
	g, _ := os.Create(p)
	g.Truncate(1 << 30)
	g.Close()
	f, _ = os.Open(p)
	defer f.Close()
	id, err := ReadID(f)
	if err != nil || len(id) != MaxID {
		t.Errorf("ReadID of zeros = %d bytes, %v; want %d", len(id), err, MaxID)
	}
	f.Seek(0, 0)
	if _, err := ReadAll(f, 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadAll over the limit = %v, want ErrTooLarge", err)
	}
}

// tempDirFD makes a fresh directory and opens it (closed when the test
// ends) for the *at calls Lock takes.
func tempDirFD(tb testing.TB) (string, int) {
	tb.Helper()
	dir := tb.TempDir()
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { unix.Close(dfd) })
	return dir, dfd
}

// TestLockFileExistsOnlyWhileHeld: Unlock removes the file, and waiters
// blocked on a removed file never share the lock with the next holder.
func TestLockFileExistsOnlyWhileHeld(t *testing.T) {
	dir, dfd := tempDirFD(t)
	f, err := Lock(context.Background(), dfd, dir, "j.lock", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Held: a second Lock that does not wait fails.
	if g, err := Lock(context.Background(), dfd, dir, "j.lock", 0); err == nil {
		g.Close()
		t.Fatal("second lock taken while held")
	} else if want := "lock " + dir + "/j.lock: another rcjail holds it (waited 0s): resource temporarily unavailable"; err.Error() != want {
		t.Errorf("second lock: %q, want %q", err, want)
	}
	if err := Unlock(dfd, "j.lock", f); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "j.lock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("lock file still there after Unlock: %v", err)
	}

	// Many holders in turn, each checking nobody else is inside.
	var inside atomic.Int32
	var shared atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				f, err := Lock(context.Background(), dfd, dir, "j.lock", time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					shared.Store(true)
				}
				time.Sleep(10 * time.Microsecond)
				inside.Add(-1)
				if err := Unlock(dfd, "j.lock", f); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if shared.Load() {
		t.Error("two holders of the lock at once")
	}
	if _, err := os.Lstat(filepath.Join(dir, "j.lock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("lock file left behind: %v", err)
	}
	// A FIFO planted at the lock's name is refused, not waited on.
	unix.Mkfifo(filepath.Join(dir, "f.lock"), 0o600)
	within(t, "fifo lock", func() {
		if _, err := Lock(context.Background(), dfd, dir, "f.lock", time.Minute); err == nil || err.Error() != "open "+dir+"/f.lock: is a named pipe, not a regular file" {
			t.Errorf("fifo lock: %v", err)
		}
	})
}
