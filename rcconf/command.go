package rcconf

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

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
