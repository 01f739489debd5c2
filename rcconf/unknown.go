package rcconf

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// unknown is why a value cannot be known without running something: the
// construct and the file:line where it is. A variable holding one has no
// value; anything computed from it gets the same reason.
type unknown struct {
	why  string
	file string
	line int
}

// shellRun is one place where /bin/sh would run something the evaluator
// does not (a program, a pipeline, a construct it cannot reproduce): it is
// what a time-limit error of the live fallback names.
type shellRun struct {
	file      string
	line, col int
	what      string
}

func (s shellRun) String() string { return fmt.Sprintf("%s:%d: %s", s.file, s.line, s.what) }

// maxRuns bounds the list of places kept for diagnostics.
const maxRuns = 64

// unknownAt records that what, at pos, cannot be evaluated without running
// something, and returns the reason.
func (r *runner) unknownAt(pos syntax.Pos, what string) *unknown {
	f, l, c := r.where(pos)
	if r.fastAt.line > 0 {
		f, l, c = r.fastAt.file, r.fastAt.line, r.fastAt.col
	}
	return r.unknownFL(f, l, c, what)
}

func (r *runner) unknownFL(f string, l, c int, what string) *unknown {
	r.unkEvents++
	r.needShell = true
	if len(r.runs) < maxRuns {
		r.runs = append(r.runs, shellRun{file: f, line: l, col: c, what: what})
	}
	if !r.execOK {
		r.shellOnly = true
	}
	if r.liveMode && r.err == nil {
		// Live mode: /bin/sh evaluates the chain from the start; going
		// on here would only run more programs twice.
		r.failAt(f, l, c, "needs /bin/sh: %s", what)
	}
	return &unknown{why: fmt.Sprintf("%s at %s:%d", what, f, l), file: f, line: l}
}

// noteTaint marks the value being computed as depending on u.
func (r *runner) noteTaint(u *unknown) {
	r.unkEvents++
	if r.taint == nil {
		r.taint = u
	}
}

