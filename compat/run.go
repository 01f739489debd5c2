package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Runner does what rc.subr and the 8.x rc.d/jail script do for one
// invocation: the jail_enable gate, the verbs, the stdout lines byte for
// byte, and every effect through its [Executor].
//
// Decisions where the script leaves room:
//   - jail_parallel_start starts the jails in parallel, stdout in list
//     order (parallel.go).
//   - jail_reverse_stop reverses jail_list on stop, only when no names were
//     given on the command line (as the modern script).
//   - A failing hook (exec_prestart, exec_afterstart, exec_poststart,
//     exec_prestop, exec_poststop) is a warning naming the hook and its
//     status, and the start or stop goes on: the script ignores a hook's
//     status (SPEC §3.3). The hook's own stdout goes to stdout and its
//     stderr to stderr as it runs, where the script's inherited ones put
//     them ([Executor.SetHookOutput]).
//   - `stop` of a jail without an id file prints the script's "cannot stop"
//     line, and still unmounts what the jail's start would have mounted if it
//     is mounted there now (SPEC §3.5); that is not a failure.
//   - A jail whose configuration is invalid is not started: start prints
//     ` cannot start jail "x": `, the reasons go to stderr, exit status 1.
//     It is stopped all the same (SPEC §3.5), as is a jail named on the
//     command line that is no longer configured but has an id file: from
//     the id file, the executor's record and the kernel (see stoprec.go),
//     the configuration's problems as warnings.
//   - A stale id file (its jid is not running, SPEC §3.5) is not "already
//     running": start starts the jail and replaces it; stop skips the stop
//     command and the kill (the jid may be another jail's by now) but does
//     the rest of the teardown.
type Runner struct {
	Config *Config
	X      Executor
	Stdout io.Writer // the script's stdout (io.Discard under -n)
	Stderr io.Writer
	Name   string // the path diagnostics are prefixed with

	// Status, if set, handles the "status" verb (the richer admin view lives
	// in cmd/rcjail); nil means the minimal rc.subr-like status below.
	Status func(ctx context.Context, names []string) int

	// NewX, if set, returns a fresh executor for one jail of a parallel
	// start (jail_parallel_start, parallel.go); nil starts jails one after
	// another. ParallelLimit bounds how many start at once (0: the
	// default).
	NewX          func() (Executor, error)
	ParallelLimit int

	// Limits, if set, lists what this host's kernel cannot take of a jail
	// (cmd/rcjail: on Linux with the native backend, a host name over
	// HOST_NAME_MAX, a start command over ARG_MAX), in the host's terms,
	// the messages check prints. A jail with any is refused before its
	// start does anything, instead of failing in the kernel behind a
	// jail(8) command line that this host never runs.
	Limits func(j *Jail) []string

	// Rec, set for every real host (never the dry run), is where the
	// engine keeps each jail's lock and record (engine.go). nil: no lock,
	// no record.
	Rec *Records

	rulesLoaded bool
	rulesErr    error // the devfs rules a parallel start preloaded failed
}

func (r *Runner) out(s string) { io.WriteString(r.Stdout, s) }

func (r *Runner) warnf(format string, args ...any) {
	fmt.Fprintf(r.Stderr, "%s: WARNING: %s\n", r.Name, fmt.Sprintf(format, args...))
}

func (r *Runner) errorf(format string, args ...any) {
	fmt.Fprintf(r.Stderr, "%s: ERROR: %s\n", r.Name, fmt.Sprintf(format, args...))
}

// Run handles one rc.d invocation (arg is the verb with its prefix, names
// the jails after it, which replace jail_list) and returns the exit status:
// 0 when everything asked for happened, 1 otherwise.
func (r *Runner) Run(ctx context.Context, arg string, names []string) int {
	inv := ParseInvocation(arg)
	if arg == "" {
		fmt.Fprintln(r.Stderr, ScriptUsageLine(r.Name))
		return 1
	}
	if !isVerb(inv.Verb) {
		fmt.Fprintf(r.Stderr, "%s: unknown directive '%s'.\n", r.Name, inv.Verb)
		fmt.Fprintln(r.Stderr, UsageLine(r.Name))
		return 1
	}
	if inv.Verb != "rcvar" && !inv.Forced() && r.Config.EnableWarning != "" {
		// rc.subr's checkyesno of jail_enable, before the verb runs; the
		// one and force prefixes set jail_enable=YES first, so they never
		// see it (issue 10 item 9).
		r.warnf("%s", r.Config.EnableWarning)
	}
	if inv.Verb != "rcvar" && !r.Config.Enable && !inv.Forced() {
		if !inv.Quiet() {
			r.out(DisabledMessage(inv.Verb) + "\n")
		}
		return 0
	}
	for _, w := range r.Config.Warnings {
		r.warnf("%s", w)
	}
	given := len(names) > 0
	if !given {
		names = r.Config.List
	}
	all := !given && r.Config.AllConf != "" // the modern script's _ALL (all.go)
	switch inv.Verb {
	case "start":
		if all {
			r.configure(ctx)
			return r.startAll(ctx)
		}
		st := r.Start(ctx, names)
		r.confWarn(names)
		return st
	case "stop":
		if all {
			return r.stopAll(ctx)
		}
		if !given && r.Config.ReverseStop {
			names = slices.Clone(names)
			slices.Reverse(names)
		}
		return r.Stop(ctx, names)
	case "restart":
		if all {
			st := r.stopAll(ctx)
			r.configure(ctx)
			return max(st, r.startAll(ctx))
		}
		st := r.Stop(ctx, names)
		return max(st, r.Start(ctx, names))
	case "rcvar":
		// The raw value, as rc.subr's eval echo prints it; one/force set
		// it to YES first.
		v := r.Config.EnableRaw
		if inv.Forced() {
			v = "YES"
		}
		r.out(RcvarText(v))
		return 0
	case "status":
		if r.Status != nil {
			return r.Status(ctx, names)
		}
		return r.status(ctx, names)
	}
	return 1
}

