//go:build unix

package record

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/compat/state"
)

// TestJournalPlantedEntry: a symlink or FIFO planted where the journal
// goes (only someone who can write the root-owned state directory can) is
// never followed, read or written through: it is removed, with a warning,
// and a fresh journal takes its place, so the jail's start goes on as the
// script's would. The symlink's target, existing or not, is untouched.
func TestJournalPlantedEntry(t *testing.T) {
	dir, err := state.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	outside := t.TempDir()
	precious := filepath.Join(outside, "precious")
	if err := os.WriteFile(precious, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir.Name(), "b.journal")
	plant := map[string]func() error{
		"symlink to a file":    func() error { return os.Symlink(precious, link) },
		"symlink to a new one": func() error { return os.Symlink(filepath.Join(outside, "new"), link) },
		"fifo":                 func() error { return unix.Mkfifo(link, 0o600) },
	}
	for what, mk := range plant {
		os.Remove(link)
		if err := mk(); err != nil {
			t.Fatal(err)
		}
		var warned []string
		j := Load(dir, "b", func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
		if j.f == nil {
			t.Fatalf("%s: no journal opened; warnings %q", what, warned)
		}
		if len(warned) != 1 || !strings.Contains(warned[0], "removed, a new one started") {
			t.Errorf("%s: warnings %q, want one naming the removal", what, warned)
		}
		if err := j.Note(Event{Ev: "begin", Root: "/j/b"}); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		st, err := os.Lstat(link)
		if err != nil || !st.Mode().IsRegular() {
			t.Errorf("%s: journal after the first event: %v, %v; want a regular file", what, st, err)
		}
		j.Close()
	}
	if b, err := os.ReadFile(precious); err != nil || string(b) != "keep" {
		t.Errorf("the symlink's target changed: %q, %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(outside, "new")); err == nil {
		t.Error("a file was created through the symlink")
	}
}
