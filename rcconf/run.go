package rcconf

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

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
	// (pathglob.go: readDirGlob). A command substitution in them expands
	// words of its own: fields saves and restores all three.
	fieldsAt   syntax.Pos
	globRisk   bool
	globQuoted bool
	readDir2   func(string) ([]fs.DirEntry, error)

	// parsers are kept for reuse (parseRun); arithParser parses the $((…))
	// of the fast path that simpleArith does not build itself (fast.go).
	parsers     []*syntax.Parser
	arithParser *syntax.Parser
	// expanded counts bytes of variables expanded by the current command;
	// live counts the bytes of all values held.
	expanded, live int
	// fastAt is the line the fast path is on (line 0: not in the fast path).
	fastAt  srcPos
	appends map[string]*strings.Builder

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
		vars:     map[string]variable{},
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

func (r *runner) failAt(file string, line, col int, format string, a ...any) {
	if r.err == nil {
		r.err = &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, a...)}
	}
}

func (c *capWriter) Write(p []byte) (int, error) {
	if len(p) > c.left {
		c.over = true
		return 0, errValueTooLong
	}
	c.left -= len(p)
	return c.w.Write(p)
}