// status prints one rc.subr-like line per jail.
func (r *Runner) status(ctx context.Context, names []string) int {
	st := 0
	for _, n := range names {
		j := r.Config.Jails[n]
		if j == nil {
			st = 1
			continue
		}
		jid, ok, err := r.X.ReadIDFile(ctx, IDFile(j))
		running := false
		if err == nil && ok && jid != "" {
			running, err = r.X.JailRunning(ctx, jid, j.RootDir)
		}
		if err == nil && !running {
			// The record, whether or not there is an id file (issue 12).
			var rj string
			if rj, err = r.recordedJID(ctx, j); rj != "" {
				jid, running = rj, true
			}
		}
		if err != nil {
			r.warnf("%v", inJail(n, err))
		}
		if running {
			r.out(fmt.Sprintf("jail %s is running as jid %s.\n", n, jid))
		} else {
			r.out(fmt.Sprintf("jail %s is not running.\n", n))
			st = 1
		}
	}
	return st
}

// each prints title, runs one for every name in order, then the closing
// "." of the script's line; 1 when any of them failed, else 0.
func (r *Runner) each(ctx context.Context, title string, names []string, one func(context.Context, string) bool) int {
	r.out(title)
	st := 0
	for _, n := range names {
		if !one(ctx, n) {
			st = 1
		}
	}
	r.out(".\n")
	return st
}

// hookFailed reports a hook that failed; the caller goes on (SPEC §3.3).
// The executor's error names the hook variable, the jail, the command and
// its exit status.
func (r *Runner) hookFailed(err error) {
	r.warnf("%v (ignored: the 8.x script ignores a hook's status)", err)
}

func hostOrName(j *Jail) string {
	if j.Hostname != "" {
		return j.Hostname
	}
	return j.Name
}

// lock takes the jail's lock (SPEC §3.7) before anything of the jail is
// read, and loads its record; keyed by the jail's variable name
// ([JailKey]). Without Rec (the dry run) there is neither.
func (r *Runner) lock(ctx context.Context, j *Jail) error {
	if r.Rec == nil {
		return nil
	}
	if _, err := r.Rec.hold(ctx, j.Name); err != nil {
		return inJail(j.Name, err)
	}
	return nil
}

// SplitJailOutput splits jail(8)'s output into the jid (first line) and the
// rest, as the script's `head -1` and `tail +2` do.
func SplitJailOutput(out []byte) (jid string, rest []byte) {
	first, rest, found := bytes.Cut(out, []byte("\n"))
	if !found {
		return string(first), nil
	}
	return string(first), rest
}

// ErrJailFailed is wrapped by executors when jail(8) itself failed; the
// Runner then names jail(8)'s command line in the message.
var ErrJailFailed = errors.New("jail(8) failed")

// JailFailed marks err as a failure of jail(8) (errors.Is(err,
// ErrJailFailed)) without changing its text: the dry run's "would fail".
func JailFailed(err error) error { return jailFailed{err} }

type jailFailed struct{ error }

func (e jailFailed) Unwrap() error        { return e.error }
func (e jailFailed) Is(target error) bool { return target == ErrJailFailed }

// inJail names jail n in err once (issue 10 item 13: one jail name per
// message, each layer adding only what its caller does not know). The
// executors name the jail of a step in their errors (the step carries it);
// queries (id file, jls, df) do not, and the runner adds it.
func inJail(n string, err error) error {
	if NamesJail(err.Error(), n) {
		return err
	}
	return fmt.Errorf("jail %s: %w", n, err)
}

// NamesJail reports whether msg already names jail n: "jail n" or
// `jail "n"` followed by the end or a character no jail name ends with
// here (":", " ", ",", ")", ";").
func NamesJail(msg, n string) bool {
	for _, w := range []string{"jail " + n, `jail "` + n + `"`} {
		for rest := msg; ; {
			i := strings.Index(rest, w)
			if i < 0 {
				break
			}
			rest = rest[i+len(w):]
			if rest == "" || strings.IndexByte(": ,);", rest[0]) >= 0 {
				return true
			}
		}
	}
	return false
}
