//go:build linux || freebsd

package inspect

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSkelLstatUsesTheWalker: skelLstat reports what mount's no-follow walk
// finds: the first symlink on the way (with its content) or at the end, the
// first missing or non-directory component, and never looks through a link.
func TestSkelLstatUsesTheWalker(t *testing.T) {
	d := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(d, "real/sub"), 0o755))
	must(os.WriteFile(filepath.Join(d, "file"), nil, 0o644))
	must(os.Symlink("real", filepath.Join(d, "link")))
	must(os.Symlink("/etc", filepath.Join(d, "abs")))
	for _, c := range []struct {
		p, link, target, missing string
		dir                      bool
	}{
		{p: "real/sub", dir: true},
		{p: "link", link: "link", target: "real"},
		{p: "link/sub", link: "link", target: "real"},
		{p: "abs/passwd", link: "abs", target: "/etc"},
		{p: "real/none/x", missing: "real/none"},
		{p: "real/none", missing: "real/none"},
		{p: "file/x", missing: "file"},
	} {
		p := filepath.Join(d, c.p)
		fi, link, target, missing, err := skelLstat(p)
		rel := func(s string) string {
			if s == "" {
				return ""
			}
			r, _ := filepath.Rel(d, s)
			return r
		}
		if rel(link) != c.link || target != c.target || rel(missing) != c.missing {
			t.Errorf("skelLstat(%s) = link %q -> %q, missing %q (%v); want link %q -> %q, missing %q",
				c.p, rel(link), target, rel(missing), err, c.link, c.target, c.missing)
		}
		if c.dir && (fi == nil || !fi.IsDir() || err != nil) {
			t.Errorf("skelLstat(%s) = %v, %v; want a directory", c.p, fi, err)
		}
		if c.missing != "" && err == nil {
			t.Errorf("skelLstat(%s): missing without an error", c.p)
		}
	}
	if fi, _, _, _, err := skelLstat("/"); err != nil || !fi.IsDir() {
		t.Errorf("skelLstat(/) = %v, %v", fi, err)
	}
}
