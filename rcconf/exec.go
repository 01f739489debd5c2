package rcconf

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"mvdan.cc/sh/v3/syntax"
)

// Live mode runs a simple external command itself, as /bin/sh would, when
// it can do so exactly: the name is found in the shell's PATH (or has a
// slash), every exported variable is known, and nothing is being
// speculated. The program gets the exported variables (and the command's
// prefix assignments) as its environment, the current input, and writes to
// the current output (the value of a $(…), or rcjail's stderr); its exit
// status is $?. Everything else a program could need (a pipeline, a
// redirection to a file, a name not found, whose message is the shell's
// own) makes the chain go to /bin/sh instead (runShell). Running the
// command here keeps the in-process evaluation, its speed and its file:line
// provenance, for the commonest case: hostname=$(hostname),
// ip=$(cat /etc/ip), if [ -x … ] && prog; then.

// execProgram runs args at pos; ok is false when it cannot be run here
// exactly (the caller then records an unknown).
func (r *runner) execProgram(pos syntax.Pos, assigns []*syntax.Assign, args []string) bool {
	if !r.liveMode || len(r.specLoops) > 0 || r.poison != nil {
		return false
	}
	path, ok := r.lookPath(args[0])
	if !ok {
		return false
	}
	env, ok := r.exportedEnv()
	if !ok {
		return false
	}
	for _, a := range assigns {
		r.taint = nil
		v := r.literal(a.Value)
		if r.stopped() || r.taint != nil {
			return false
		}
		env = append(env, a.Name.Value+"="+v)
	}
	f, l, _ := r.where(pos)
	limit := r.opts.ShellTimeout
	ctx, cancel := context.WithTimeout(r.ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Env = env
	cmd.Dir = "/"
	cmd.Stdin = r.io.in
	cmd.Stdout = r.io.out
	if r.io.out == io.Discard {
		cmd.Stdout = nil // /dev/null
	}
	cmd.Stderr = r.io.errw
	if r.io.errw == io.Discard {
		cmd.Stderr = nil
	}
	// Its own process group, so that a time limit ends what it started too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		r.failAt(f, l, 1, "command %q did not finish within %v (killed)", strings.Join(args, " "), limit)
		r.err.Err = context.DeadlineExceeded
		return true
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		r.status = 0
	case errors.As(err, &ee):
		st := ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			st = 128 + int(ws.Signal())
		}
		r.status = st
	case errors.Is(err, errValueTooLong):
		r.fail(pos, err, "%v (limit %d bytes)", err, r.opts.MaxValueLen)
		return true
	default:
		// Not startable (ENOEXEC, permissions): the shell has its own
		// rules and messages for that.
		return false
	}
	r.statusUnk = nil
	return true
}

// lookPath finds name as /bin/sh does: a name with a slash as it is, else
// the first executable regular file in the directories of PATH.
func (r *runner) lookPath(name string) (string, bool) {
	if strings.Contains(name, "/") {
		return name, isExec(name)
	}
	pv, ok := r.vars["PATH"]
	if !ok || pv.unk != nil {
		return "", false
	}
	for _, dir := range strings.Split(pv.value, ":") {
		if dir == "" {
			dir = "."
		}
		if !strings.HasPrefix(dir, "/") {
			// Relative to the shell's directory: let the shell do it.
			return "", false
		}
		p := dir + "/" + name
		if isExec(p) {
			return p, true
		}
	}
	return "", false
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// exportedEnv is the environment a program gets: every exported variable;
// false when one of them is unknown.
func (r *runner) exportedEnv() ([]string, bool) {
	env := make([]string, 0, 32)
	for n, v := range r.vars {
		if !v.exported {
			continue
		}
		if v.unk != nil {
			return nil, false
		}
		env = append(env, n+"="+v.value)
	}
	return env, true
}

// exportedKnown reports whether every exported variable is known, building
// no environment (the first pass only asks).
func (r *runner) exportedKnown() bool {
	for _, v := range r.vars {
		if v.exported && v.unk != nil {
			return false
		}
	}
	return true
}

// canExec reports whether live mode's second pass could run name itself
// (execProgram's conditions that do not depend on running anything).
func (r *runner) canExec(name string) bool {
	// Inside a speculated branch too: the second pass takes the branch
	// for real (or not), with the program's status known.
	if r.poison != nil {
		return false
	}
	if _, ok := r.lookPath(name); !ok {
		return false
	}
	return r.exportedKnown()
}
