package rcconf

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// check runs on every statement before it executes (top-level statements of
// sourced files, eval text). It refuses what /bin/sh would not accept or
// what this evaluator cannot reproduce exactly, naming the construct, and
// rewrites two constructs whose expand behaviour differs from /bin/sh:
// quoted parts of ${v%pattern} patterns and $((…)).
func (r *runner) check(s *syntax.Stmt) bool {
	var bad syntax.Node
	var msg string
	refuse := func(n syntax.Node, m string) bool {
		if bad == nil {
			bad, msg = n, m
		}
		return false
	}
	var hdocs map[*syntax.Word]bool
	syntax.Walk(s, func(n syntax.Node) bool {
		if bad != nil {
			return false
		}
		switch n := n.(type) {
		case *syntax.Stmt:
			if n.Coprocess {
				return refuse(n, "coprocess refused")
			}
		case *syntax.BinaryCmd:
			if n.Op == syntax.PipeAll {
				return refuse(n, "|& is not /bin/sh")
			}
		case *syntax.ProcSubst:
			return refuse(n, "process substitution refused")
		case *syntax.ArithmCmd:
			return refuse(n, "((…)) arithmetic command is not /bin/sh")
		case *syntax.TestClause:
			return refuse(n, "[[ … ]] is not /bin/sh")
		case *syntax.LetClause:
			return refuse(n, "let is not /bin/sh")
		case *syntax.TimeClause:
			return refuse(n, "time is not supported")
		case *syntax.CoprocClause:
			return refuse(n, "coprocess refused")
		case *syntax.TestDecl:
			return refuse(n, "@test is not /bin/sh")
		case *syntax.ArrayExpr:
			return refuse(n, "arrays are not /bin/sh")
		case *syntax.ExtGlob:
			return refuse(n, "extended glob is not /bin/sh")
		case *syntax.BraceExp:
			return refuse(n, "brace expansion is not /bin/sh")
		case *syntax.Assign:
			if n.Append {
				return refuse(n, "+= assignment is not /bin/sh")
			}
			if n.Index != nil || n.Array != nil {
				return refuse(n, "array assignment is not /bin/sh")
			}
			if n.Value != nil && hasTilde(n.Value, true) {
				return refuse(n, "tilde expansion refused: it would look up the host's users")
			}
		case *syntax.Word:
			if quoted, ok := hdocs[n]; ok {
				if !quoted {
					unContinueHdoc(n)
				}
				return true
			}
			if hasTilde(n, false) {
				return refuse(n, "tilde expansion refused: it would look up the host's users")
			}
			unBackslash(n)
		case *syntax.SglQuoted:
			if n.Dollar {
				return refuse(n, "$'…' quoting: dash and FreeBSD sh differ here")
			}
		case *syntax.DblQuoted:
			if n.Dollar {
				return refuse(n, `$"…" quoting is not /bin/sh`)
			}
			for _, p := range n.Parts {
				if pe, ok := p.(*syntax.ParamExp); ok {
					dqParamWord(pe)
				}
			}
		case *syntax.CallExpr:
			for _, w := range n.Args {
				if m := splitWordCheck(w); m != "" {
					return refuse(w, m)
				}
			}
		case *syntax.CaseClause:
			for _, ci := range n.Items {
				if ci.Op != syntax.Break {
					return refuse(ci, ci.Op.String()+" in case is not /bin/sh")
				}
				for _, pw := range ci.Patterns {
					if m := checkQuotedPattern(pw, "case pattern"); m != "" {
						return refuse(pw, m)
					}
				}
			}
		case *syntax.FuncDecl:
			if n.RsrvWord {
				return refuse(n, "function keyword is not /bin/sh")
			}
			if n.Name == nil || len(n.Names) > 0 {
				return refuse(n, "function definition without one name is not /bin/sh")
			}
		case *syntax.ForClause:
			if n.Select {
				return refuse(n, "select is not /bin/sh")
			}
			if _, ok := n.Loop.(*syntax.CStyleLoop); ok {
				return refuse(n, "C-style for loop is not /bin/sh")
			}
			if wi, ok := n.Loop.(*syntax.WordIter); ok {
				for _, w := range wi.Items {
					if m := splitWordCheck(w); m != "" {
						return refuse(w, m)
					}
				}
			}
		case *syntax.Redirect:
			if n.Hdoc != nil {
				if hdocs == nil {
					hdocs = map[*syntax.Word]bool{}
				}
				// A quoted delimiter makes the body literal.
				hdocs[n.Hdoc] = quotedDelim(n.Word)
			}
			switch n.Op {
			case syntax.RdrAll, syntax.AppAll, syntax.WordHdoc, syntax.RdrAllClob, syntax.AppAllClob:
				return refuse(n, "redirection "+n.Op.String()+" is not /bin/sh")
			}
			if n.N != nil && n.N.Value != "0" && n.N.Value != "1" && n.N.Value != "2" {
				return refuse(n, "redirection of file descriptor "+n.N.Value+" refused")
			}
		case *syntax.ParamExp:
			if m := r.checkParam(n); m != "" {
				return refuse(n, m)
			}
		case *syntax.ArithmExp:
			if n.Bracket || n.Unsigned {
				return refuse(n, "$[…] arithmetic is not /bin/sh")
			}
			if m := checkArith(n.X); m != "" {
				return refuse(n, m)
			}
		}
		return true
	})
	if bad != nil {
		r.unsup(bad.Pos(), "%s", msg)
		return false
	}
	// The rewrites run after the whole statement is known to be acceptable.
	// A ${x:-word} is swapped for a lazy parameter (paramWord) and a trim
	// ${x#pat} for one evalTrim computes byte by byte; the word each keeps
	// aside is walked too (the walk no longer reaches it).
	var rewrite func(n syntax.Node) bool
	rewrite = func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Word:
			r.rewriteArith(n)
		case *syntax.DblQuoted:
			r.rewriteArithParts(n.Parts)
		case *syntax.ParamExp:
			if n.Length && n.Param != nil && !strings.HasPrefix(n.Param.Value, "\x01") {
				n.Length = false
				n.Param = &syntax.Lit{ValuePos: n.Param.ValuePos, ValueEnd: n.Param.ValueEnd, Value: mangleLen + n.Param.Value}
			}
			if n.Exp != nil && isTrim(n.Exp.Op) && n.Exp.Word != nil {
				rewriteQuotedPattern(n.Exp.Word)
			}
			if n.Exp != nil && n.Param != nil && !strings.HasPrefix(n.Param.Value, "\x01") {
				// Keep the original node and expand a parameter whose
				// value evalTrim or paramWord computes.
				orig := *n
				var name string
				if isTrim(orig.Exp.Op) {
					name = mangleTrim + strconv.Itoa(len(r.trims))
					r.trims = append(r.trims, trimExp{pe: &orig})
				} else {
					name = mangleWord + strconv.Itoa(len(r.pexps))
					r.pexps = append(r.pexps, &orig)
				}
				n.Exp = nil
				n.Param = &syntax.Lit{ValuePos: orig.Param.ValuePos, ValueEnd: orig.Param.ValueEnd, Value: name}
				if orig.Exp.Word != nil {
					syntax.Walk(orig.Exp.Word, rewrite)
				}
			}
		case *syntax.CaseClause:
			for _, ci := range n.Items {
				for _, pw := range ci.Patterns {
					rewriteQuotedPattern(pw)
				}
			}
		}
		return true
	}
	syntax.Walk(s, rewrite)
	return true
}

