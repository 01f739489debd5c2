package rcconf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

func parseErr(name string, err error) *Error {
	var pe syntax.ParseError
	if errors.As(err, &pe) {
		return &Error{File: name, Line: int(pe.Pos.Line()), Col: int(pe.Pos.Col()), Msg: "syntax error: " + pe.Text, Err: err}
	}
	return &Error{File: name, Line: 1, Col: 1, Msg: "syntax error: " + err.Error(), Err: err}
}

// sourceText runs a file's text. Plain top-level assignment lines are
// evaluated by the fast path (fast.go); everything else is parsed statement
// by statement and each statement run as soon as it is parsed, as the shell
// does, so the syntax tree of a large rc.conf is never held whole in memory.
func (r *runner) sourceText(name string, src []byte, fixed *srcPos) {
	text := string(src)
	if d, line := nestingDepth(text); d > maxNesting {
		if fixed != nil {
			r.failAt(fixed.file, fixed.line, fixed.col, "eval: nesting deeper than %d levels refused", maxNesting)
		} else {
			r.failAt(name, line, 1, "nesting deeper than %d levels refused", maxNesting)
		}
		return
	}
	if fixed != nil {
		r.parseRun(name, src, 0, 1, fixed, utf8.Valid(src))
		return
	}
	off, line := 0, 1
	// Checked once per file: the parser pieces between fast-path lines
	// would otherwise scan the rest of the file each time.
	valid := utf8.Valid(src)
	for off < len(text) && !r.stopped() {
		n, ok := r.fastLine(text, off, line, true)
		r.fastAt.line = 0
		if r.err != nil {
			return
		}
		if ok {
			off += n
			line++
			continue
		}
		end := r.parseRun(name, src, off, line, nil, valid)
		line += strings.Count(text[off:end], "\n")
		off = end
	}
}

// parseRun parses and runs statements of src from off (at line), stopping
// after a statement that ends its line when the next line suits the fast
// path; it returns the offset it stopped at.
func (r *runner) parseRun(name string, src []byte, off, line int, fixed *srcPos, valid bool) (end int) {
	// Parsers are reused (one per nesting level: a "." inside a statement
	// parses while the outer parser is suspended); each is large, and a
	// fresh one per piece of text (every eval text, every stretch between
	// fast-path lines) took 1.15x the CPU time of a whole 1000-jail run and
	// 62 instead of 55 MiB at 5000 jails (BENCHMARKS.md).
	var p *syntax.Parser
	if n := len(r.parsers); n > 0 {
		p, r.parsers = r.parsers[n-1], r.parsers[:n-1]
	} else {
		p = syntax.NewParser(syntax.Variant(syntax.LangBash))
	}
	reuse := true
	defer func() {
		if reuse {
			r.parsers = append(r.parsers, p)
		}
	}()
	saved := r.lineOff
	r.lineOff = line - 1
	defer func() { r.lineOff = saved }()
	stop := len(src)
	// Parser.StmtsSeq (v3.14.1) yields a parse error found while reading
	// ahead even after the loop has stopped, and the range loop then
	// panics. Once stopped, nothing more is wanted from that parser:
	// swallow exactly that case and drop the parser.
	stopped := false
	defer func() {
		if stopped {
			if x := recover(); x != nil {
				reuse = false
				end = stop
			}
		}
	}()
	var err error
	text := src[off:]
	mapped := false
	if !valid && !utf8.Valid(text) {
		// The parser refuses bytes that are not UTF-8, where /bin/sh reads
		// bytes (a Latin-1 comment or value): each such byte is read as a
		// private-use character and turned back into the byte in the
		// syntax tree (mapBytes). Offsets then no longer match src, so the
		// rest of the text is parsed here, without the fast path.
		if m, ok := mapBytes(text); ok {
			text, mapped = m, true
		}
	}
	for s, perr := range p.StmtsSeq(bytes.NewReader(text)) {
		if perr != nil {
			// Keep going: the parser yields its error once more at the
			// end, and breaking here would make that second yield panic.
			if err == nil {
				err = perr
			}
			continue
		}
		if err != nil {
			continue
		}
		if mapped {
			unmapBytes(s)
		}
		if !r.check(s) {
			if !r.errSoft {
				stopped = true
				break
			}
			// A construct /bin/sh runs but the evaluator cannot: what it
			// may assign is unknown, and evaluation goes on.
			r.softRecover(s)
		} else {
			r.stmt(s)
		}
		if r.stopped() {
			stopped = true
			break
		}
		if fixed != nil || mapped {
			continue
		}
		next, ok := lineEnd(src, off+int(s.End().Offset()))
		if !ok || hasHeredoc(s) || next >= len(src) {
			continue
		}
		if _, fast := r.fastLine(string(src[next:min(len(src), next+lineLen(src, next))]), 0, 0, false); fast {
			stop = next
			stopped = true
			break
		}
	}
	if err != nil && r.err == nil {
		e := parseErr(name, err)
		if fixed != nil {
			e.Msg = fmt.Sprintf("eval: %s (eval text line %d col %d)", e.Msg, e.Line, e.Col)
			e.File, e.Line, e.Col = fixed.file, fixed.line, fixed.col
		} else {
			e.Line += line - 1
		}
		r.err = e
	}
	return stop
}

