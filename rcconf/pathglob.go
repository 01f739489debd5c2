package rcconf

import (
	"errors"
	"io/fs"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Pathname expansion is expand's own, and it matches file names per rune
// too: with a file named é, /etc/d/? lists it in expand but not in /bin/sh.
// rcconf does not reimplement pathname expansion; it refuses to list a
// directory holding a name that is not ASCII while the words being expanded
// may bring ? or [...] into the pattern (the driver's rc.conf.d/NAME/*
// brings only *, which matches the same names either way).

var errGlobRefused = errors.New("pathname expansion refused")

// globByteRisk reports whether the pathname patterns of words may hold ? or
// [: an unquoted literal with one, or an unquoted expansion whose value may
// bring one.
func globByteRisk(words []*syntax.Word) bool {
	for _, w := range words {
		for _, p := range w.Parts {
			switch p := p.(type) {
			case *syntax.Lit:
				if strings.ContainsAny(p.Value, "?[") {
					return true
				}
			case *syntax.ParamExp, *syntax.CmdSubst:
				return true
			}
		}
	}
	return false
}

// globQuoteRisk reports whether a quoted part of words may stand inside a
// bracket expression of a pathname pattern: after an unquoted [, or after
// an unquoted expansion, whose value may bring one. expand escapes only
// * ? [ \ in quoted text (pattern.QuoteMeta), so a quoted - ] or leading !
// there acts as a range, an end or a negation, where /bin/sh takes it as a
// plain member: /etc/["a-z"]* lists b2 in expand and -x in /bin/sh.
// (A backslash escape is a quoted part by now: check's unBackslash.)
//
// It also reports an unquoted "[^": a negation in expand (and FreeBSD sh),
// a literal ^ in dash; trims and case refuse it when they compile it.
func globQuoteRisk(words []*syntax.Word) bool {
	for _, w := range words {
		open := false
		for _, p := range w.Parts {
			switch p := p.(type) {
			case *syntax.Lit:
				if strings.Contains(p.Value, "[^") {
					return true
				}
				if strings.Contains(p.Value, "[") {
					open = true
				}
			case *syntax.ParamExp, *syntax.CmdSubst:
				open = true
			case *syntax.SglQuoted, *syntax.DblQuoted:
				if open {
					return true
				}
			}
		}
	}
	return false
}

// readDirGlob lists a directory for expand's pathname expansion. It polls
// the deadline first: one word such as /*/*/*/* lists a whole tree inside
// one command, where the command budget's poll does not come.
func (r *runner) readDirGlob(name string) ([]fs.DirEntry, error) {
	if r.err != nil {
		return nil, errGlobRefused
	}
	if r.ctx.Err() != nil {
		r.stopAt(r.fieldsAt)
		return nil, errGlobRefused
	}
	if r.globQuoted {
		r.unsup(r.fieldsAt, "pathname expansion: [^…], or a quoted part that may stand inside [...], is not supported (expand would read ^, or a quoted - ] or !, as a negation, a range or an end)")
		return nil, errGlobRefused
	}
	ents, err := r.fs.readDir(name)
	if err != nil || !r.globRisk {
		return ents, err
	}
	for _, e := range ents {
		if n := e.Name(); !isASCII(n) {
			r.unsup(r.fieldsAt, "pathname expansion in %s: file name %q is not ASCII and the pattern may hold ? or [...], which /bin/sh matches byte by byte: not supported", name, n)
			return nil, errGlobRefused
		}
	}
	return ents, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// quoteGlob escapes every byte of s, as /bin/sh marks every byte of a quoted
// part of a pattern: not only * ? [ \ but also, inside a bracket
// expression, ] (which would close it), - (a range) and a leading ! or ^
// (negation) are then plain members. It works on bytes:
// pattern.QuoteMeta works rune by rune, turns bytes that are not UTF-8 into
// U+FFFD, and leaves ] - ! alone.
func quoteGlob(s string) string {
	if s == "" {
		return s
	}
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, '\\', s[i])
	}
	return string(b)
}