func hasTilde(w *syntax.Word, assign bool) bool {
	if len(w.Parts) == 0 {
		return false
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return false
	}
	if strings.HasPrefix(l.Value, "~") {
		return true
	}
	if assign {
		for _, p := range w.Parts {
			if l, ok := p.(*syntax.Lit); ok && strings.Contains(l.Value, ":~") {
				return true
			}
		}
	}
	return false
}

func isTrim(op syntax.ParExpOperator) bool {
	switch op {
	case syntax.RemSmallSuffix, syntax.RemLargeSuffix, syntax.RemSmallPrefix, syntax.RemLargePrefix:
		return true
	}
	return false
}

func (r *runner) checkParam(n *syntax.ParamExp) string {
	if n.Param != nil {
		switch n.Param.Value {
		case "$", "!":
			return "$" + n.Param.Value + " refused: it names a process"
		case "-":
			return "$- refused: option letters differ between shells"
		case "LINENO", "PPID", "OPTIND": // see shellMaintained
			// The shell maintains these itself; their values here would be
			// made up.
			return "$" + n.Param.Value + " refused: a value the shell maintains itself"
		}
	}
	switch {
	case n.Exp != nil && n.Param != nil && (n.Param.Value == "@" || n.Param.Value == "*"):
		return "${@…} / ${*…} with an operator is not supported"
	case n.Length && n.Param != nil && (n.Param.Value == "@" || n.Param.Value == "*"):
		return "${#@} / ${#*} is not supported"
	case n.Excl:
		return "${!…} indirection is not /bin/sh"
	case n.Index != nil:
		return "${x[…]} arrays are not /bin/sh"
	case n.Slice != nil:
		return "${x:off:len} is not /bin/sh"
	case n.Repl != nil:
		return "${x/a/b} is not /bin/sh"
	case n.Width || n.IsSet:
		return "this ${…} form is not /bin/sh"
	case n.Names != 0:
		return "${!prefix*} is not /bin/sh"
	}
	if n.Exp != nil {
		switch n.Exp.Op {
		case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AssignUnset, syntax.AssignUnsetOrNull,
			syntax.ErrorUnset, syntax.ErrorUnsetOrNull, syntax.AlternateUnset, syntax.AlternateUnsetOrNull:
		case syntax.RemSmallSuffix, syntax.RemLargeSuffix, syntax.RemSmallPrefix, syntax.RemLargePrefix:
			if n.Exp.Word != nil {
				if m := checkQuotedPattern(n.Exp.Word, "${v%pattern} pattern"); m != "" {
					return m
				}
			}
		default:
			return "${x" + n.Exp.Op.String() + "…} is not /bin/sh"
		}
	}
	return ""
}