// lineEnd reports whether only blanks and a comment follow offset i on its
// line, and returns the offset of the next line.
func lineEnd(src []byte, i int) (int, bool) {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	if i < len(src) && src[i] == '#' {
		for i < len(src) && src[i] != '\n' {
			i++
		}
	}
	if i >= len(src) {
		return len(src), true
	}
	if src[i] != '\n' {
		return 0, false
	}
	return i + 1, true
}

func lineLen(src []byte, i int) int {
	n := bytes.IndexByte(src[i:], '\n')
	if n < 0 {
		return len(src) - i
	}
	return n + 1
}

func hasHeredoc(s *syntax.Stmt) bool {
	found := false
	syntax.Walk(s, func(n syntax.Node) bool {
		if rd, ok := n.(*syntax.Redirect); ok && rd.Hdoc != nil {
			found = true
		}
		return !found
	})
	return found
}

func (r *runner) dot(pos syntax.Pos, a []string) {
	if len(a) == 0 {
		r.fail(pos, nil, ".: file name missing")
		return
	}
	name := a[0]
	if !strings.Contains(name, "/") {
		// /bin/sh would search PATH for it; that would be a host lookup.
		r.unsup(pos, ". %s: a file name without a slash is searched in PATH", name)
		return
	}
	if r.depth >= r.opts.MaxDepth {
		r.fail(pos, nil, "evaluation stopped: . %s nested deeper than %d", name, r.opts.MaxDepth)
		return
	}
	src, err := r.fs.readFile(name)
	if err != nil {
		r.fail(pos, err, ". %s: cannot open: %v (/bin/sh exits here)", name, err)
		return
	}
	if est := len(src) / 48; est > 4096 && est > len(r.vars) {
		// A big file: size the variable table once rather than let it
		// grow (and rehash) step by step (a 1000-jail rc.conf: about 1.1x
		// the CPU time of a whole run without it; BENCHMARKS.md).
		m := make(map[string]variable, len(r.vars)+est)
		for k, v := range r.vars {
			m[k] = v
		}
		r.vars = m
	}
	if !r.seenFile[name] {
		r.seenFile[name] = true
		r.files = append(r.files, name)
	}
	r.depth++
	file, fixed, lineOff := r.file, r.fixed, r.lineOff
	r.file, r.fixed, r.lineOff = name, nil, 0
	r.status = 0
	r.sourceText(name, src, nil)
	if r.ctl == ctlReturn {
		r.ctl = ctlNone
	}
	r.file, r.fixed, r.lineOff = file, fixed, lineOff
	r.depth--
}

func (r *runner) eval(pos syntax.Pos, a []string) {
	text := strings.Join(a, " ")
	if strings.TrimSpace(text) == "" {
		r.status = 0
		return
	}
	if r.depth >= r.opts.MaxDepth {
		r.fail(pos, nil, "evaluation stopped: eval nested deeper than %d", r.opts.MaxDepth)
		return
	}
	r.depth++
	fixed := r.fixed
	if r.fixed == nil {
		f, l, c := r.where(pos)
		r.fixed = &srcPos{file: f, line: l, col: c}
	}
	r.status = 0
	r.sourceText("eval", []byte(text), r.fixed)
	r.fixed = fixed
	r.depth--
}
