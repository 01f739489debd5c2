//go:build linux || freebsd

package rcconf

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFIFORefused: a FIFO where a file is sourced or read is refused at
// once, not waited on.
func TestFIFORefused(t *testing.T) {
	root := tree(t, map[string]string{
		"etc/defaults/rc.conf": "source_rc_confs() { [ -r /etc/rc.conf.local ] && . /etc/rc.conf.local; }\n",
	})
	if err := syscall.Mkfifo(filepath.Join(root, "etc/rc.conf.local"), 0o644); err != nil {
		t.Fatal(err)
	}
	notBlocked(t, func() {
		v, err := loadRoot(t, root, nil)
		wantErr(t, v, err, "/etc/defaults/rc.conf:1:", "not a regular file")
		globRoot := rcTree(t, "for f in /etc/fifo/*; do x=$f; done\n")
		if err := syscall.Mkfifo(filepath.Join(globRoot, "etc/fifo"), 0o644); err != nil {
			t.Error(err)
			return
		}
		v, err = loadRoot(t, globRoot, nil)
		if err != nil || getOr(v, "x") != "/etc/fifo/*" {
			t.Errorf("glob below a FIFO: %v", err)
		}
	})
	// The same FIFO read from a tree that has it.
	root2 := rcTree(t, "read x < /etc/fifo2\n")
	if err := syscall.Mkfifo(filepath.Join(root2, "etc/fifo2"), 0o644); err != nil {
		t.Fatal(err)
	}
	notBlocked(t, func() {
		v, err := loadRoot(t, root2, nil)
		wantSoft(t, v, err, "/etc/rc.conf:1:8: redirection from \"/etc/fifo2\": cannot open", "not a regular file")
	})
}

// notBlocked runs load in a goroutine and fails the test when it has not
// returned within 20 seconds: a Load waiting on a FIFO would otherwise hang
// the test binary until go test's own timeout.
func notBlocked(t *testing.T, load func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		load()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Load blocked on a FIFO")
	}
}

// TestFIFONotOpened: a FIFO (or device) is refused before it is opened:
// opening it would wake a writer blocked on it (and a device's open runs
// its driver). Both resolvers.
func TestFIFONotOpened(t *testing.T) {
	root := rcTree(t, "x=1\n")
	fifo := filepath.Join(root, "etc/fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, walk := range []bool{false, true} {
		opened := make(chan struct{})
		go func() {
			// Blocks until a reader opens the FIFO.
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err == nil {
				f.Close()
			}
			close(opened)
		}()
		time.Sleep(100 * time.Millisecond) // the writer is waiting by now
		v, err := openVFS(root, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		v.noOpenat2 = walk
		if _, err := v.readFile("/etc/fifo"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("walk=%v: readFile of a FIFO: %v", walk, err)
		}
		v.close()
		select {
		case <-opened:
			t.Errorf("walk=%v: the FIFO was opened", walk)
		case <-time.After(100 * time.Millisecond):
			// Release the writer.
			r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
			if err != nil {
				t.Fatal(err)
			}
			<-opened
			r.Close()
		}
	}
}
