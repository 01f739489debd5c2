package rcconf

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

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
		if quotedPart(q) {
			return true
		}
		if q, ok := q.(*syntax.ParamExp); ok && quotedWordIn(q) {
			return true
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
			if quotedPart(q) {
				return "unquoted ${" + pe.Param.Value + pe.Exp.Op.String() + "…} with a quoted word in a command argument: its field splitting is not supported; quote the whole expansion"
			}
		}
	}
	return ""
}
