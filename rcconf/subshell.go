package rcconf

import (
	"errors"
	"io"

	"mvdan.cc/sh/v3/syntax"
)

// undoFunc restores the function definition an undo entry saved (none:
// the function did not exist) and reports whether u was a function's.
func (r *runner) undoFunc(u undoEnt) bool {
	if !u.isFunc {
		return false
	}
	if u.prevFn == nil {
		delete(r.funcs, u.name)
	} else {
		r.funcs[u.name] = u.prevFn
	}
	return true
}

// inSubshell runs f so that nothing it changes survives: variables and
// functions are rolled back from an undo log, as a forked shell would lose
// them.
func (r *runner) inSubshell(f func()) {
	mark := len(r.undo)
	r.subshell++
	params, nounset, noglob, fr, loops, paramsUnk, poison := r.params, r.nounset, r.noglob, r.frame, r.loopDepth, r.paramsUnk, r.poison
	r.loopDepth = 0
	f()
	if r.ctl == ctlExit || r.ctl == ctlReturn || r.ctl == ctlBreak || r.ctl == ctlContinue {
		r.ctl = ctlNone
	}
	for i := len(r.undo) - 1; i >= mark; i-- {
		u := r.undo[i]
		if r.undoFunc(u) {
			continue
		}
		r.live -= len(r.vars[u.name].value)
		if u.existed {
			r.vars[u.name] = u.prev
			r.live += len(u.prev.value)
		} else {
			delete(r.vars, u.name)
		}
	}
	r.undo = r.undo[:mark]
	r.subshell--
	r.params, r.nounset, r.noglob, r.frame, r.loopDepth, r.paramsUnk, r.poison = params, nounset, noglob, fr, loops, paramsUnk, poison
}

func (r *runner) cmdSubst(w io.Writer, cs *syntax.CmdSubst) error {
	if r.err != nil {
		return r.err
	}
	if r.depth >= r.opts.MaxDepth {
		r.fail(cs.Pos(), nil, "evaluation stopped: nesting deeper than %d", r.opts.MaxDepth)
		return r.err
	}
	r.depth++
	r.level++
	saved := r.io
	r.io.out = &capWriter{w: w, left: r.opts.MaxValueLen}
	status, statusUnk, taint, events, poison, runs := r.status, r.statusUnk, r.taint, r.unkEvents, r.poison, len(r.runs)
	r.inSubshell(func() { r.stmts(cs.Stmts) })
	r.substStatus, r.substUnk = r.status, r.statusUnk
	r.status, r.statusUnk, r.taint, r.poison = status, statusUnk, taint, poison
	if r.unkEvents != events && r.err == nil {
		// Something in it ran a program or met an unknown: its output
		// (and so the value being computed) is unknown.
		what := "command substitution " + nodeText(cs)
		f, l, _ := r.where(cs.Pos())
		if r.fastAt.line > 0 {
			f, l = r.fastAt.file, r.fastAt.line
		}
		if len(r.runs) > runs {
			if in := r.runs[runs]; in.file != f || in.line != l {
				what += " (" + in.String() + ")"
			} else {
				what += " (" + in.what + ")"
			}
		}
		// Derived from what its body met (already recorded).
		execOK := r.execOK
		r.execOK = true
		u := r.unknownAt(cs.Pos(), what)
		r.execOK = execOK
		r.noteTaint(u)
		if r.substUnk == nil {
			r.substUnk = u
		}
	}
	r.io = saved
	r.level--
	r.depth--
	if r.err != nil {
		return r.err
	}
	return nil
}

// capWriter is the output of a command substitution, which becomes a value:
// it is capped like one (the attack stopped: $(while :; do echo $x; done)
// filling memory faster than the deadline can stop it).
type capWriter struct {
	w    io.Writer
	left int
	over bool
}

var errValueTooLong = errors.New("command substitution output over the value size limit")
