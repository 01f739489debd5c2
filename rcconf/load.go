package rcconf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Error is an evaluation failure at a place in the rc.conf chain.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
	// Err is the underlying cause, if any (a read error, context.DeadlineExceeded).
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Vars is every variable set at the end of an evaluation, with where each
// final value was assigned.
type Vars struct {
	m     map[string]variable
	files []string
	// poison is set when any variable, set or not, may have been changed
	// by something unknown (inspection mode).
	poison *unknown
	// shell is set when the values are /bin/sh's (live mode fallback).
	shell bool
	// runs are the places the evaluator met what only /bin/sh does.
	runs []shellRun
}

// Get returns the value of name and whether it is set. An unknown value
// (see [Vars.Unknown]) reads as set and empty.
func (v *Vars) Get(name string) (string, bool) {
	x, ok := v.m[name]
	return x.value, ok
}

// Unknown reports whether name's value cannot be known without running
// something, and why (the construct and its file:line). Only inspection
// mode has unknown values.
func (v *Vars) Unknown(name string) (string, bool) {
	x, ok := v.m[name]
	if ok && x.unk != nil {
		return x.unk.why, true
	}
	if !ok && v.poison != nil {
		return v.poison.why, true
	}
	return "", false
}

// UnknownAll is set when every variable not listed by Names may also be
// set, to values not known (a file sourced by a computed name, eval of
// computed text).
func (v *Vars) UnknownAll() (string, bool) {
	if v.poison == nil {
		return "", false
	}
	return v.poison.why, true
}

// Shell reports whether the values were computed by /bin/sh (live mode,
// for a chain that needs what the in-process evaluator does not do).
func (v *Vars) Shell() bool { return v.shell }

// Lookup returns name with its value and origin.
func (v *Vars) Lookup(name string) (Var, bool) {
	x, ok := v.m[name]
	if !ok {
		return Var{}, false
	}
	out := Var{Name: name, Value: x.value, File: x.file, Line: int(x.line)}
	if x.unk != nil {
		out.Unknown = x.unk.why
	}
	return out, true
}

// Origin returns the file and line of the assignment that produced name's
// final value ("env", 0 for the environment). It satisfies compat.Origins.
func (v *Vars) Origin(name string) (file string, line int, ok bool) {
	x, ok := v.m[name]
	return x.file, int(x.line), ok
}

