package rcconf

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

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
