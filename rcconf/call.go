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

func (r *runner) decl(c *syntax.DeclClause) {
	if !r.tick(c.Pos()) {
		return
	}
	name := c.Variant.Value
	if name != "export" && name != "readonly" && name != "local" {
		r.fail(c.Pos(), nil, "external command %q refused", name)
		return
	}
	r.substStatus = 0
	for _, a := range c.Args {
		r.cur = a.Pos()
		switch {
		case a.Naked && a.Name != nil:
			if st := r.declOne(a.Pos(), name, a.Name.Value, "", false); st != 0 {
				r.status = st
				return
			}
		case a.Naked:
			fs := r.fields(a.Pos(), a.Value)
			if r.stopped() {
				return
			}
			if st := r.declArgs(a.Pos(), name, fs); st != 0 {
				r.status = st
				return
			}
		default:
			v := r.literal(a.Value)
			if r.stopped() {
				return
			}
			if st := r.declOne(a.Pos(), name, a.Name.Value, v, true); st != 0 {
				r.status = st
				return
			}
		}
		if r.stopped() {
			return
		}
	}
	r.status = r.substStatus
}

func (r *runner) declArgs(pos syntax.Pos, name string, args []string) int {
	for _, arg := range args {
		if strings.HasPrefix(arg, "-") {
			r.unsup(pos, "%s %s: options are not supported", name, arg)
			return 2
		}
		n, v, hasV := strings.Cut(arg, "=")
		if st := r.declOne(pos, name, n, v, hasV); st != 0 || r.err != nil {
			return st
		}
	}
	return 0
}

func (r *runner) declOne(pos syntax.Pos, kind, name, value string, hasValue bool) int {
	if !validName(name) {
		r.fail(pos, nil, "%s: %q: bad variable name (/bin/sh exits here)", kind, name)
		return 2
	}
	switch kind {
	case "local":
		if r.frame == nil {
			r.fail(pos, nil, "local %s: not in a function (/bin/sh exits here)", name)
			return 2
		}
		seen := false
		for _, s := range r.frame.saved {
			if s.name == name {
				seen = true
				break
			}
		}
		if !seen {
			prev, ok := r.vars[name]
			r.frame.saved = append(r.frame.saved, localSave{name, prev, ok})
		}
		if hasValue && !r.setVar(name, value, pos) {
			return 2
		}
	case "export", "readonly":
		if hasValue && !r.setVar(name, value, pos) {
			return 2
		}
		v, ok := r.vars[name]
		if !ok {
			// "export x" on an unset x marks it without setting it; an
			// unset variable has no value to report, so nothing to keep.
			return 0
		}
		if kind == "export" {
			v.exported = true
		} else {
			v.readonly = true
		}
		r.put(name, v)
	}
	return 0
}

func (r *runner) unset(pos syntax.Pos, a []string) int {
	funcs := false
	if len(a) > 0 && (a[0] == "-f" || a[0] == "-v") {
		funcs = a[0] == "-f"
		a = a[1:]
	}
	for _, n := range a {
		if funcs {
			if r.subshell > 0 {
				r.undo = append(r.undo, undoEnt{name: n, isFunc: true, prevFn: r.funcs[n]})
			}
			delete(r.funcs, n)
			continue
		}
		if v, ok := r.vars[n]; ok && v.readonly {
			r.fail(pos, nil, "unset of readonly variable %q refused (/bin/sh exits here)", n)
			return 2
		}
		r.del(n)
	}
	return 0
}

func (r *runner) set(pos syntax.Pos, a []string) int {
	if len(a) == 0 {
		r.unsup(pos, "set with no arguments (listing variables) is not supported")
		return 2
	}
	for len(a) > 0 {
		arg := a[0]
		if arg == "--" {
			a = a[1:]
			break
		}
		if len(arg) < 2 || (arg[0] != '-' && arg[0] != '+') {
			break
		}
		on := arg[0] == '-'
		for _, c := range arg[1:] {
			switch c {
			case 'u':
				r.nounset = on
			case 'f':
				r.noglob = on
			case 'x', 'v':
				// Tracing only writes to stderr, which is discarded.
			default:
				r.unsup(pos, "set %s: option not supported", arg)
				return 2
			}
		}
		a = a[1:]
		if len(a) == 0 {
			return 0
		}
	}
	r.params = append([]string(nil), a...)
	return 0
}

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

var keywords = map[string]bool{"if": true, "then": true, "else": true, "elif": true, "fi": true,
	"case": true, "esac": true, "for": true, "while": true, "until": true, "do": true,
	"done": true, "in": true, "{": true, "}": true, "!": true}

// typeCmd answers from functions and builtins only: looking a name up in
// PATH would stat the host (and "found" would mean nothing, since no
// program may run).
func (r *runner) typeCmd(a []string, short bool) int {
	st := 0
	for _, n := range a {
		switch {
		case r.funcs[n] != nil:
			if short {
				r.out(n + "\n")
			} else {
				r.out(n + " is a shell function\n")
			}
		case keywords[n]:
			if short {
				r.out(n + "\n")
			} else {
				r.out(n + " is a shell keyword\n")
			}
		case builtins[n] == special:
			if short {
				r.out(n + "\n")
			} else {
				r.out(n + " is a special shell builtin\n")
			}
		case builtins[n] != notBuiltin:
			if short {
				r.out(n + "\n")
			} else {
				r.out(n + " is a shell builtin\n")
			}
		default:
			// /bin/sh would search PATH: the answer (and the output)
			// depends on the host's programs.
			r.noteTaint(r.unknownAt(r.cur, fmt.Sprintf("command -v %q", n)))
			r.statusUnk = r.taint
			st = 0
		}
	}
	return st
}

// command returns -1 when it has run (or failed on) a command itself.
func (r *runner) command(pos syntax.Pos, a []string) int {
	if len(a) == 0 {
		return 0
	}
	switch a[0] {
	case "-v":
		return r.typeCmd(a[1:], true)
	case "-V":
		return r.typeCmd(a[1:], false)
	}
	if strings.HasPrefix(a[0], "-") {
		r.unsup(pos, "command %s: option not supported", a[0])
		return -1
	}
	switch builtins[a[0]] {
	case special, regular:
		r.builtin(pos, a)
	case refused:
		r.unsup(pos, "builtin %q: not supported in rc.conf evaluation", a[0])
	default:
		r.statusUnk = r.unknownAt(pos, fmt.Sprintf("command %q", strings.Join(a, " ")))
		r.status = 0
	}
	return -1
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
		// grow (and rehash) step by step.
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