// Names returns every set variable, sorted.
func (v *Vars) Names() []string {
	out := make([]string, 0, len(v.m))
	for n := range v.m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Files returns the files sourced, in the order first read, as the shell
// names them.
func (v *Vars) Files() []string { return append([]string(nil), v.files...) }

// driverName is the name positions in the loader script are reported under:
// the script that runs load_rc_config on FreeBSD.
const driverName = "/etc/rc.d/jail"

// Load evaluates the rc.conf chain for opts.Service under opts.Root the way
// rc.subr's load_rc_config does (the text of [Driver]), and returns every
// variable set at the end. On any error it returns nil Vars and an error that
// is, or wraps, an [*Error].
func Load(ctx context.Context, opts Options) (*Vars, error) {
	if opts.Root == "" {
		opts.Root = "/"
	}
	if opts.Service == "" {
		opts.Service = "jail"
	}
	if !validName(opts.Service) && !validServiceName(opts.Service) {
		return nil, &Error{File: driverName, Line: 1, Col: 1, Msg: fmt.Sprintf("service name %q: not a plain name", opts.Service)}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 16 << 20
	}
	if opts.MaxCommands <= 0 {
		opts.MaxCommands = 5_000_000
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = 1000
	}
	if opts.MaxValueLen <= 0 {
		opts.MaxValueLen = 4 << 20
	}
	if opts.Shell == "" {
		opts.Shell = "/bin/sh"
	}
	if opts.ShellTimeout <= 0 {
		opts.ShellTimeout = 60 * time.Second
	}
	live := !opts.Inspect && filepath.Clean(opts.Root) == "/"
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	fsys, err := openVFS(opts.Root, opts.MaxFileSize)
	if err != nil {
		return nil, &Error{File: driverName, Line: 1, Col: 1, Msg: fmt.Sprintf("open root %s: %v", opts.Root, err), Err: err}
	}
	defer fsys.close()
	ctx = &deadline{Context: ctx, at: time.Now().Add(opts.Timeout)}

	// Live mode evaluates twice only when the chain runs programs: first
	// without running anything (as -R does, every program-controlled
	// branch explored), to learn whether anything in the chain needs
	// /bin/sh itself. If something does, /bin/sh evaluates the chain from
	// the start and no program has run twice; if only programs the
	// evaluator can run exactly are in the way, a second pass runs them
	// (exec.go); if there are none, the first pass is the result.
	r := evalChain(ctx, opts, fsys, env, live, false)
	if live && (r.shellOnly || r.err != nil && !isLimitError(r.err)) {
		// The chain needs what only /bin/sh does (a pipeline, a construct
		// the evaluator cannot reproduce exactly, text its parser cannot
		// read, a name not found), or stops where the host's shell may
		// not (dash and FreeBSD sh differ on some fatal errors): /bin/sh
		// evaluates it, as rc.subr has it do, and decides. Only the
		// evaluator's own limits (time, commands, nesting, sizes) stand.
		return runShell(ctx, opts, env, r)
	}
	if live && r.err == nil && r.needShell {
		r = evalChain(ctx, opts, fsys, env, live, true)
		if r.needShell || r.err != nil && !isLimitError(r.err) {
			return runShell(ctx, opts, env, r)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return &Vars{m: r.vars, files: r.files, poison: r.poison, runs: r.runs}, nil
}

// evalChain runs the loader text in a new runner. In live mode, exec says
// whether programs run (the second pass); the first pass only tells the
// programs it could run (dryLive) from what needs /bin/sh (shellOnly).
func evalChain(ctx context.Context, opts Options, fsys *vfs, env []string, live, exec bool) *runner {
	r := newRunner(ctx, opts, fsys)
	r.dryLive = live && !exec
	if live && exec {
		r.liveMode = true
		r.stderr = opts.Stderr
		if r.stderr == nil {
			r.stderr = os.Stderr
		}
		// What the chain prints goes where the shell's output would
		// (rcjail's stderr: its stdout is the command's own).
		r.io.out, r.io.errw = r.stderr, r.stderr
	}
	for _, kv := range env {
		name, val, ok := strings.Cut(kv, "=")
		// IFS is never imported (as in dash and FreeBSD sh); names that are
		// not shell names cannot be referenced and are dropped.
		if !ok || !validName(name) || name == "IFS" {
			continue
		}
		r.vars[name] = variable{value: val, file: "env", exported: true}
	}
	// dash and FreeBSD sh start with IFS set to space, tab, newline.
	r.vars["IFS"] = variable{value: " \t\n", file: "sh"}
	r.file = driverName
	r.sourceText(driverName, []byte(Driver(opts.Service)), nil)
	return r
}

// deadline is the time limit of an evaluation, checked by reading the
// clock when the runner polls Err (every 256 commands). Only the evaluation
// is bound by it: its Done channel and Deadline are the parent's, so the
// programs live mode runs and the /bin/sh fallback, whose contexts derive
// from it, get their own limit (Options.ShellTimeout) and nothing sooner.
// Reporting the evaluation's deadline there would make context.WithTimeout
// assume the parent enforces the earlier time and set no timer of its own,
// while nothing closes Done at it: a hanging $(…) would hang rcjail
// (TestConfirmLiveHang's longer shell limit). context.WithTimeout for the
// evaluation itself would cut programs and the shell off at the
// evaluation's limit instead.
type deadline struct {
	context.Context
	at time.Time
}

func (d *deadline) Err() error {
	if err := d.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(d.at) {
		return context.DeadlineExceeded
	}
	return nil
}

// isLimitError reports whether e is one of the evaluator's own limits, which
// stand in live mode too (handing a runaway chain to /bin/sh would only hang
// longer).
func isLimitError(e *Error) bool {
	if errors.Is(e, context.DeadlineExceeded) || errors.Is(e, context.Canceled) {
		return true
	}
	for _, s := range []string{"evaluation stopped", "-byte limit", "expands over", "would hold over", "nesting deeper", "over the value size limit", "cannot open"} {
		if strings.Contains(e.Msg, s) {
			return true
		}
	}
	return false
}

func validServiceName(s string) bool {
	// rc.d service names may contain '-' and '.'; they become a path element
	// of rc.conf.d, so no '/' and no quoting characters.
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