// nodeText prints a node the way it was written (shortened), for reasons.
func nodeText(n syntax.Node) string {
	var sb strings.Builder
	if err := syntax.NewPrinter(syntax.SingleLine(true)).Print(&sb, n); err != nil {
		return fmt.Sprintf("%T", n)
	}
	s := strings.TrimSpace(sb.String())
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// speculate runs f, whose running at all depends on why (a branch or loop
// controlled by a command's status or output), and keeps none of its
// effects: every variable it would change becomes unknown instead, with the
// reason naming the construct at pos. What it sources or evals with a
// computed name, an exit, break or return inside it, or an error it would
// stop on, makes everything unknown from here on (poisonAll).
func (r *runner) speculate(pos syntax.Pos, kind string, why *unknown, f func()) {
	f0, l0, _ := r.where(pos)
	mark := len(r.undo)
	r.subshell++
	r.specLoops = append(r.specLoops, r.loopDepth)
	defer func() { r.specLoops = r.specLoops[:len(r.specLoops)-1] }()
	params, paramsUnk, nounset, noglob, fr, loops, status := r.params, r.paramsUnk, r.nounset, r.noglob, r.frame, r.loopDepth, r.status
	f()
	var stop *unknown
	switch {
	case r.err != nil && strings.Contains(r.err.Msg, "exits"):
		stop = &unknown{why: fmt.Sprintf("%s at %s:%d, decided by %s, may stop the shell (%s)", kind, f0, l0, why.why, r.err.Error()), file: f0, line: l0}
		r.err = nil
	case (r.ctl == ctlBreak || r.ctl == ctlContinue) && r.err == nil && len(r.specLoops) > 1 &&
		r.loopDepth-r.ctlN+1 > r.specLoops[len(r.specLoops)-2]:
		// It leaves a loop that an enclosing speculation runs: that one
		// already takes every assignment of the loop as unknown.
		r.ctl = ctlNone
	case r.ctl != ctlNone && r.err == nil:
		stop = &unknown{why: fmt.Sprintf("%s at %s:%d, decided by %s, may leave the function or loop", kind, f0, l0, why.why), file: f0, line: l0}
		r.ctl = ctlNone
	}
	changed := map[string]bool{}
	type prev struct {
		v  variable
		ok bool
	}
	first := map[string]prev{}
	for i := len(r.undo) - 1; i >= mark; i-- {
		u := r.undo[i]
		if r.undoFunc(u) {
			continue
		}
		first[u.name] = prev{u.prev, u.existed}
	}
	for name, p := range first {
		cur, ok := r.vars[name]
		if ok != p.ok || cur != p.v {
			changed[name] = true
		}
		r.live -= len(cur.value)
		if p.ok {
			r.vars[name] = p.v
			r.live += len(p.v.value)
		} else {
			delete(r.vars, name)
		}
	}
	r.undo = r.undo[:mark]
	r.subshell--
	r.params, r.paramsUnk, r.nounset, r.noglob, r.frame, r.loopDepth, r.status = params, paramsUnk, nounset, noglob, fr, loops, status
	if r.err != nil {
		return
	}
	u := &unknown{why: fmt.Sprintf("set in %s at %s:%d, decided by %s", kind, f0, l0, why.why), file: f0, line: l0}
	for name := range changed {
		prev, ok := r.vars[name]
		if ok && prev.readonly {
			continue
		}
		r.putPrev(name, variable{file: f0, line: int32(l0), unk: u, exported: prev.exported}, prev, ok)
	}
	if stop != nil {
		r.poisonAll(stop)
	}
	r.statusUnk = why
	r.unkEvents++
}

// poisonAll records that from here on any variable may have been changed
// by something unknown (a file sourced by a computed name, eval of computed
// text): every variable set so far becomes unknown, and so does every one
// not set yet until it is assigned again.
func (r *runner) poisonAll(u *unknown) {
	r.unkEvents++
	r.needShell = true
	if r.poison == nil {
		r.poison = u
	}
	for name, v := range r.vars {
		if v.unk != nil || v.file == "sh" || v.readonly {
			continue
		}
		r.putPrev(name, variable{file: v.file, line: v.line, unk: u, exported: v.exported}, v, true)
	}
	r.paramsUnk = u
}

// unsup stops the current statement on a construct the evaluator cannot
// reproduce exactly but /bin/sh runs; stmt turns it into an unknown
// (softRecover) instead of an error.
func (r *runner) unsup(pos syntax.Pos, format string, a ...any) {
	if r.err != nil {
		return
	}
	r.fail(pos, nil, format, a...)
	r.errSoft = true
}

// softRecover turns the soft error of statement s into unknowns: what s may
// assign is unknown, its status is unknown, and live mode hands the chain to
// /bin/sh.
func (r *runner) softRecover(s syntax.Node) {
	e := r.err
	r.err, r.errSoft = nil, false
	u := r.unknownFL(e.File, e.Line, e.Col, e.Msg)
	r.ctl = ctlNone
	r.opaque(s, u)
}

// poisonCmds are commands that may assign variables whose names are not
// written in the statement, or change how later text is read.
var poisonCmds = map[string]bool{
	".": true, "source": true, "eval": true, "alias": true, "unalias": true,
	"exec": true, "cd": true, "chdir": true, "getopts": true, "setvar": true,
	"unset": true, "trap": true, "command": true, "builtin": true, "exit": true,
	"return": true, "break": true, "continue": true, "wordexp": true,
}

// opaque makes what statement s may assign unknown (u), without running
// it: the names its assignments, for loops, read, export/readonly/local
// and ${x=…} forms write. A command that may assign names not written in
// it (poisonCmds, a function, a computed command name) makes everything
// unknown.
func (r *runner) opaque(s syntax.Node, u *unknown) {
	names := map[string]bool{}
	poison := false
	params := false
	syntax.Walk(s, func(n syntax.Node) bool {
		if poison {
			return false
		}
		switch n := n.(type) {
		case *syntax.Assign:
			if n.Name != nil {
				names[n.Name.Value] = true
			}
		case *syntax.ForClause:
			if wi, ok := n.Loop.(*syntax.WordIter); ok {
				names[wi.Name.Value] = true
			}
		case *syntax.ParamExp:
			if n.Exp != nil && n.Param != nil && (n.Exp.Op == syntax.AssignUnset || n.Exp.Op == syntax.AssignUnsetOrNull) {
				names[strings.TrimPrefix(n.Param.Value, "\x01")] = true
				if !validName(n.Param.Value) {
					poison = true
				}
			}
		case *syntax.FuncDecl:
			poison = true
		case *syntax.ArithmExp, *syntax.ArithmCmd:
			syntax.Walk(n, func(m syntax.Node) bool {
				if a, ok := m.(*syntax.BinaryArithm); ok && isArithAssign(a.Op) {
					poison = true
				}
				if a, ok := m.(*syntax.UnaryArithm); ok && (a.Op == syntax.Inc || a.Op == syntax.Dec) {
					poison = true
				}
				return !poison
			})
		case *syntax.CallExpr:
			if len(n.Args) == 0 {
				return true
			}
			name, ok := plainWord(n.Args[0])
			if !ok {
				poison = true
				return false
			}
			switch {
			case poisonCmds[name] || r.funcs[name] != nil:
				poison = true
			case name == "read" || name == "export" || name == "readonly" || name == "local":
				for _, w := range n.Args[1:] {
					s, ok := plainWord(w)
					if !ok {
						poison = true
						break
					}
					if strings.HasPrefix(s, "-") {
						continue
					}
					nm, _, _ := strings.Cut(s, "=")
					names[nm] = true
				}
			case name == "set" || name == "shift":
				for _, w := range n.Args[1:] {
					if s, ok := plainWord(w); ok && s != "--" && (strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+")) {
						poison = true
					}
				}
				params = true
			}
		case *syntax.DeclClause:
			for _, a := range n.Args {
				if a.Name != nil {
					names[a.Name.Value] = true
				} else {
					poison = true
				}
			}
		}
		return true
	})
	if poison {
		r.poisonAll(u)
		r.statusUnk = u
		return
	}
	for name := range names {
		if !validName(name) {
			continue
		}
		prev, ok := r.vars[name]
		if ok && prev.readonly {
			continue
		}
		r.putPrev(name, variable{file: u.file, line: int32(u.line), unk: u, exported: prev.exported}, prev, ok)
	}
	if params {
		r.paramsUnk = u
	}
	r.statusUnk = u
}

// isArithAssign reports whether op is = or one of the op= forms.
func isArithAssign(op syntax.BinAritOperator) bool {
	o := op.String()
	return strings.HasSuffix(o, "=") && o != "==" && o != "!=" && o != "<=" && o != ">="
}
