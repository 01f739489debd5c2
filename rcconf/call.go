package rcconf

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

type builtinKind uint8

const (
	notBuiltin builtinKind = iota
	special                // POSIX special builtins: prefix assignments persist
	regular
	refused // a builtin of /bin/sh this evaluator does not emulate
)

var builtins = map[string]builtinKind{
	":": special, ".": special, "break": special, "continue": special, "eval": special,
	"exit": special, "export": special, "readonly": special, "return": special,
	"set": special, "shift": special, "unset": special, "local": special,
	"exec": refused, "trap": refused, "times": refused,

	"true": regular, "false": regular, "echo": regular, "printf": regular,
	"read": regular, "test": regular, "[": regular, "type": regular,
	"command": regular, "setvar": regular,

	"alias": refused, "unalias": refused, "cd": refused, "pwd": refused,
	"getopts": refused, "umask": refused, "ulimit": refused, "hash": refused,
	"wait": refused, "jobs": refused, "kill": refused, "fg": refused, "bg": refused,
	"fc": refused, "chdir": refused, "bind": refused, "wordexp": refused,
}

var refusedWhy = map[string]string{
	"alias":   "aliases are not supported",
	"unalias": "aliases are not supported",
	"exec":    "exec would replace the shell or open files",
	"trap":    "traps are not supported",
	"cd":      "changing directory is not supported",
	"chdir":   "changing directory is not supported",
}

func (r *runner) call(ce *syntax.CallExpr) {
	if !r.tick(ce.Pos()) {
		return
	}
	if len(ce.Args) == 0 {
		r.assignAll(ce.Assigns)
		return
	}
	r.substStatus, r.substUnk = 0, nil
	args := r.fields(ce.Args[0].Pos(), ce.Args...)
	if r.stopped() {
		return
	}
	if len(args) == 0 {
		if r.taint != nil {
			// A computed command name that depends on a program.
			r.poisonAll(r.taint)
			r.statusUnk = r.taint
			return
		}
		r.assignAll(ce.Assigns)
		return
	}
	pos := ce.Args[0].Pos()
	r.cur = pos
	name := args[0]
	kind := builtins[name]
	fn := r.funcs[name]
	argTaint := r.taint
	if argTaint != nil {
		if _, ok := plainWord(ce.Args[0]); !ok {
			// Which command runs depends on a program.
			r.poisonAll(argTaint)
			r.statusUnk = argTaint
			return
		}
	}
	events := r.unkEvents
	r.prevUnk, r.statusUnk = r.statusUnk, nil
	switch {
	case kind == special:
		// POSIX: assignments before a special builtin persist.
		if !r.assignPersist(ce.Assigns) {
			return
		}
		r.taint = argTaint
		r.builtin(pos, args)
	case fn != nil:
		r.withTemp(ce.Assigns, func() {
			r.taint = argTaint
			r.callFunc(pos, fn, args)
		})
		return
	case kind == regular:
		r.withTemp(ce.Assigns, func() {
			r.taint = argTaint
			r.builtin(pos, args)
		})
	case kind == refused:
		why := refusedWhy[name]
		if why == "" {
			why = "not supported in rc.conf evaluation"
		}
		r.unsup(pos, "builtin %q: %s", name, why)
		return
	default:
		// A program (or a name /bin/sh does not find: status 127 and a
		// message). Live mode runs it when it can (exec.go); otherwise
		// its status and output are unknown. Prefix assignments go to its
		// environment only.
		if argTaint == nil && r.execProgram(pos, ce.Assigns, args) {
			return
		}
		r.execOK = r.dryLive && argTaint == nil && r.canExec(args[0])
		r.statusUnk = r.unknownAt(pos, fmt.Sprintf("command %q", strings.Join(args, " ")))
		r.execOK = false
		r.status = 0
		return
	}
	if r.err == nil && r.statusUnk == nil && (argTaint != nil || r.unkEvents != events) && !knownStatus[name] {
		// The builtin worked on unknown values: its status is unknown
		// (and its output, through unkEvents).
		u := argTaint
		if u == nil {
			u = r.taint
		}
		if u == nil {
			u = r.unknownAt(pos, name)
		}
		r.statusUnk = u
	}
}

// knownStatus are builtins whose status does not depend on the values of
// their arguments here.
var knownStatus = map[string]bool{":": true, "true": true, "false": true, "export": true,
	"readonly": true, "local": true, "set": true, "setvar": true, "unset": true,
	".": true, "eval": true, "return": true, "exit": true, "break": true, "continue": true}

func (r *runner) assignAll(as []*syntax.Assign) {
	r.substStatus, r.substUnk = 0, nil
	if r.assignPersist(as) {
		r.status, r.statusUnk = r.substStatus, r.substUnk
	}
}

func (r *runner) assignPersist(as []*syntax.Assign) bool {
	for _, a := range as {
		r.cur = a.Pos()
		r.taint = nil
		v := r.literal(a.Value)
		if r.stopped() {
			return false
		}
		if !r.setVar(a.Name.Value, v, a.Pos()) {
			return false
		}
	}
	return true
}

// withTemp runs f with the prefix assignments in place, then puts the old
// values back, as /bin/sh does for regular builtins and functions.
func (r *runner) withTemp(as []*syntax.Assign, f func()) {
	if len(as) == 0 {
		f()
		return
	}
	type saved struct {
		name    string
		prev    variable
		existed bool
	}
	var olds []saved
	for _, a := range as {
		r.taint = nil
		v := r.literal(a.Value)
		if r.stopped() {
			return
		}
		prev, ok := r.vars[a.Name.Value]
		olds = append(olds, saved{a.Name.Value, prev, ok})
		if !r.setVar(a.Name.Value, v, a.Pos()) {
			return
		}
	}
	f()
	for i := len(olds) - 1; i >= 0; i-- {
		r.restore(olds[i].name, olds[i].prev, olds[i].existed)
	}
}

