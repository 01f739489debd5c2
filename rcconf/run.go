package rcconf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// variable is one shell variable with the place of the assignment that gave
// it its value.
type variable struct {
	value    string
	file     string
	line     int32
	exported bool
	readonly bool
	// unk is set when the value cannot be known without running something
	// (then value is empty).
	unk *unknown
}

// srcPos is a fixed position every node maps to: code from eval text is
// attributed to the eval command.
type srcPos struct {
	file      string
	line, col int
}

type funcDef struct {
	body    *syntax.Stmt
	file    string
	fixed   *srcPos
	lineOff int
}

type ctlKind uint8

const (
	ctlNone ctlKind = iota
	ctlBreak
	ctlContinue
	ctlReturn
	ctlExit
)

type undoEnt struct {
	name    string
	prev    variable
	existed bool
	isFunc  bool
	prevFn  *funcDef
}

type localSave struct {
	name    string
	prev    variable
	existed bool
}

type frame struct{ saved []localSave }

type ioState struct {
	// inUnk is set when the input's text is not known.
	inUnk *unknown
	in    *strings.Reader
	out   io.Writer
	errw  io.Writer
}

// runner executes shell statements itself: mvdan.cc/sh/v3/syntax parses and
// mvdan.cc/sh/v3/expand expands words (the same expansion code interp uses),
// while every command, builtin and variable write goes through this type, so
// that each assignment's file and line is known, no program can ever be
// started, and no file outside the root is touched.
type runner struct {
	ctx   context.Context
	opts  Options
	fs    *vfs
	vars  map[string]variable
	funcs map[string]*funcDef

	params []string
	status int
	// substStatus is the status of the last command substitution, which
	// becomes $? of an assignment-only command (substUnk: not known).
	substStatus int
	substUnk    *unknown
	// prevUnk is statusUnk before the current command ($? of return).
	prevUnk *unknown

	file  string
	fixed *srcPos
	// lineOff is added to parser lines: a file is parsed in pieces between
	// the lines the fast path (fast.go) evaluates, each piece from line 1.
	lineOff int
	cur     syntax.Pos

	depth     int
	loopDepth int
	cmds      int
	frame     *frame
	undo      []undoEnt
	subshell  int
	ctl       ctlKind
	ctlN      int

	io      ioState
	cfgs    []*expand.Config
	level   int
	nounset bool
	noglob  bool
	ariths  []syntax.ArithmExpr
	pexps   []*syntax.ParamExp
	// trims are the ${p#word} forms taken out of the syntax tree
	// (pattern.go); globCache holds compiled byte-wise patterns.
	trims     []trimExp
	globCache map[string]*glob
	// spendGlob is scanSpend, made once; scanWork is the work it has not
	// polled the deadline for yet; scanCut is set when it cut a pattern
	// scan short (scanDone).
	spendGlob func(int) bool
	scanWork  int
	scanCut   bool
	// fieldsAt is the position of the words being field-expanded, globRisk
	// whether they may put ? or [...] in a pathname pattern, and
	// globQuoted whether a quoted part of them may stand inside a [...]
	// (pattern.go: readDirGlob). A command substitution in them expands
	// words of its own: fields saves and restores all three.
	fieldsAt   syntax.Pos
	globRisk   bool
	globQuoted bool
	readDir2   func(string) ([]fs.DirEntry, error)

	parsers     []*syntax.Parser
	arithParser *syntax.Parser
	// expanded counts bytes of variables expanded by the current command;
	// live counts the bytes of all values held.
	expanded, live int
	// fastAt is the line the fast path is on (line 0: not in the fast path).
	fastAt  srcPos
	appends map[string][]byte

	files    []string
	seenFile map[string]bool
	err      *Error
	// errSoft marks err as a construct /bin/sh runs but the evaluator
	// cannot reproduce exactly (unsup): stmt turns it into unknowns.
	errSoft bool

	// taint is the first unknown the value being computed depends on;
	// statusUnk is set when $? is not known (a program's status),
	// paramsUnk when the positional parameters are not, poison when any
	// variable may have been changed by something unknown (unknown.go).
	taint, statusUnk, paramsUnk, poison *unknown
	// unkEvents counts unknowns met, so that a command substitution can
	// tell whether its output is known.
	unkEvents int
	// needShell is set once anything was met that /bin/sh would run and
	// the evaluator did not; runs lists where (for diagnostics).
	needShell bool
	runs      []shellRun
	// live is set in live mode (programs may run, exec.go); stderr is
	// where they write their diagnostics.
	liveMode bool
	stderr   io.Writer
	// dryLive is set in live mode's first pass; there execOK marks an
	// unknown that the second pass can compute by running a program
	// itself, and shellOnly records any other (which needs /bin/sh).
	dryLive, execOK, shellOnly bool
	// specLoops is the loop depth at the start of each speculation under
	// way (unknown.go).
	specLoops []int
}

