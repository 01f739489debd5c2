package record

import (
	"os"
	"path/filepath"
	"testing"

	"rcjail/compat/state"
)

// TestLegacyName: a record an older rcjail wrote under the jail's old file
// name (a-b.json and a-b.journal, where the key is now a_b) is found under
// key a_b, by either spelling: by status without the lock (Read), and by
// the lock holder (Load), which moves it to a_b.json and removes the old
// files; a later Load reads the moved record.
func TestLegacyName(t *testing.T) {
	for _, name := range []string{"a-b", "a_b"} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			dir, err := state.OpenDir(root)
			if err != nil {
				t.Fatal(err)
			}
			defer dir.Close()
			write := func(n, data string) {
				if err := os.WriteFile(filepath.Join(dir.Name(), n), []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write("a-b.json", `{"jail":"a-b","root":"/j","jid":7,"state":"running","mounts":[{"id":3,"fstype":"nullfs","root":"/j","rel":"bin"}]}`)
			write("a-b.journal", `{"ev":"alias","addr":{"Iface":"lo","Family":"inet","Addr":"127.0.0.9","Mask":"/32"}}`+"\n")

			r, err := Read(root, name)
			if err != nil || r == nil || r.JID != 7 || r.Root != "/j" || len(r.Mounts) != 1 || len(r.Aliases) != 1 {
				t.Fatalf("Read(%q) = %+v, %v; want the legacy record", name, r, err)
			}
			j := Load(dir, name, t.Errorf)
			if j.Rec == nil || j.Rec.JID != 7 || len(j.Rec.Mounts) != 1 || len(j.Rec.Aliases) != 1 {
				t.Fatalf("Load(%q).Rec = %+v; want the legacy record", name, j.Rec)
			}
			j.Close()
			for _, n := range []string{"a-b.json", "a-b.journal"} {
				if _, err := os.Lstat(filepath.Join(dir.Name(), n)); !os.IsNotExist(err) {
					t.Errorf("%s left after the move: %v", n, err)
				}
			}
			j = Load(dir, "a_b", t.Errorf)
			defer j.Close()
			if j.Rec == nil || j.Rec.JID != 7 || len(j.Rec.Aliases) != 1 {
				t.Errorf("after the move, Load(a_b).Rec = %+v", j.Rec)
			}
		})
	}
}
