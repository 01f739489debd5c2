//go:build linux || freebsd

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A mount point with many entries is reported from its first two names,
// sorted: the listing stops there whatever the jail put in it.
func TestSkelCheckHiddenManyEntries(t *testing.T) {
	f := newSkelFixture(t)
	dir := filepath.Join(f.root, "lib")
	f.mkdir(dir)
	for _, n := range []string{"c", "a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, errs := f.check(f.config())
	skelWantOne(t, st, errs, 0, "entry lib: mount point "+dir+" is not empty (it holds \"")
	if !strings.Contains(errs, ", …)") {
		t.Errorf("no ellipsis for more than one entry:\n%s", errs)
	}
}
