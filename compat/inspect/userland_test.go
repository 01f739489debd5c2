//go:build linux || freebsd

package inspect

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A FIFO, a directory or a huge file where bin/freebsd-version belongs must
// neither hang the skel report nor fill memory: the version is just unknown.
func TestUserlandVersionHostileFile(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(bin, "freebsd-version")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if v := UserlandVersion(root); v != "" {
		t.Errorf("FIFO: version %q", v)
	}
	os.Remove(p)
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if v := UserlandVersion(root); v != "" {
		t.Errorf("directory: version %q", v)
	}
	os.Remove(p)
	// The version line after 64 KiB of padding is not read.
	pad := make([]byte, 70<<10)
	for i := range pad {
		pad[i] = '#'
	}
	if err := os.WriteFile(p, append(pad, "\nUSERLAND_VERSION=\"14.2-RELEASE\"\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if v := UserlandVersion(root); v != "" {
		t.Errorf("huge file: version %q, want it unread", v)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\nUSERLAND_VERSION=\"14.2-RELEASE\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if v := UserlandVersion(root); v != "14.2-RELEASE" {
		t.Errorf("plain file: version %q", v)
	}
}
