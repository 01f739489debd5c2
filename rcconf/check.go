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

// checkQuotedPattern accepts the quoted parts of a pattern (what: a trim's
// or a case pattern) that rewriteQuotedPattern can turn into escaped
// literals, and names the rest. It also refuses an unquoted ${u:-word} in
// the pattern whose word has quoted parts: its value is pattern text whose
// quoted characters /bin/sh keeps literal, while expand hands the value back
// with nothing to tell them apart.
func checkQuotedPattern(w *syntax.Word, what string) string {
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
				case *syntax.ParamExp:
					if !simpleParam(q) {
						if q.Param != nil && q.Exp == nil && !q.Length {
							return "a quoted $" + q.Param.Value + " inside a " + what + " is not supported"
						}
						return "a quoted ${…} operator inside a " + what + " is not supported"
					}
				default:
					return "a quoted substitution inside a " + what + " is not supported"
				}
			}
		case *syntax.ParamExp:
			if quotedWordIn(p) {
				return "${" + p.Param.Value + p.Exp.Op.String() + "…} with a quoted word inside a " + what + " is not supported"
			}
		}
	}
	return ""
}

// quotedWordIn reports whether the word of pe (a ${u:-word} and kin, not a
// trim), or of one nested unquoted in it, has a quoted part.
func quotedWordIn(pe *syntax.ParamExp) bool {
	if pe.Exp == nil || pe.Exp.Word == nil || isTrim(pe.Exp.Op) || pe.Param == nil {
		return false
	}
	for _, q := range pe.Exp.Word.Parts {
		switch q := q.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			return true
		case *syntax.Lit:
			if strings.Contains(q.Value, `\`) {
				return true
			}
		case *syntax.ParamExp:
			if quotedWordIn(q) {
				return true
			}
		}
	}
	return false
}

// simpleParam reports whether p is a plain $NAME, $1, $0, $?, $# or $*
// (a quoted one in a pattern becomes a mangleQuote parameter).
func simpleParam(p *syntax.ParamExp) bool {
	return p.Exp == nil && !p.Length && !p.Excl && p.Index == nil && p.Slice == nil &&
		p.Repl == nil && p.Names == 0 && !p.Width && !p.IsSet && p.Param != nil &&
		(validName(p.Param.Value) || isDigits(p.Param.Value) || strings.Contains("?#*", p.Param.Value))
}

// isDigits reports whether s is a run of decimal digits ($1, ${10}, $0).
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// rewriteQuotedPattern makes quoted pattern characters literal: expand treats
// the "*" of ${v%"*"} as a glob, and the "-" of ["a-z"] as a range, where
// /bin/sh reads plain characters. 'x' and literal text in "x" become
// literals with every byte backslash-escaped; "$p" becomes a parameter whose
// value is returned escaped the same way (quoteGlob).
func rewriteQuotedPattern(w *syntax.Word) {
	// One pass over the parts, building the new list only once a double-
	// quoted part changes their number (a splice per part was quadratic).
	var parts []syntax.WordPart
	for i, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.SglQuoted:
			w.Parts[i] = &syntax.Lit{ValuePos: p.Left, ValueEnd: p.Right, Value: quoteGlob(p.Value)}
		case *syntax.DblQuoted:
			if parts == nil {
				parts = append(make([]syntax.WordPart, 0, len(w.Parts)+len(p.Parts)), w.Parts[:i]...)
			}
			n := len(parts)
			for _, q := range p.Parts {
				switch q := q.(type) {
				case *syntax.Lit:
					parts = append(parts, &syntax.Lit{ValuePos: q.ValuePos, ValueEnd: q.ValueEnd, Value: quoteGlob(unDblQuote(q.Value))})
				case *syntax.ParamExp:
					parts = append(parts, &syntax.ParamExp{Dollar: q.Dollar, Rbrace: q.Rbrace,
						Param: &syntax.Lit{ValuePos: q.Param.ValuePos, ValueEnd: q.Param.ValueEnd, Value: mangleQuote + q.Param.Value}})
				}
			}
			if len(parts) == n {
				// "" in a pattern matches the empty string: an empty literal.
				parts = append(parts, &syntax.Lit{ValuePos: p.Left, ValueEnd: p.Right})
			}
			continue
		}
		if parts != nil {
			parts = append(parts, w.Parts[i])
		}
	}
	if parts != nil {
		w.Parts = parts
	}
}

// unDblQuote removes the backslashes that are escapes inside double quotes.
func unDblQuote(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

// unBackslash turns each backslash escape of an unquoted literal into a
// single-quoted character, and drops backslash-newline line continuations
// (also inside double quotes): expand.Literal keeps unquoted backslashes,
// where /bin/sh removes them.
func unBackslash(w *syntax.Word) {
	changed := false
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if strings.Contains(p.Value, `\`) {
				changed = true
			}
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if l, ok := q.(*syntax.Lit); ok && strings.Contains(l.Value, "\\\n") {
					l.Value = dropContinuations(l.Value)
				}
			}
		}
	}
	if !changed {
		return
	}
	var out []syntax.WordPart
	for _, p := range w.Parts {
		l, ok := p.(*syntax.Lit)
		if !ok || !strings.Contains(l.Value, `\`) {
			out = append(out, p)
			continue
		}
		s := l.Value
		start := 0
		for i := 0; i < len(s); i++ {
			if s[i] != '\\' {
				continue
			}
			if i > start {
				out = append(out, &syntax.Lit{ValuePos: l.ValuePos, ValueEnd: l.ValueEnd, Value: s[start:i]})
			}
			if i+1 < len(s) {
				if s[i+1] != '\n' {
					out = append(out, &syntax.SglQuoted{Left: l.ValuePos, Right: l.ValueEnd, Value: s[i+1 : i+2]})
				}
				i++
			}
			start = i + 1
		}
		if start < len(s) {
			out = append(out, &syntax.Lit{ValuePos: l.ValuePos, ValueEnd: l.ValueEnd, Value: s[start:]})
		}
	}
	if len(out) == 0 {
		out = []syntax.WordPart{&syntax.SglQuoted{Left: w.Pos(), Right: w.End()}}
	}
	w.Parts = out
}

// dropContinuations removes backslash-newline pairs, leaving other escapes
// (which expand handles) alone.
func dropContinuations(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if s[i+1] != '\n' {
				sb.WriteByte(s[i])
				sb.WriteByte(s[i+1])
			}
			i++
			continue
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

// unContinueHdoc drops line continuations in an unquoted here-document body.
func unContinueHdoc(w *syntax.Word) {
	for _, p := range w.Parts {
		if l, ok := p.(*syntax.Lit); ok && strings.Contains(l.Value, "\\\n") {
			l.Value = dropContinuations(l.Value)
		}
	}
}

// dqParamWord gives the word of a ${p:-word} inside double quotes its
// double-quote meaning, which expand does not: single quotes are plain
// characters, and a backslash quotes only $ ` " \ and newline.
func dqParamWord(pe *syntax.ParamExp) {
	if pe.Exp == nil || pe.Exp.Word == nil || isTrim(pe.Exp.Op) {
		return
	}
	w := pe.Exp.Word
	var out []syntax.WordPart
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.SglQuoted:
			out = append(out, &syntax.SglQuoted{Left: p.Left, Right: p.Right, Value: "'" + p.Value + "'"})
		case *syntax.Lit:
			s := p.Value
			start := 0
			for i := 0; i < len(s); i++ {
				if s[i] != '\\' || i+1 >= len(s) {
					continue
				}
				if i > start {
					out = append(out, &syntax.Lit{ValuePos: p.ValuePos, ValueEnd: p.ValueEnd, Value: s[start:i]})
				}
				switch c := s[i+1]; c {
				case '\n':
				case '$', '`', '"', '\\':
					out = append(out, &syntax.SglQuoted{Left: p.ValuePos, Right: p.ValueEnd, Value: string(c)})
				default:
					out = append(out, &syntax.SglQuoted{Left: p.ValuePos, Right: p.ValueEnd, Value: s[i : i+2]})
				}
				i++
				start = i + 1
			}
			if start < len(s) {
				out = append(out, &syntax.Lit{ValuePos: p.ValuePos, ValueEnd: p.ValueEnd, Value: s[start:]})
			}
		case *syntax.ParamExp:
			dqParamWord(p)
			out = append(out, p)
		default:
			out = append(out, p)
		}
	}
	w.Parts = out
}

// splitWordCheck refuses an unquoted ${p:-word} (and kin) in a word that is
// field-split when its word has quoted parts: /bin/sh keeps those parts
// unsplit, expand splits the whole result.
func splitWordCheck(w *syntax.Word) string {
	for _, p := range w.Parts {
		pe, ok := p.(*syntax.ParamExp)
		if !ok || pe.Exp == nil || pe.Exp.Word == nil || isTrim(pe.Exp.Op) {
			continue
		}
		for _, q := range pe.Exp.Word.Parts {
			quoted := false
			switch q := q.(type) {
			case *syntax.SglQuoted, *syntax.DblQuoted:
				quoted = true
			case *syntax.Lit:
				quoted = strings.Contains(q.Value, `\`)
			}
			if quoted {
				return "unquoted ${" + pe.Param.Value + pe.Exp.Op.String() + "…} with a quoted word in a command argument: its field splitting is not supported; quote the whole expansion"
			}
		}
	}
	return ""
}

// maxNesting bounds how deeply constructs may nest in one text. The parser
// (and the evaluator) recurse once per level; about 200,000 levels of "("
// overflow the Go stack, which is a fatal error no recover can catch (the
// attack stopped: a crafted rc.conf crashing the tool).
const maxNesting = 10000

// nestingDepth estimates (up to just past maxNesting) the deepest nesting
// of ( { if/case/for/while/until and arithmetic operators (nestScan) in
// src, skipping comments,
// single-quoted text and escaped characters. It over-counts rather than
// under-counts (parentheses in double quotes count too), which is harmless
// at this limit. It returns the depth and the line where it was reached,
// except that text of at most maxNesting bytes is not scanned (depth 0):
// every level takes at least one byte, so it cannot nest past the limit.
// That spares the scan for every eval text and every small file.
func nestingDepth(src string) (depth, line int) {
	if len(src) <= maxNesting {
		return 0, 1
	}
	return nestScan(src)
}

// nestScan is nestingDepth's scan. Besides ( { and the keywords it counts
// the arithmetic forms that nest once per operator: a run of prefix
// operators (! ~ + -, blanks between them), as in $((- - - 1)), on which
// the parser recurses, and every operator of one (( … )) or $(( … )):
// $((1?1:1?1:…)) nests at each ?, and $((1+1+…)) parses into a tree as
// deep as it is long, which the walks over it (syntax.Walk in check,
// arith.go's evaluation) recurse on. Outside arithmetic a run of prefix
// operators is a few characters, far from the limit.
func nestScan(src string) (depth, line int) {
	d, maxd, ln, maxLine := 0, 0, 1, 1
	run, q := 0, 0 // the prefix run, the ?s of the arithmetic open
	arith := -1    // d before the (( that opened arithmetic, or -1
	wordStart := true
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !prefixOp[c] && c != ' ' && c != '\t' && c != '\n' {
			run = 0
		}
		if !nestSpecial[c] {
			if wordStart && kwFirst[c] {
				d += keywordDelta(src[i:], d)
				if d > maxd {
					maxd, maxLine = d, ln
					if d > maxNesting {
						return maxd, maxLine
					}
				}
			}
			wordStart = false
			// The rest of the word: one table lookup per byte.
			for i+1 < len(src) && !nestSpecial[src[i+1]] {
				i++
			}
			continue
		}
		switch c {
		case '\n':
			ln++
		case '\\':
			i++
			if i < len(src) && src[i] == '\n' {
				ln++
			}
		case '\'':
			for i++; i < len(src) && src[i] != '\''; i++ {
				if src[i] == '\n' {
					ln++
				}
			}
		case '#':
			if wordStart {
				for i < len(src) && src[i] != '\n' {
					i++
				}
				i--
			}
		case '(', '{':
			if c == '(' && arith < 0 && i > 0 && src[i-1] == '(' {
				arith = d - 1
			}
			d++
			if d > maxd {
				maxd, maxLine = d, ln
				if d > maxNesting {
					return maxd, maxLine
				}
			}
		case ')', '}':
			if d > 0 {
				d--
			}
			if d <= arith {
				arith, q = -1, 0
			}
		case '!', '~', '+', '-', '?', '*', '/', '%', '<', '>', '=', '^', ',', ':', '&', '|':
			if prefixOp[c] {
				run++
			}
			if arith >= 0 {
				q++
			}
			if d+run+q > maxd {
				maxd, maxLine = d+run+q, ln
				if maxd > maxNesting {
					return maxd, maxLine
				}
			}
		}
		// An operator sits inside a word as far as keywords go.
		wordStart = c != '\\' && c != '\'' && c != '#' && c != ')' && c != '}' && !inWord[c]
	}
	return maxd, maxLine
}

// nestSpecial marks the bytes nestingDepth acts on (or that start a word);
// kwFirst the first letters of the keywords it counts.
// prefixOp the prefix operators of arithmetic, arithOp every operator
// character it counts inside arithmetic, inWord those of them that do not
// end a word (a keyword right after one is not one).
var nestSpecial, kwFirst, prefixOp, arithOp, inWord [256]bool

func init() {
	for _, c := range "\n\\'#(){} \t;&|`" {
		nestSpecial[c] = true
	}
	for _, c := range "!~+-?*/%<>=^,:&|" {
		nestSpecial[c] = true
		arithOp[c] = true
	}
	for _, c := range "!~+-" {
		prefixOp[c] = true
	}
	for _, c := range "!~+-?*/%<>=^,:" {
		inWord[c] = true
	}
	for _, c := range "icfwued" {
		kwFirst[c] = true
	}
}

// keywordDelta is +1 for an opening keyword at the start of s, -1 for a
// closing one (when d > 0), else 0.
func keywordDelta(s string, d int) int {
	word := func(kw string) bool {
		return strings.HasPrefix(s, kw) && (len(s) == len(kw) || strings.IndexByte(" \t\n;)", s[len(kw)]) >= 0)
	}
	switch s[0] {
	case 'i':
		if word("if") {
			return 1
		}
	case 'c':
		if word("case") {
			return 1
		}
	case 'f':
		if word("for") {
			return 1
		}
		if word("fi") && d > 0 {
			return -1
		}
	case 'w':
		if word("while") {
			return 1
		}
	case 'u':
		if word("until") {
			return 1
		}
	case 'e':
		if word("esac") && d > 0 {
			return -1
		}
	case 'd':
		if word("done") && d > 0 {
			return -1
		}
	}
	return 0
}
