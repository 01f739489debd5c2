package rcconf

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// ifs returns the value of IFS (space, tab, newline when unset); ok is
// false, and the value being computed unknown, when IFS itself is unknown.
func (r *runner) ifs() (string, bool) {
	v, ok := r.vars["IFS"]
	if !ok {
		return " \t\n", true
	}
	if v.unk != nil {
		r.noteTaint(v.unk)
		return " \t\n", false
	}
	return v.value, true
}

// fieldsIFS expands words with field splitting on an IFS holding
// non-white-space characters, as dash and FreeBSD sh do (expand drops the
// empty fields such characters delimit). Each word is expanded part by part
// into one string whose bytes from unquoted expansions are marked
// splittable; ifsSplit then splits it. Pathname expansion of a resulting
// field that holds an unquoted pattern character is not done here: such a
// word is unknown (live mode hands the chain to /bin/sh).
func (r *runner) fieldsIFS(pos syntax.Pos, ifs string, words []*syntax.Word) []string {
	var out []string
	for _, w := range words {
		var sb strings.Builder
		var mask []bool
		quoted := false
		glob := false
		add := func(s string, split bool) {
			sb.WriteString(s)
			for range len(s) {
				mask = append(mask, split)
			}
			if split && !r.noglob && hasGlob(s) {
				glob = true
			}
		}
		for _, p := range w.Parts {
			switch p := p.(type) {
			case *syntax.Lit:
				add(p.Value, false)
				if !r.noglob && hasGlob(p.Value) {
					glob = true
				}
			case *syntax.SglQuoted:
				quoted = true
				sb.WriteString(p.Value)
				for range len(p.Value) {
					mask = append(mask, false)
				}
			case *syntax.DblQuoted:
				quoted = true
				for _, q := range p.Parts {
					if pe, ok := q.(*syntax.ParamExp); ok && pe.Param != nil && pe.Param.Value == "@" {
						r.unsup(pos, `"$@" in a word split on IFS=%s is not supported`, strconv.Quote(ifs))
						return nil
					}
				}
				s := r.part(p)
				if r.stopped() {
					return nil
				}
				sb.WriteString(s)
				for range len(s) {
					mask = append(mask, false)
				}
			case *syntax.ParamExp:
				if p.Param != nil && (p.Param.Value == "@" || p.Param.Value == "*") && p.Exp == nil {
					r.unsup(pos, "$@ or $* in a word split on IFS=%s is not supported", strconv.Quote(ifs))
					return nil
				}
				s := r.part(p)
				if r.stopped() {
					return nil
				}
				add(s, true)
			case *syntax.CmdSubst:
				s := r.part(p)
				if r.stopped() {
					return nil
				}
				add(s, true)
			default:
				r.unsup(pos, "%s in a word split on IFS=%s is not supported", nodeText(p), strconv.Quote(ifs))
				return nil
			}
		}
		s := sb.String()
		split := false
		for _, m := range mask {
			split = split || m
		}
		var fs []string
		switch {
		case !split && s == "" && !quoted:
		case !split:
			fs = []string{s}
		default:
			fs = ifsSplit(s, mask, ifs)
		}
		if glob {
			for _, f := range fs {
				if hasGlob(f) {
					r.noteTaint(r.unknownAt(pos, "pathname expansion of "+strconv.Quote(f)+" split on IFS="+strconv.Quote(ifs)))
				}
			}
		}
		out = append(out, fs...)
	}
	return out
}

// part expands one word part without field splitting or pathname
// expansion.
func (r *runner) part(p syntax.WordPart) string {
	r.level++
	s, err := expand.Literal(r.cfg(), &syntax.Word{Parts: []syntax.WordPart{p}})
	r.level--
	if err != nil {
		r.expandErr(p.Pos(), err)
		return ""
	}
	return s
}

// ifsSplit splits s on ifs the way dash's ifsbreakup does (FreeBSD sh's
// is the same algorithm): only bytes whose mask is true (from unquoted
// expansions; nil: all) split. IFS white space at the start of a field is
// skipped; a non-white-space IFS byte, with the IFS white space around it,
// ends a field, so two in a row delimit an empty one; what is left after
// the last delimiter is a field only when it is not empty.
func ifsSplit(s string, mask []bool, ifs string) []string {
	isIFS := func(i int) bool { return (mask == nil || mask[i]) && strings.IndexByte(ifs, s[i]) >= 0 }
	white := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }
	var out []string
	start := 0
	for p := 0; p < len(s); {
		if !isIFS(p) {
			p++
			continue
		}
		spc := white(s[p])
		if p == start && spc {
			p++
			start = p
			continue
		}
		out = append(out, s[start:p])
		p++
		for p < len(s) && isIFS(p) {
			if !white(s[p]) {
				if !spc {
					break
				}
				spc = false
			}
			p++
		}
		start = p
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// hasGlob reports whether s may be a pathname pattern: a * or ?, or a [
// with a ] after it.
func hasGlob(s string) bool {
	if strings.ContainsAny(s, "*?") {
		return true
	}
	i := strings.IndexByte(s, '[')
	return i >= 0 && strings.IndexByte(s[i+1:], ']') >= 0
}