func newRunner(ctx context.Context, opts Options, fs *vfs) *runner {
	r := &runner{
		ctx:      ctx,
		opts:     opts,
		fs:       fs,
		vars:     make(map[string]variable, varsHint),
		funcs:    map[string]*funcDef{},
		io:       ioState{in: strings.NewReader(""), out: io.Discard, errw: io.Discard},
		seenFile: map[string]bool{},
	}
	return r
}

func (r *runner) stopped() bool { return r.err != nil || r.ctl != ctlNone }

// where maps a node position to the file, line and column the shell would
// name.
func (r *runner) where(pos syntax.Pos) (string, int, int) {
	if r.fixed != nil {
		return r.fixed.file, r.fixed.line, r.fixed.col
	}
	return r.file, int(pos.Line()) + r.lineOff, int(pos.Col())
}

func (r *runner) fail(pos syntax.Pos, cause error, format string, a ...any) {
	if r.err != nil {
		return
	}
	f, l, c := r.where(pos)
	r.err = &Error{File: f, Line: l, Col: c, Msg: fmt.Sprintf(format, a...), Err: cause}
}

// tick counts a command against the budget and polls the deadline (the
// attack stopped: "while :; do :; done" or deep recursion hanging the boot).
func (r *runner) tick(pos syntax.Pos) bool {
	r.cur = pos
	f, l, c := r.where(pos)
	return r.tickAt(f, l, c)
}

func (r *runner) tickAt(file string, line, col int) bool {
	r.cmds++
	r.taint = nil
	r.expanded = 0
	if r.cmds > r.opts.MaxCommands {
		r.failAt(file, line, col, "evaluation stopped: command budget of %d exceeded", r.opts.MaxCommands)
		return false
	}
	if r.cmds&255 == 0 {
		if err := r.ctx.Err(); err != nil {
			r.failAt(file, line, col, "evaluation stopped: %v (time limit %v)", err, r.opts.Timeout)
			r.err.Err = err
			return false
		}
	}
	return true
}

func (r *runner) cfg() *expand.Config {
	for len(r.cfgs) <= r.level {
		r.cfgs = append(r.cfgs, &expand.Config{Env: r, CmdSubst: r.cmdSubst})
	}
	c := r.cfgs[r.level]
	c.NoUnset = r.nounset
	if r.noglob {
		c.ReadDir2 = nil
	} else {
		if r.readDir2 == nil {
			r.readDir2 = r.readDirGlob
		}
		c.ReadDir2 = r.readDir2
	}
	return c
}

// --- variables (expand.WriteEnviron) ---

const (
	mangleArith = "\x01a" // $((…)) replaced by a parameter evaluated by arith.go
	mangleQuote = "\x01q" // a quoted "$p" in a pattern: its value, every byte escaped
	mangleLen   = "\x01l" // ${#p}: the length in bytes, as dash counts (expand counts runes)
	mangleWord  = "\x01w" // ${p:-word} and kin: word expanded only when used (expand is eager)
)

