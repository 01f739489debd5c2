//go:build linux || freebsd

package rcconf

import (
	"path/filepath"
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
		wantErr(t, v, err, "/etc/rc.conf:1:8: redirection from \"/etc/fifo2\": cannot open", "not a regular file")
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
