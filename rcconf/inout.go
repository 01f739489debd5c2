package rcconf

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

func (r *runner) echo(pos syntax.Pos, a []string) int {
	nl := true
	if len(a) > 0 && a[0] == "-n" {
		nl = false
		a = a[1:]
	}
	if len(a) > 0 && (a[0] == "-e" || a[0] == "-E") {
		r.unsup(pos, "echo %s: dash and FreeBSD sh differ here", a[0])
		return 2
	}
	for _, s := range a {
		if strings.Contains(s, `\`) {
			r.unsup(pos, "echo with a backslash in %q: dash and FreeBSD sh differ here", s)
			return 2
		}
	}
	s := strings.Join(a, " ")
	if nl {
		s += "\n"
	}
	r.out(s)
	return 0
}

func (r *runner) read(pos syntax.Pos, a []string) int {
	raw := false
	for len(a) > 0 && strings.HasPrefix(a[0], "-") {
		if a[0] != "-r" {
			r.unsup(pos, "read %s: option not supported", a[0])
			return 2
		}
		raw = true
		a = a[1:]
	}
	if len(a) == 0 {
		r.fail(pos, nil, "read: no variable name")
		return 2
	}
	if r.io.inUnk != nil {
		r.noteTaint(r.io.inUnk)
	}
	var line strings.Builder
	st := 1
	for {
		b, err := r.io.in.ReadByte()
		if err != nil {
			break
		}
		if b == '\\' && !raw {
			nb, err := r.io.in.ReadByte()
			if err != nil {
				break
			}
			if nb == '\n' {
				continue
			}
			line.WriteByte('\\')
			line.WriteByte(nb)
			continue
		}
		if b == '\n' {
			st = 0
			break
		}
		line.WriteByte(b)
	}
	if !raw && strings.IndexByte(line.String(), '\\') >= 0 {
		// dash drops what follows a backslash after a blank ("a \b"
		// reads as "a"), bash keeps it; both drop an escaped trailing
		// blank. No one reading is /bin/sh's.
		r.unsup(pos, "read without -r of a line with a backslash escape: shells split it differently")
		return 2
	}
	ifs, _ := r.ifs()
	var fields []string
	if strings.Trim(ifs, " \t\n") != "" {
		// Non-white-space IFS characters delimit empty fields too
		// (ifsSplit); when there are more fields than names, shells
		// differ on what the last name keeps of the delimiters.
		fields = ifsSplit(line.String(), nil, ifs)
		if len(fields) > len(a) {
			r.noteTaint(r.unknownAt(pos, "read with IFS="+strconv.Quote(ifs)+" and more fields than names"))
		}
	} else {
		fields = readFields(ifs, line.String(), len(a))
	}
	for i, n := range a {
		v := ""
		if i < len(fields) {
			v = fields[i]
		}
		if !validName(n) {
			r.fail(pos, nil, "read: %q: bad variable name", n)
			return 2
		}
		if !r.setVar(n, v, pos) {
			return 2
		}
	}
	return st
}

// readFields splits a line read by read into at most n fields, the last
// taking the rest of the line, as expand.ReadFields does, but byte by byte:
// expand.ReadFields decodes runes and turns bytes that are not UTF-8 into
// U+FFFD, where /bin/sh keeps them. IFS holds only white space here
// (setVarAt refuses anything else), so no byte of a multi-byte character
// can be a separator and valid UTF-8 splits the same either way. The line
// has no backslash escapes to honour: without -r, read refuses a line with
// one; with -r a backslash is a plain byte.
func readFields(ifs, s string, n int) []string {
	isIFS := func(c byte) bool { return strings.IndexByte(ifs, c) >= 0 }
	type span struct{ start, end int }
	var fpos []span
	infield := false
	for i := 0; i < len(s); i++ {
		switch sep := isIFS(s[i]); {
		case infield && sep:
			fpos[len(fpos)-1].end = i
			infield = false
		case !infield && !sep:
			fpos = append(fpos, span{start: i, end: -1})
			infield = true
		}
	}
	if len(fpos) == 0 {
		return nil
	}
	if infield {
		fpos[len(fpos)-1].end = len(s)
	}
	white := func(c byte) bool { return (c == ' ' || c == '\t') && isIFS(c) }
	switch {
	case n == 1:
		// One field: the whole line without leading and trailing IFS
		// white space.
		lo, hi := 0, len(s)
		for lo < fpos[0].start && white(s[lo]) {
			lo++
		}
		for hi > fpos[len(fpos)-1].end && white(s[hi-1]) {
			hi--
		}
		fpos[0].start, fpos[0].end = lo, hi
		fpos = fpos[:1]
	case n < len(fpos):
		// The last variable takes the rest of the line.
		fpos[n-1].end = fpos[len(fpos)-1].end
		fpos = fpos[:n]
	}
	fields := make([]string, len(fpos))
	for i, p := range fpos {
		fields[i] = s[p.start:p.end]
	}
	return fields
}
