//go:build linux

package main

import (
	"strings"
	"testing"
)

// TestNativeDashUnderscoreOneJail: `a-b` and `a_b` read the same
// jail_a_b_* variables, so they are one jail (issue 12, finding 4: two id
// files, two locks, two jails on one root, and stopping one pulled mounts
// from under the other). Started by both names, at once and one after the
// other, one jail runs; stopped by either name, nothing is left.
func TestNativeDashUnderscoreOneJail(t *testing.T) {
	if !inProofNamespace(t) {
		return
	}
	w := newProofWorld(t, "a_b")
	for _, c := range []struct {
		name       string
		concurrent bool
		stopAs     string
	}{{"sequential-stop-a-b", false, "a-b"}, {"concurrent-stop-a_b", true, "a_b"}, {"concurrent-stop-a-b", true, "a-b"}} {
		t.Run(c.name, func(t *testing.T) {
			defer w.use(t)()
			tr := &transcript{w: w, jail: "a_b"}
			if c.concurrent {
				tr.pair(t, 0, []string{"start", "a_b"}, []string{"start", "a-b"})
			} else {
				tr.run(nil, "start", "a_b")
				tr.run(nil, "start", "a-b")
			}
			if n := len(jailInits(w.jails["a_b"])); n != 1 {
				tr.note("!! %d jails run after starts by both names", n)
				tr.twice = true
			}
			st := tr.run(nil, "stop", c.stopAs)
			left := w.leftovers()
			if st != 0 || tr.twice || len(left) > 0 {
				t.Errorf("a-b and a_b: stop %s exit %d, two jails: %v, left after it: %s\n%s", c.stopAs, st, tr.twice, strings.Join(left, "; "), tr)
				w.scrub()
			}
		})
	}
}
