package record

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"rcjail/compat/state"
)

// TestJails: every jail with a record (snapshot or journal alone)
// is listed once, by the name it was started with when the snapshot has
// it, legacy names (an older rcjail's "a-b.json") included; files that are
// not a jail's record are not.
func TestJails(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, state.DirPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"a_b.json":    `{"jail":"a-b","state":"running"}`,
		"a_b.journal": `{"ev":"begin"}` + "\n",
		"www.journal": `{"ev":"begin"}` + "\n",
		"db.json":     `{"jail":"other","state":"dirty"}`, // not db's name: listed by its key
		"x.lock":      "",
		"a-b.json":    `{"jail":"a-b"}`,   // a legacy name of key a_b: listed once
		"old-1.json":  `{"jail":"old-1"}`, // a legacy name alone: listed by it
		"t1.json.tmp": "{",
		"notes.txt":   "",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "evil.json")); err != nil {
		t.Fatal(err)
	}
	got, err := Jails(root)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"a-b", "db", "old-1", "www"}; !slices.Equal(got, want) {
		t.Errorf("RecordedJails = %q, want %q", got, want)
	}
	if got, err := Jails(t.TempDir()); err != nil || len(got) != 0 {
		t.Errorf("no state directory: %q, %v", got, err)
	}
}
