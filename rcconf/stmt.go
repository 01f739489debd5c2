package rcconf

import (
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

func (r *runner) stmts(ss []*syntax.Stmt) {
	for _, s := range ss {
		if r.stopped() {
			return
		}
		r.stmt(s)
	}
}

func (r *runner) stmt(s *syntax.Stmt) {
	if r.stopped() {
		return
	}
	if s.Background {
		// An asynchronous list runs in a subshell: it changes no variable
		// here, and its status is 0. /bin/sh starts it; the evaluator
		// does not.
		if !r.tick(s.Pos()) {
			return
		}
		r.unknownAt(s.Pos(), "background job "+nodeText(s))
		r.status, r.statusUnk = 0, nil
		return
	}
	r.stmtIn(s)
	if r.err != nil && r.errSoft {
		r.softRecover(s)
	}
}

func (r *runner) stmtIn(s *syntax.Stmt) {
	if len(s.Redirs) > 0 {
		saved := r.io
		defer func() { r.io = saved }()
		if !r.redirect(s.Redirs) {
			return
		}
	}
	if s.Cmd == nil {
		r.status, r.statusUnk = 0, nil
	} else {
		r.cmd(s.Cmd)
	}
	if s.Negated && r.err == nil {
		if r.status == 0 {
			r.status = 1
		} else {
			r.status = 0
		}
	}
}

func (r *runner) cmd(c syntax.Command) {
	switch c := c.(type) {
	case *syntax.CallExpr:
		r.call(c)
	case *syntax.Block:
		r.stmts(c.Stmts)
	case *syntax.Subshell:
		r.inSubshell(func() { r.stmts(c.Stmts) })
	case *syntax.IfClause:
		r.ifClause(c)
	case *syntax.WhileClause:
		r.whileClause(c)
	case *syntax.ForClause:
		r.forClause(c)
	case *syntax.CaseClause:
		r.caseClause(c)
	case *syntax.FuncDecl:
		if !r.tick(c.Pos()) {
			return
		}
		name := c.Name.Value
		if r.subshell > 0 {
			r.undo = append(r.undo, undoEnt{name: name, isFunc: true, prevFn: r.funcs[name]})
		}
		r.funcs[name] = &funcDef{body: c.Body, file: r.file, fixed: r.fixed, lineOff: r.lineOff}
		r.status = 0
	case *syntax.BinaryCmd:
		if c.Op == syntax.Pipe || c.Op == syntax.PipeAll {
			// Every stage of a pipeline runs in a subshell (dash and
			// FreeBSD sh): it changes no variable here; only its status
			// and output are unknown.
			if !r.tick(c.Pos()) {
				return
			}
			r.statusUnk = r.unknownAt(c.Pos(), "pipeline "+nodeText(c))
			r.status = 0
			return
		}
		r.stmt(c.X)
		if r.stopped() {
			return
		}
		if u := r.statusUnk; u != nil {
			r.speculate(c.Pos(), c.Op.String()+" list", u, func() { r.stmt(c.Y) })
			return
		}
		if (c.Op == syntax.AndStmt) == (r.status == 0) {
			r.stmt(c.Y)
		}
	case *syntax.DeclClause:
		r.decl(c)
	default:
		// check refuses every other command kind before it can run.
		r.unsup(c.Pos(), "%s not supported", nodeText(c))
	}
}

func (r *runner) ifClause(c *syntax.IfClause) {
	for ic := c; ic != nil; ic = ic.Else {
		if len(ic.Cond) == 0 { // plain else
			r.stmts(ic.Then)
			return
		}
		r.stmts(ic.Cond)
		if r.stopped() {
			return
		}
		if u := r.statusUnk; u != nil {
			// The branch taken depends on a program: run none, and what
			// any remaining branch assigns is unknown.
			r.speculate(ic.Pos(), "if", u, func() {
				r.stmts(ic.Then)
				for e := ic.Else; e != nil && !r.stopped(); e = e.Else {
					r.stmts(e.Cond)
					r.stmts(e.Then)
				}
			})
			return
		}
		if r.status == 0 {
			r.stmts(ic.Then)
			return
		}
	}
	r.status, r.statusUnk = 0, nil
}

// loopCtl consumes a break or continue aimed at this loop; it reports whether
// the loop must end.
func (r *runner) loopCtl() (stop bool) {
	switch r.ctl {
	case ctlBreak, ctlContinue:
		if r.ctlN > 1 {
			// Aimed at an enclosing loop: this one ends either way.
			r.ctlN--
			return true
		}
		// Aimed here: break ends the loop, continue goes on with it.
		stop = r.ctl == ctlBreak
		r.ctl = ctlNone
		return stop
	}
	return r.stopped()
}

func (r *runner) whileClause(c *syntax.WhileClause) {
	r.loopDepth++
	defer func() { r.loopDepth-- }()
	last := 0
	for {
		if !r.tick(c.Pos()) {
			return
		}
		r.stmts(c.Cond)
		if r.stopped() {
			if r.loopCtl() {
				break
			}
			continue
		}
		if u := r.statusUnk; u != nil {
			r.speculate(c.Pos(), "loop", u, func() {
				r.loopDepth++
				r.stmts(c.Do)
				r.loopCtl()
				r.stmts(c.Cond)
				r.loopDepth--
			})
			return
		}
		if (r.status == 0) == c.Until {
			break
		}
		r.stmts(c.Do)
		last = r.status
		if r.loopCtl() {
			break
		}
	}
	if r.err == nil {
		r.status = last
	}
}

func (r *runner) forClause(c *syntax.ForClause) {
	wi, ok := c.Loop.(*syntax.WordIter)
	if !ok {
		r.unsup(c.Pos(), "C-style for loop is not /bin/sh")
		return
	}
	var items []string
	r.taint = nil
	if wi.InPos.IsValid() {
		items = r.fields(c.Pos(), wi.Items...)
	} else {
		items = append([]string(nil), r.params...)
		r.taint = r.paramsUnk
	}
	if r.stopped() {
		return
	}
	if u := r.taint; u != nil {
		// The list depends on a program: neither the number of
		// iterations nor the values are known.
		r.speculate(c.Pos(), "for loop", u, func() {
			r.taint = u
			if !r.setVar(wi.Name.Value, "", wi.Name.Pos()) {
				return
			}
			r.loopDepth++
			r.stmts(c.Do)
			r.loopCtl()
			r.loopDepth--
		})
		return
	}
	r.loopDepth++
	defer func() { r.loopDepth-- }()
	r.status = 0
	for _, it := range items {
		if !r.tick(c.Pos()) {
			return
		}
		if !r.setVar(wi.Name.Value, it, wi.Name.Pos()) {
			return
		}
		r.stmts(c.Do)
		if r.loopCtl() {
			break
		}
	}
}

func (r *runner) caseClause(c *syntax.CaseClause) {
	if !r.tick(c.Pos()) {
		return
	}
	word := r.literal(c.Word)
	if r.stopped() {
		return
	}
	// Every branch, when which one is taken depends on a program.
	allItems := func() {
		for _, ci := range c.Items {
			r.stmts(ci.Stmts)
		}
	}
	if u := r.taint; u != nil {
		r.speculate(c.Pos(), "case", u, allItems)
		return
	}
	for _, ci := range c.Items {
		for _, pw := range ci.Patterns {
			pat, err := expand.Pattern(r.cfg(), pw)
			if err != nil {
				r.expandErr(pw.Pos(), err)
				return
			}
			if r.stopped() {
				return
			}
			g, ok := r.glob(pw.Pos(), pat, func() string { return "case pattern" })
			if !ok {
				return
			}
			m := g.matchAll(word)
			if !r.scanDone(pw.Pos()) {
				return
			}
			if u := r.taint; u != nil {
				// The pattern depends on a program.
				r.speculate(c.Pos(), "case", u, allItems)
				return
			}
			if m {
				r.status, r.statusUnk = 0, nil
				r.stmts(ci.Stmts)
				return
			}
		}
	}
	r.status, r.statusUnk = 0, nil
}