func (r *runner) Get(name string) expand.Variable {
	if name == "" {
		return expand.Variable{}
	}
	switch c := name[0]; {
	case c == '?':
		if name == "?" {
			if r.statusUnk != nil {
				r.noteTaint(r.statusUnk)
			}
			return strVar(strconv.Itoa(r.status))
		}
	case c == '#':
		if name == "#" {
			if r.paramsUnk != nil {
				r.noteTaint(r.paramsUnk)
			}
			return strVar(strconv.Itoa(len(r.params)))
		}
	case c == '@' || c == '*':
		if len(name) == 1 {
			if r.paramsUnk != nil {
				r.noteTaint(r.paramsUnk)
			}
			// Never a nil list: expand would make "$@" one empty field.
			list := r.params
			if list == nil {
				list = []string{}
			}
			return expand.Variable{Set: true, Kind: expand.Indexed, List: list}
		}
	case c >= '0' && c <= '9':
		n, err := strconv.Atoi(name)
		if err != nil {
			return expand.Variable{}
		}
		if n == 0 {
			return strVar(driverName)
		}
		if r.paramsUnk != nil {
			r.noteTaint(r.paramsUnk)
		}
		if n <= len(r.params) {
			return strVar(r.params[n-1])
		}
		return expand.Variable{}
	case c == '\x01':
		return r.getMangled(name)
	}
	v, ok := r.vars[name]
	if !ok {
		if r.poison != nil {
			r.noteTaint(r.poison)
		}
		return expand.Variable{}
	}
	if v.unk != nil {
		r.noteTaint(v.unk)
		return expand.Variable{Set: true, Kind: expand.String, Exported: v.exported, ReadOnly: v.readonly}
	}
	if !r.countExpansion(len(v.value)) {
		return strVar("")
	}
	return expand.Variable{Set: true, Kind: expand.String, Str: v.value, Exported: v.exported, ReadOnly: v.readonly}
}

// countExpansion bounds the bytes one command may expand (the attack
// stopped: y=$x$x$x… with a large x building gigabytes inside a single
// expansion, before any assignment could check the result).
func (r *runner) countExpansion(n int) bool {
	r.expanded += n
	if r.expanded > 4*r.opts.MaxValueLen {
		f, l, c := r.where(r.cur)
		if r.fastAt.line > 0 {
			f, l, c = r.fastAt.file, r.fastAt.line, r.fastAt.col
		}
		r.failAt(f, l, c, "one command expands over %d bytes of variables", 4*r.opts.MaxValueLen)
		return false
	}
	return true
}

func strVar(s string) expand.Variable {
	return expand.Variable{Set: true, Kind: expand.String, Str: s}
}

func (r *runner) getMangled(name string) expand.Variable {
	switch {
	case strings.HasPrefix(name, mangleArith):
		i, err := strconv.Atoi(name[len(mangleArith):])
		if err != nil || i >= len(r.ariths) {
			return strVar("0")
		}
		n, ok := r.arith(r.ariths[i])
		if !ok {
			return strVar("0")
		}
		return strVar(strconv.FormatInt(n, 10))
	case strings.HasPrefix(name, mangleWord):
		i, err := strconv.Atoi(name[len(mangleWord):])
		if err != nil || i >= len(r.pexps) {
			return expand.Variable{}
		}
		v, ok := r.paramWord(r.pexps[i])
		if !ok {
			return strVar("")
		}
		return strVar(v)
	case strings.HasPrefix(name, mangleLen):
		v := r.Get(name[len(mangleLen):])
		if !v.IsSet() && r.nounset {
			r.fail(r.cur, nil, "%s: parameter not set (/bin/sh exits here)", name[len(mangleLen):])
		}
		return strVar(strconv.Itoa(len(v.Str)))
	case strings.HasPrefix(name, mangleTrim):
		v, ok := r.evalTrim(name[len(mangleTrim):])
		if !ok {
			return strVar("")
		}
		return strVar(v)
	case name == mangleQuote+"*":
		// "$*": the parameters joined by the first byte of IFS (IFS holds
		// white space only here), none when it is empty.
		sep := " "
		if v, ok := r.vars["IFS"]; ok {
			sep = v.value[:min(1, len(v.value))]
		}
		return strVar(quoteGlob(strings.Join(r.params, sep)))
	case strings.HasPrefix(name, mangleQuote):
		v := r.Get(name[len(mangleQuote):])
		if !v.IsSet() && r.nounset {
			return v
		}
		return strVar(quoteGlob(v.Str))
	}
	return expand.Variable{}
}

