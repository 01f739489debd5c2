package native

import (
	"path"
	"testing"
)

// TestJoinPath: the shortcut gives path.Join's answer on clean and unclean
// inputs.
func TestJoinPath(t *testing.T) {
	for _, root := range []string{"", "/", "/j", "/j/", "/j/./a", "/j/a", "//j", "j", "/j/.."} {
		for _, r := range []string{"", ".", "..", "a", "a/b", "a/../b", "../x", "a/", "/a", "a//b"} {
			if got, want := joinPath(root, r), path.Join(root, r); got != want {
				t.Errorf("joinPath(%q, %q) = %q, want %q", root, r, got, want)
			}
		}
	}
}

// TestRecMountAtIn: the record search's comparison (the full path's
// plainness computed once) answers exactly as comparing the joined target,
// for clean entries and for the odd ones a hand-edited record may hold.
func TestRecMountAtIn(t *testing.T) {
	roots := []string{"/j", "/j/", "/", "", "j", "/a/../j", "/j/b", "//j", "/j/.", "/j/usr"}
	rels := []string{"bin", "usr/lib", "usr//lib", "usr/./lib", "usr/lib/.", "usr/x/../lib", "", ".", "..", "../j/bin", "./bin", "bin/", "b/../bin", "/bin", "lib/..", "..bin", "lib"}
	fulls := []string{"/j/bin", "/j/usr/lib", "/j", "/", "/bin", "/j/b/bin", "j/bin", "/j/..bin", "/j/bin/", "/jbin", "/j//bin", "/j/lib", "/j/usr/lib/x"}
	n := 0
	for _, root := range roots {
		for _, rel := range rels {
			m := RecMount{Root: root, Rel: rel}
			for _, full := range fulls {
				want := path.Join(root, rel) == full
				if got := m.atIn(full, plainAbs(full)); got != want {
					t.Errorf("RecMount{Root: %q, Rel: %q}.atIn(%q) = %v, want %v", root, rel, full, got, want)
				}
				if want {
					n++
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d matching cases: the table tests little", n)
	}
}

// TestJailJoin: the per-jail join (root plainness remembered) gives
// path.Join's answer whatever the order of roots, plain or not, an empty
// one (a record's entry without a root) first of all.
func TestJailJoin(t *testing.T) {
	var js jailState
	roots := []string{"", "/j", "/j/", "/j", "//j", "/j", "/k/../j", "/k", "/j", ""}
	for _, root := range roots {
		for _, r := range []string{"a", "a/b", "a/../b", "", ".", "../x"} {
			if got, want := js.join(root, r), path.Join(root, r); got != want {
				t.Errorf("join(%q, %q) = %q, want %q", root, r, got, want)
			}
		}
	}
}