func checkArith(e syntax.ArithmExpr) string {
	var msg string
	syntax.Walk(e, func(n syntax.Node) bool {
		if msg != "" {
			return false
		}
		switch n := n.(type) {
		case *syntax.BinaryArithm:
			switch n.Op {
			case syntax.Pow:
				msg = "arithmetic ** is not /bin/sh"
			case syntax.Comma:
				msg = "arithmetic , is not /bin/sh"
			}
		case *syntax.UnaryArithm:
			if n.Op == syntax.Inc || n.Op == syntax.Dec {
				msg = "arithmetic ++/-- is not /bin/sh"
			}
		case *syntax.Word:
			for _, p := range n.Parts {
				if l, ok := p.(*syntax.Lit); ok && strings.Contains(l.Value, "#") {
					msg = "arithmetic base#number is not /bin/sh"
				}
			}
		}
		return true
	})
	return msg
}

// rewriteArith replaces each $((…)) in a word by a parameter whose value
// arith.go computes with dash's rules.
func (r *runner) rewriteArith(w *syntax.Word) { r.rewriteArithParts(w.Parts) }

func (r *runner) rewriteArithParts(parts []syntax.WordPart) {
	for i, p := range parts {
		if ae, ok := p.(*syntax.ArithmExp); ok {
			id := len(r.ariths)
			r.ariths = append(r.ariths, ae.X)
			parts[i] = &syntax.ParamExp{
				Dollar: ae.Left, Rbrace: ae.Right,
				Param: &syntax.Lit{ValuePos: ae.Left, ValueEnd: ae.Right, Value: mangleArith + strconv.Itoa(id)},
			}
		}
	}
}
