//go:build unix

package compat

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/compat/state"
)

// TestRecordFiles: a jail's records are found by key (two spellings, one
// jail), other jails' are not, and hostile files in the state directory
// (a FIFO, a symlink, a huge file, garbage) neither hang nor match.
func TestRecordFiles(t *testing.T) {
	root := t.TempDir()
	if got := RecordFiles(root, "a-b"); got != nil {
		t.Errorf("no state directory: %q", got)
	}
	d, err := state.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(d.Path(name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a_b.json", `{"jail":"a-b","root":"/j/ab"}`)
	write("old.json", `{"state":"dirty","jail":"a_b"}`) // another file, same jail
	write("www.json", `{"jail":"www"}`)
	write("junk.json", `not json`)
	big := `{"pad":"` + strings.Repeat("x", 1<<20) + `","jail":"a_b"}`
	write("big.json", big) // the member is past the prefix read: not ours to find
	if err := unix.Mkfifo(d.Path("fifo.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "elsewhere.json"), d.Path("link.json")); err != nil {
		t.Fatal(err)
	}
	write("../../../elsewhere.json", `{"jail":"a-b"}`)

	done := make(chan []string)
	go func() { done <- RecordFiles(root, "a_b") }()
	select {
	case got := <-done:
		slices.Sort(got)
		want := []string{"/var/run/rcjail/a_b.json", "/var/run/rcjail/old.json"}
		if !slices.Equal(got, want) {
			t.Errorf("RecordFiles(a_b) = %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RecordFiles blocked (on the FIFO?)")
	}
	if got := RecordFiles(root, "www"); !slices.Equal(got, []string{"/var/run/rcjail/www.json"}) {
		t.Errorf("RecordFiles(www) = %q", got)
	}
	if got := RecordFiles(root, "db"); got != nil {
		t.Errorf("RecordFiles(db) = %q, want none", got)
	}
}