func (r *runner) Each(f func(name string, vr expand.Variable) bool) {
	for n, v := range r.vars {
		if !f(n, expand.Variable{Set: true, Kind: expand.String, Str: v.value}) {
			return
		}
	}
}

// Set is called by expand for ${x:=y} and arithmetic assignments.
func (r *runner) Set(name string, vr expand.Variable) error {
	if vr.Kind != expand.String || !validName(name) {
		r.fail(r.cur, nil, "assignment to %q refused: not a plain variable", name)
		return errors.New("refused")
	}
	if !r.setVar(name, vr.Str, r.cur) {
		return errors.New("refused")
	}
	return nil
}

func (r *runner) put(name string, v variable) {
	prev, ok := r.vars[name]
	r.putPrev(name, v, prev, ok)
}

// putPrev is put when the caller has already looked up the previous value.
func (r *runner) putPrev(name string, v, prev variable, ok bool) {
	if r.subshell > 0 {
		r.undo = append(r.undo, undoEnt{name: name, prev: prev, existed: ok})
	}
	r.live += len(v.value) - len(prev.value)
	r.vars[name] = v
}

func (r *runner) del(name string) {
	prev, ok := r.vars[name]
	if !ok {
		return
	}
	if r.subshell > 0 {
		r.undo = append(r.undo, undoEnt{name: name, prev: prev, existed: true})
	}
	r.live -= len(prev.value)
	delete(r.vars, name)
}

func (r *runner) restore(name string, prev variable, existed bool) {
	if existed {
		r.put(name, prev)
	} else {
		r.del(name)
	}
}

// setVar assigns name at pos, recording the place as the value's origin.
func (r *runner) setVar(name, value string, pos syntax.Pos) bool {
	f, l, c := r.where(pos)
	return r.setVarAt(name, value, f, l, c)
}

func (r *runner) setVarAt(name, value, file string, line, col int) bool {
	prev, ok := r.vars[name]
	if ok && prev.readonly {
		r.failAt(file, line, col, "assignment to readonly variable %q refused (/bin/sh exits here)", name)
		return false
	}
	if len(value) > r.opts.MaxValueLen {
		// The attack stopped: x=$x$x in a loop exhausting memory.
		r.failAt(file, line, col, "value of %q is %d bytes, over the %d-byte limit", name, len(value), r.opts.MaxValueLen)
		return false
	}
	if r.live+len(value)-len(prev.value) > 64*r.opts.MaxValueLen {
		// The attack stopped: many large values exhausting memory.
		r.failAt(file, line, col, "variables would hold over %d bytes in total", 64*r.opts.MaxValueLen)
		return false
	}
	if r.taint != nil {
		r.putPrev(name, variable{file: file, line: int32(line), exported: prev.exported, unk: r.taint}, prev, ok)
		return true
	}
	r.putPrev(name, variable{value: value, file: file, line: int32(line), exported: prev.exported}, prev, ok)
	return true
}

func (r *runner) failAt(file string, line, col int, format string, a ...any) {
	if r.err == nil {
		r.err = &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, a...)}
	}
}

