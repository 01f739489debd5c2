package selftest

import (
	"context"
	"errors"
	"os/exec"
	"strings"

	"rcjail/compat"
)

// createdWatch wraps the backend for one start: at the moment the host
// reports the jail's jid (compat.StartJail.Created) it asks the kernel
// whether that jid is a jail in the configured root, and whether anything
// runs in it yet. The native backend creates the jail with jail_set(2)
// and reports the jid before its start command runs (issue 12): the jail
// must exist and be empty then.
type createdWatch struct {
	compat.Executor
	root string
	jid  string
	seen string
}

func (c *createdWatch) wrap(x compat.Executor) compat.Executor {
	c.Executor = x
	return c
}

func (c *createdWatch) StartJail(ctx context.Context, s compat.StartJail) (string, []byte, error) {
	next := s.Created
	s.Created = func(jid string) error {
		c.jid, c.seen = jid, jailAtCreated(jid, c.root)
		if next != nil {
			return next(jid)
		}
		return nil
	}
	return c.Executor.StartJail(ctx, s)
}

// jailAtCreated describes jail jid as the kernel has it: "empty jail in
// ROOT" is what a report before the start command sees.
func jailAtCreated(jid, root string) string {
	if !jailAlive(jid, root) {
		return "jid " + jid + ": no jail in " + root
	}
	// pgrep exits 1 when no process matches.
	out, err := exec.Command("pgrep", "-j", jid).Output()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "jail in " + root + " already runs pids " + strings.Join(strings.Fields(string(out)), ",")
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		return "empty jail in " + root
	default:
		return "pgrep -j " + jid + ": " + err.Error()
	}
}

// createdFirst starts the nullfs jail alone through createdWatch and
// stops it again: the row holds when the jid was reported while the jail
// existed in its root with no process in it.
func (w *world) createdFirst(ctx context.Context) {
	j := JailNullfs
	c := &createdWatch{root: w.roots[j]}
	st, _, errs := w.rcjail(ctx, c.wrap, "start", j)
	if c.jid != "" {
		w.remember(c.jid)
	}
	seen := c.seen
	if c.jid == "" {
		seen = "no jid reported before start returned (" + status(st, errs) + ")"
	}
	want := "empty jail in " + w.roots[j]
	w.rep.add(short(j)+": jid reported before the start command", want, seen, st == 0 && seen == want)
	st, _, errs = w.rcjail(ctx, nil, "stop", j)
	w.rep.add(short(j)+": stop after that start", "exit 0", status(st, errs), st == 0)
}