func (r *runner) callFunc(pos syntax.Pos, fd *funcDef, args []string) {
	if r.depth >= r.opts.MaxDepth {
		r.fail(pos, nil, "evaluation stopped: function %q nested deeper than %d", args[0], r.opts.MaxDepth)
		return
	}
	r.depth++
	params, file, fixed, fr, loops, lineOff, paramsUnk := r.params, r.file, r.fixed, r.frame, r.loopDepth, r.lineOff, r.paramsUnk
	r.params = args[1:]
	r.paramsUnk = r.taint
	r.file, r.fixed, r.lineOff = fd.file, fd.fixed, fd.lineOff
	r.frame = &frame{}
	r.loopDepth = 0
	r.stmt(fd.body)
	if r.ctl == ctlReturn || r.ctl == ctlBreak || r.ctl == ctlContinue {
		r.ctl = ctlNone
	}
	saved := r.frame.saved
	for i := len(saved) - 1; i >= 0; i-- {
		r.restore(saved[i].name, saved[i].prev, saved[i].existed)
	}
	r.params, r.file, r.fixed, r.frame, r.loopDepth, r.lineOff, r.paramsUnk = params, file, fixed, fr, loops, lineOff, paramsUnk
	r.depth--
}

// out writes builtin output; only a command substitution's capWriter can
// fail, and that stops the evaluation.
func (r *runner) out(s string) {
	if _, err := io.WriteString(r.io.out, s); err != nil && r.err == nil {
		r.fail(r.cur, err, "%v (limit %d bytes)", err, r.opts.MaxValueLen)
	}
}

func (r *runner) builtin(pos syntax.Pos, args []string) {
	name := args[0]
	a := args[1:]
	st := 0
	switch name {
	case ":", "true":
	case "false":
		st = 1
	case ".", "eval":
		if u := r.taint; u != nil {
			// Which file, or what text: unknown, so anything may change.
			r.poisonAll(&unknown{why: fmt.Sprintf("%s of a computed argument (%s)", name, u.why), file: u.file, line: u.line})
			r.status, r.statusUnk = 0, u
			return
		}
		if name == "." {
			r.dot(pos, a)
		} else {
			r.eval(pos, a)
		}
		return
	case "break", "continue":
		n := 1
		if len(a) > 0 {
			v, err := strconv.Atoi(a[0])
			if err != nil || v < 1 {
				r.fail(pos, nil, "%s %q: bad number", name, a[0])
				return
			}
			n = v
		}
		if r.loopDepth == 0 {
			break
		}
		if n > r.loopDepth {
			n = r.loopDepth
		}
		r.ctl, r.ctlN = ctlBreak, n
		if name == "continue" {
			r.ctl = ctlContinue
		}
		r.status = 0
		return
	case "return", "exit":
		st = r.status
		if len(a) == 0 {
			r.statusUnk = r.prevUnk
		}
		if len(a) > 0 {
			v, err := strconv.Atoi(a[0])
			if err != nil || v < 0 {
				r.fail(pos, nil, "%s %q: illegal number", name, a[0])
				return
			}
			st = v & 255
		}
		if name == "exit" {
			if r.subshell == 0 {
				r.fail(pos, nil, "exit %d: rc.conf exits the shell (rc.d/jail would stop here)", st)
				return
			}
			r.ctl = ctlExit
		} else {
			r.ctl = ctlReturn
		}
		r.status = st
		return
	case "export", "readonly", "local":
		st = r.declArgs(pos, name, a)
	case "unset":
		st = r.unset(pos, a)
	case "set":
		u := r.taint
		st = r.set(pos, a)
		if len(a) > 0 && r.err == nil && u != nil {
			r.paramsUnk = u
		}
	case "shift":
		n := 1
		if len(a) > 0 {
			v, err := strconv.Atoi(a[0])
			if err != nil || v < 0 {
				r.fail(pos, nil, "shift %q: illegal number", a[0])
				return
			}
			n = v
		}
		if n > len(r.params) {
			r.fail(pos, nil, "shift %d: can't shift that many (/bin/sh exits here)", n)
			return
		}
		r.params = r.params[n:]
	case "echo":
		st = r.echo(pos, a)
	case "printf":
		st = r.printf(pos, a)
	case "read":
		st = r.read(pos, a)
	case "test", "[":
		if name == "[" {
			if len(a) == 0 || a[len(a)-1] != "]" {
				// dash prints "[: missing ]" and the command fails with
				// status 2; the script goes on.
				r.status = 2
				return
			}
			a = a[:len(a)-1]
		}
		st = r.test(pos, a)
	case "type":
		st = r.typeCmd(a, false)
	case "command":
		st = r.command(pos, a)
		if st < 0 {
			return
		}
	case "setvar":
		// FreeBSD sh's setvar: assign a variable whose name is computed.
		if u := r.taint; u != nil {
			r.poisonAll(u)
			return
		}
		if len(a) != 2 && len(a) != 1 {
			r.fail(pos, nil, "setvar: want NAME [VALUE], got %d arguments", len(a))
			return
		}
		if !validName(a[0]) {
			r.fail(pos, nil, "setvar: %q: bad variable name", a[0])
			return
		}
		v := ""
		if len(a) == 2 {
			v = a[1]
		}
		if !r.setVar(a[0], v, pos) {
			return
		}
	default:
		r.unsup(pos, "builtin %q not supported", name)
		return
	}
	if r.err == nil {
		r.status = st
	}
}
