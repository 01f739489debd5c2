package rcconf

import (
	"errors"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

func (r *runner) expandErr(pos syntax.Pos, err error) {
	if r.err != nil {
		return
	}
	var ue expand.UnsetParameterError
	if errors.As(err, &ue) {
		r.fail(pos, err, "%s (/bin/sh exits here)", err.Error())
		return
	}
	r.unsup(pos, "expansion: %v", err)
}

func (r *runner) literal(w *syntax.Word) string {
	if w == nil {
		return ""
	}
	if s, ok := plainWord(w); ok {
		return s
	}
	s, err := expand.Literal(r.cfg(), w)
	if err != nil {
		r.expandErr(w.Pos(), err)
		return ""
	}
	return s
}

// plainWord returns the value of a word that needs no expansion: the fast
// path for name=literal, name='literal' and name="literal" assignments.
func plainWord(w *syntax.Word) (string, bool) {
	if len(w.Parts) != 1 {
		return "", false
	}
	switch p := w.Parts[0].(type) {
	case *syntax.Lit:
		if strings.ContainsAny(p.Value, "\\~") {
			return "", false
		}
		return p.Value, true
	case *syntax.SglQuoted:
		if p.Dollar {
			return "", false
		}
		return p.Value, true
	case *syntax.DblQuoted:
		if p.Dollar {
			return "", false
		}
		if len(p.Parts) == 0 {
			return "", true
		}
		if len(p.Parts) == 1 {
			if l, ok := p.Parts[0].(*syntax.Lit); ok && !strings.Contains(l.Value, "\\") {
				return l.Value, true
			}
		}
	}
	return "", false
}

func (r *runner) fields(pos syntax.Pos, words ...*syntax.Word) []string {
	if len(words) == 1 {
		if s, ok := plainWord(words[0]); ok && !strings.ContainsAny(s, "*?[") {
			if _, isLit := words[0].Parts[0].(*syntax.Lit); !isLit || s != "" {
				return []string{s}
			}
		}
	}
	if ifs, ok := r.ifs(); ok && strings.Trim(ifs, " \t\n") != "" {
		return r.fieldsIFS(pos, ifs, words)
	}
	at, risk, quoted := r.fieldsAt, r.globRisk, r.globQuoted
	r.fieldsAt, r.globRisk, r.globQuoted = pos, globByteRisk(words), globQuoteRisk(words)
	out, err := expand.Fields(r.cfg(), words...)
	r.fieldsAt, r.globRisk, r.globQuoted = at, risk, quoted
	if r.err != nil {
		return nil
	}
	if err != nil {
		r.expandErr(pos, err)
		return nil
	}
	return out
}

// paramWord evaluates ${p-word}, ${p:-word}, ${p+word}, ${p:+word},
// ${p=word}, ${p:=word}, ${p?word} and ${p:?word} with the word expanded
// only when it is used, as /bin/sh does (an assignment or a command in an
// unused word never happens).
func (r *runner) paramWord(pe *syntax.ParamExp) (string, bool) {
	name := pe.Param.Value
	v := r.Get(name)
	set := v.IsSet()
	val := v.Str
	null := !set || val == ""
	word := func() (string, bool) {
		if pe.Exp.Word == nil {
			return "", true
		}
		// A nested expansion: expand's Config is not reentrant.
		r.level++
		s := r.literal(pe.Exp.Word)
		r.level--
		return s, r.err == nil
	}
	switch op := pe.Exp.Op; op {
	case syntax.DefaultUnset, syntax.DefaultUnsetOrNull:
		if !set || op == syntax.DefaultUnsetOrNull && null {
			return word()
		}
		return val, true
	case syntax.AlternateUnset, syntax.AlternateUnsetOrNull:
		if set && !(op == syntax.AlternateUnsetOrNull && null) {
			return word()
		}
		return "", true
	case syntax.AssignUnset, syntax.AssignUnsetOrNull:
		if !set || op == syntax.AssignUnsetOrNull && null {
			w, ok := word()
			if !ok {
				return "", false
			}
			if !validName(name) {
				r.fail(pe.Pos(), nil, "${%s=…}: cannot assign to %s", name, name)
				return "", false
			}
			if !r.setVar(name, w, r.cur) {
				return "", false
			}
			return w, true
		}
		return val, true
	case syntax.ErrorUnset, syntax.ErrorUnsetOrNull:
		if !set || op == syntax.ErrorUnsetOrNull && null {
			w, ok := word()
			if !ok {
				return "", false
			}
			if w == "" {
				w = "parameter not set"
				if set {
					w = "parameter null or not set"
				}
			}
			r.fail(pe.Pos(), nil, "%s: %s (/bin/sh exits here)", name, w)
			return "", false
		}
		return val, true
	}
	r.unsup(pe.Pos(), "${%s%s…} not supported", name, pe.Exp.Op)
	return "", false
}
