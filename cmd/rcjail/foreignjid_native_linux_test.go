//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNativeForeignJID: t1's id file names t2's jid, as pid reuse makes
// it (issue 12, finding 6: start said "already running", stop ran
// exec_stop inside t2 and killed it). Neither stop t1 nor start t1 touches
// anything of t2: its processes, mounts, id file and record stay.
func TestNativeForeignJID(t *testing.T) {
	if !inProofNamespace(t) {
		return
	}
	w := newProofWorld(t, "t1", "t2")
	tr := &transcript{w: w, jail: "t1"}
	if st := tr.run(nil, "start"); st != 0 {
		t.Fatalf("start: %d\n%s", st, tr)
	}
	id1 := filepath.Join(w.root, "var/run/jail_t1.id")
	id2 := filepath.Join(w.root, "var/run/jail_t2.id")
	rec2 := filepath.Join(w.root, "var/run/rcjail/t2.json")
	jid2 := skelReadFile(t, id2)
	rec2Before := skelReadFile(t, rec2)
	procs2 := fmt.Sprint(procsRootedAt(w.jails["t2"]))
	mounts2 := strings.Join(mountsUnder(t, w.jails["t2"]), " ")
	t2Intact := func(when string) {
		t.Helper()
		if p := fmt.Sprint(procsRootedAt(w.jails["t2"])); p != procs2 {
			t.Errorf("%s: t2's processes %s, were %s\n%s", when, p, procs2, tr)
		}
		if m := strings.Join(mountsUnder(t, w.jails["t2"]), " "); m != mounts2 {
			t.Errorf("%s: t2's mounts\n%s\nwere\n%s", when, m, mounts2)
		}
		if b, err := os.ReadFile(id2); err != nil || string(b) != jid2 {
			t.Errorf("%s: t2's id file %q (%v), was %q", when, b, err, jid2)
		}
		if b, err := os.ReadFile(rec2); err != nil || string(b) != rec2Before {
			t.Errorf("%s: t2's record changed (%v)", when, err)
		}
	}
	cfMust(t, os.WriteFile(id1, []byte(jid2), 0o644))
	if st := tr.run(nil, "stop", "t1"); st != 0 {
		t.Errorf("stop t1 with t2's jid in its id file: exit %d\n%s", st, tr)
	}
	t2Intact("after stop t1")
	if p := procsRootedAt(w.jails["t1"]); len(p) > 0 {
		t.Errorf("t1 still runs after its stop: %v\n%s", p, tr)
	}
	cfMust(t, os.WriteFile(id1, []byte(jid2), 0o644))
	if st := tr.run(nil, "start", "t1"); st != 0 || len(jailInits(w.jails["t1"])) != 1 {
		t.Errorf("start t1 with t2's jid in its stale id file: exit %d, %d jails on t1's root\n%s", st, len(jailInits(w.jails["t1"])), tr)
	}
	t2Intact("after start t1")
	if st := tr.run(nil, "stop"); st != 0 {
		t.Errorf("stop: exit %d\n%s", st, tr)
	}
	if left := w.leftovers(); len(left) > 0 {
		t.Errorf("left after stop: %s\n%s", strings.Join(left, "; "), tr)
	}
}
