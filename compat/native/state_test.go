package native

import (
	"testing"
)

// TestRel: a step's path relative to its jail root, refused unless it lies
// strictly below the root (the root itself, a sibling sharing the prefix,
// another tree).
func TestRel(t *testing.T) {
	for _, c := range []struct{ root, p, want string }{
		{"/j", "/j/bin", "bin"},
		{"/j", "/j/usr/lib", "usr/lib"},
		{"/j", "/j", ""},
		{"/j", "/jbin", ""},
		{"/j", "/k/bin", ""},
		{"/j/a", "/j", ""},
	} {
		got, err := rel(c.root, c.p)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("rel(%q, %q) = %q, %v; want %q", c.root, c.p, got, err, c.want)
		}
	}
}
