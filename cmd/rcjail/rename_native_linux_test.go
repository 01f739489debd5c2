//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNativeStopAfterRename: a skeleton mount point's parent (/usr of the
// jail) renamed while the jail runs, inside the root and to a place outside
// it (issue 12, finding 5: stop exited 0 and left every skeleton mount).
// Stop finds the mounts where they are now, unmounts them, reports the
// move, and leaves no mount anywhere.
func TestNativeStopAfterRename(t *testing.T) {
	if !inProofNamespace(t) {
		return
	}
	w := newProofWorld(t, "t1")
	jr := w.jails["t1"]
	for _, c := range []struct{ name, to string }{
		{"inside", filepath.Join(jr, "usr.moved")},
		{"outside", filepath.Join(w.work, "usr.outside")},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer w.use(t)()
			tr := &transcript{w: w, jail: "t1"}
			if st := tr.run(nil, "start"); st != 0 {
				t.Fatalf("start: %d\n%s", st, tr)
			}
			cfMust(t, os.Rename(filepath.Join(jr, "usr"), c.to))
			defer func() {
				_ = os.Rename(c.to, filepath.Join(jr, "usr"))
			}()
			moved := mountsUnder(t, c.to)
			if len(moved) == 0 {
				t.Fatalf("nothing mounted under %s after the rename", c.to)
			}
			st, out := w.run(nil, "stop")
			tr.note("$ rcjail stop  (exit %d)\n%s", st, out)
			var bad []string
			if st != 0 {
				bad = append(bad, "stop exit "+strconv.Itoa(st))
			}
			if m := mountsUnder(t, w.work); len(m) > 0 {
				bad = append(bad, "left mounted: "+strings.Join(m, " "))
			}
			for _, m := range moved {
				if !strings.Contains(out, `"`+m+`"`) {
					bad = append(bad, "the move to "+m+" is not reported")
				}
			}
			if p := procsRootedAt(jr); len(p) > 0 {
				bad = append(bad, fmt.Sprintf("processes %v", p))
			}
			if len(bad) > 0 {
				t.Errorf("stop after renaming usr to %s: %s\n%s", c.to, strings.Join(bad, "; "), tr)
			}
			cfMust(t, os.Rename(c.to, filepath.Join(jr, "usr")))
			if len(bad) > 0 {
				w.scrub()
				return
			}
			tr.converge(t, "a stop after the rename")
		})
	}
}
