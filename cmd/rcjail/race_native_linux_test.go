//go:build linux

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNativeConcurrentStarts: two starts of one jail at once (issue 12,
// finding 7). One starts it; the other prints the 8.x script's
// " [host already running (…)]" and exits 0; one jail runs.
func TestNativeConcurrentStarts(t *testing.T) {
	if !inProofNamespace(t) {
		return
	}
	w := newProofWorld(t, "t1")
	for round := 0; round < 4; round++ {
		t.Run(strconv.Itoa(round), func(t *testing.T) {
			defer w.use(t)()
			tr := &transcript{w: w, jail: "t1"}
			a, b := tr.pair(t, 0, []string{"start"}, []string{"start"})
			won, lost := 0, 0
			for _, o := range []string{a.out, b.out} {
				switch {
				case strings.HasSuffix(o, "Starting jails: t1.example.org.\n"):
					won++
				case strings.Contains(o, "Starting jails: [t1.example.org already running (/var/run/jail_t1.id exists)]."):
					lost++
				}
			}
			n := len(jailInits(w.jails["t1"]))
			if a.status != 0 || b.status != 0 || won != 1 || lost != 1 || a.errout+b.errout != "" || n != 1 {
				t.Errorf("two starts at once: want one start and one \" [… already running (…)]\", both exit 0, no error, one jail; %d jails\n%s", n, tr)
			}
			if st := tr.run(nil, "stop"); st != 0 || len(w.leftovers()) > 0 {
				t.Errorf("stop after the race: exit %d, left %v\n%s", st, w.leftovers(), tr)
				w.scrub()
			}
		})
	}
}

// TestNativeStartStopRace: a stop started at a random offset into a start
// (issue 12, finding 7: stop said "No jail id" yet stopped the jail, and a
// stale id file remained). Whatever the order, the messages agree with the
// outcome: a stop that says it stopped the jail leaves none and no id file;
// one that says there is no jail leaves the started jail running with its id
// file naming it.
func TestNativeStartStopRace(t *testing.T) {
	if !inProofNamespace(t) {
		return
	}
	w := newProofWorld(t, "t1")
	rng := rand.New(rand.NewPCG(12, 7))
	idf := filepath.Join(w.root, "var/run/jail_t1.id")
	for round := 0; round < 8; round++ {
		delay := time.Duration(rng.IntN(150)) * time.Millisecond
		t.Run(fmt.Sprintf("%d-%s", round, delay), func(t *testing.T) {
			defer w.use(t)()
			tr := &transcript{w: w, jail: "t1"}
			a, b := tr.pair(t, delay, []string{"start"}, []string{"stop"})
			inits := jailInits(w.jails["t1"])
			id, idErr := os.ReadFile(idf)
			stopped := strings.HasSuffix(b.out, "Stopping jails: t1.example.org.\n")
			noJail := strings.Contains(b.out, "cannot stop jail t1. No jail id")
			var bad []string
			if a.status != 0 || b.status != 0 {
				bad = append(bad, "an exit status is not 0")
			}
			if stopped == noJail {
				bad = append(bad, "stop neither stopped the jail nor said there was none")
			}
			if stopped && (len(inits) != 0 || idErr == nil) {
				bad = append(bad, fmt.Sprintf("stop said it stopped the jail, yet %d jails run, id file %q", len(inits), id))
			}
			if noJail {
				jid := strings.TrimSpace(string(id))
				if len(inits) != 1 || idErr != nil || !rootedAt("/proc/"+jid+"/root", w.jails["t1"]) {
					bad = append(bad, fmt.Sprintf("stop said there was no jail, yet %d jails run, id file %q (%v)", len(inits), id, idErr))
				}
			}
			if len(bad) > 0 {
				t.Errorf("start vs stop: %s\n%s", strings.Join(bad, "; "), tr)
			}
			if st := tr.run(nil, "stop"); st != 0 || len(w.leftovers()) > 0 {
				t.Errorf("stop after the race: exit %d, left %v\n%s", st, w.leftovers(), tr)
				w.scrub()
			}
		})
	}
}
