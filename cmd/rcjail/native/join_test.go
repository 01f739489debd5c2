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
