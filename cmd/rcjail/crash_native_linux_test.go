//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNativeCrashMatrix is issue 12's crash matrix: for every effectful
// step of a start and of a stop, each record and journal write included
// (the numbered points of compat/fault: one just before and one just after
// each), rcjail is killed -9 there; then status, stop, start and stop run.
// The world must converge: the recovery stop and start exit 0, no point
// ever has two jails on one root, and at the end there is no jail process,
// no mount (the namespace's mount table is as before the first start), no
// alias, no id file, no record, journal or temporary file.
func TestNativeCrashMatrix(t *testing.T) {
	if !inProofNamespace(t) {
		return
	}
	w := newProofWorld(t, "t1")
	startPts, st, out := w.points("start")
	if st != 0 || len(startPts) == 0 {
		t.Fatalf("clean start: exit %d, %d fault points\n%s", st, len(startPts), out)
	}
	stopPts, st, out := w.points("stop")
	if st != 0 || len(stopPts) == 0 {
		t.Fatalf("clean stop: exit %d, %d fault points\n%s", st, len(stopPts), out)
	}
	if l := w.leftovers(); len(l) > 0 {
		t.Fatalf("clean start and stop left: %s", strings.Join(l, "; "))
	}
	t.Logf("%d points in a start, %d in a stop", len(startPts), len(stopPts))
	for _, c := range []struct {
		verb string
		pts  []string
	}{{"start", startPts}, {"stop", stopPts}} {
		for i, label := range c.pts {
			k := i + 1
			t.Run(fmt.Sprintf("%s/%03d-%s", c.verb, k, strings.ReplaceAll(label, " ", "_")), func(t *testing.T) {
				w.crashAt(t, c.verb, k)
			})
		}
	}
}

// crashAt kills rcjail verb at fault point k, then recovers with status,
// stop, start, stop and checks what is left.
func (w *proofWorld) crashAt(t *testing.T, verb string, k int) {
	defer w.use(t)()
	tr := &transcript{w: w, jail: "t1"}
	if verb == "stop" {
		if st := tr.run(nil, "start"); st != 0 {
			t.Fatalf("clean start before the crashed stop: exit %d\n%s", st, tr)
		}
	}
	if st := tr.run([]string{fmt.Sprintf("RCJAIL_FAULT_KILL=%d", k)}, verb); st != -1 {
		t.Errorf("%s was not killed at point %d (exit %d): the points of a run changed", verb, k, st)
	}
	tr.converge(t, fmt.Sprintf("a kill -9 of %s at point %d", verb, k))
}

// points counts the fault points of `rcjail args` run clean, and returns
// their labels (index k-1 is point k) and the run's status and output.
func (w *proofWorld) points(args ...string) ([]string, int, string) {
	w.t.Helper()
	log := filepath.Join(w.work, "points.log")
	_ = os.Remove(log)
	st, out := w.run([]string{"RCJAIL_FAULT_LOG=" + log}, args...)
	b, _ := os.ReadFile(log)
	var labels []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if _, rest, ok := strings.Cut(l, " "); ok {
			labels = append(labels, rest)
		}
	}
	return labels, st, out
}
