package main

import (
	"context"
	"testing"

	"rcjail/compat"
)

// consoleQ answers the console's two questions: the id file holds jid,
// and the kernel runs jail jid in root (when running).
type consoleQ struct {
	compat.Querier
	jid, root string
	running   bool
	asked     []string // the roots JailRunning was asked about
}

func (q *consoleQ) ReadIDFile(context.Context, string) (string, bool, error) {
	return q.jid, q.jid != "", nil
}

func (q *consoleQ) JailRunning(_ context.Context, jid, root string) (bool, error) {
	q.asked = append(q.asked, root)
	// As the native host answers: a root given must be the jail's.
	return q.running && jid == q.jid && (root == "" || root == q.root), nil
}

// TestConsoleTargetChecksTheRoot: the console opens in the id file's jid
// only when that jid runs this jail's root; a recycled jid running another
// jail (a foreign jid, issue 12) gets the name, as does a dead one.
func TestConsoleTargetChecksTheRoot(t *testing.T) {
	j := &compat.Jail{Name: "www", J: "www", RootDir: "/jails/www"}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		q    consoleQ
		want string
	}{
		{"running in its root", consoleQ{jid: "7", root: "/jails/www", running: true}, "7"},
		{"jid reused by another jail", consoleQ{jid: "7", root: "/jails/db", running: true}, "www"},
		{"not running", consoleQ{jid: "7", root: "/jails/www"}, "www"},
		{"no id file", consoleQ{root: "/jails/www", running: true}, "www"},
	} {
		if got := consoleTarget(ctx, &tc.q, j, "www"); got != tc.want {
			t.Errorf("%s: console target %q, want %q", tc.name, got, tc.want)
		}
		for _, r := range tc.q.asked {
			if r != j.RootDir {
				t.Errorf("%s: JailRunning asked with root %q, want the jail's root %q", tc.name, r, j.RootDir)
			}
		}
	}
}