// --- files and statements ---

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
	if d, line := nestingDepth(unsafe.String(unsafe.SliceData(src), len(src))); d > maxNesting {
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
	// src is never modified once read, so the string can share its bytes.
	text := unsafe.String(unsafe.SliceData(src), len(src))
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
	// parses while the outer parser is suspended); each is large.
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
	if u := r.taint; u != nil {
		r.speculate(c.Pos(), "case", u, func() {
			for _, ci := range c.Items {
				r.stmts(ci.Stmts)
			}
		})
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
				r.speculate(c.Pos(), "case", u, func() {
					for _, ci := range c.Items {
						r.stmts(ci.Stmts)
					}
				})
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

// --- expansion helpers ---

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

// --- subshells ---

// inSubshell runs f so that nothing it changes survives: variables and
// functions are rolled back from an undo log, as a forked shell would lose
// them.
// undoFunc restores the function definition an undo entry saved (none:
// the function did not exist) and reports whether u was a function's.
func (r *runner) undoFunc(u undoEnt) bool {
	if !u.isFunc {
		return false
	}
	if u.prevFn == nil {
		delete(r.funcs, u.name)
	} else {
		r.funcs[u.name] = u.prevFn
	}
	return true
}

func (r *runner) inSubshell(f func()) {
	mark := len(r.undo)
	r.subshell++
	params, nounset, noglob, fr, loops, paramsUnk, poison := r.params, r.nounset, r.noglob, r.frame, r.loopDepth, r.paramsUnk, r.poison
	r.loopDepth = 0
	f()
	if r.ctl == ctlExit || r.ctl == ctlReturn || r.ctl == ctlBreak || r.ctl == ctlContinue {
		r.ctl = ctlNone
	}
	for i := len(r.undo) - 1; i >= mark; i-- {
		u := r.undo[i]
		if r.undoFunc(u) {
			continue
		}
		r.live -= len(r.vars[u.name].value)
		if u.existed {
			r.vars[u.name] = u.prev
			r.live += len(u.prev.value)
		} else {
			delete(r.vars, u.name)
		}
	}
	r.undo = r.undo[:mark]
	r.subshell--
	r.params, r.nounset, r.noglob, r.frame, r.loopDepth, r.paramsUnk, r.poison = params, nounset, noglob, fr, loops, paramsUnk, poison
}

func (r *runner) cmdSubst(w io.Writer, cs *syntax.CmdSubst) error {
	if r.err != nil {
		return r.err
	}
	if r.depth >= r.opts.MaxDepth {
		r.fail(cs.Pos(), nil, "evaluation stopped: nesting deeper than %d", r.opts.MaxDepth)
		return r.err
	}
	r.depth++
	r.level++
	saved := r.io
	r.io.out = &capWriter{w: w, left: r.opts.MaxValueLen}
	status, statusUnk, taint, events, poison, runs := r.status, r.statusUnk, r.taint, r.unkEvents, r.poison, len(r.runs)
	r.inSubshell(func() { r.stmts(cs.Stmts) })
	r.substStatus, r.substUnk = r.status, r.statusUnk
	r.status, r.statusUnk, r.taint, r.poison = status, statusUnk, taint, poison
	if r.unkEvents != events && r.err == nil {
		// Something in it ran a program or met an unknown: its output
		// (and so the value being computed) is unknown.
		what := "command substitution " + nodeText(cs)
		f, l, _ := r.where(cs.Pos())
		if r.fastAt.line > 0 {
			f, l = r.fastAt.file, r.fastAt.line
		}
		if len(r.runs) > runs {
			if in := r.runs[runs]; in.file != f || in.line != l {
				what += " (" + in.String() + ")"
			} else {
				what += " (" + in.what + ")"
			}
		}
		// Derived from what its body met (already recorded).
		execOK := r.execOK
		r.execOK = true
		u := r.unknownAt(cs.Pos(), what)
		r.execOK = execOK
		r.noteTaint(u)
		if r.substUnk == nil {
			r.substUnk = u
		}
	}
	r.io = saved
	r.level--
	r.depth--
	if r.err != nil {
		return r.err
	}
	return nil
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

// capWriter is the output of a command substitution, which becomes a value:
// it is capped like one (the attack stopped: $(while :; do echo $x; done)
// filling memory faster than the deadline can stop it).
type capWriter struct {
	w    io.Writer
	left int
	over bool
}

func (c *capWriter) Write(p []byte) (int, error) {
	if len(p) > c.left {
		c.over = true
		return 0, errValueTooLong
	}
	c.left -= len(p)
	return c.w.Write(p)
}

var errValueTooLong = errors.New("command substitution output over the value size limit")
