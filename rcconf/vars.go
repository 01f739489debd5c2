package rcconf

import (
	"errors"
	"strconv"
	"strings"

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
