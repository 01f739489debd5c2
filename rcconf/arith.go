package rcconf

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// arith evaluates $((…)) the way dash does, not the way expand.Arithm does:
// a variable must hold a number ("Illegal number" otherwise, where expand
// silently reads 0 or follows names recursively), and bash-only operators
// are refused by check.
func (r *runner) arith(e syntax.ArithmExpr) (int64, bool) {
	if r.err != nil {
		return 0, false
	}
	switch e := e.(type) {
	case *syntax.Word:
		if len(e.Parts) == 1 {
			if l, ok := e.Parts[0].(*syntax.Lit); ok && validName(l.Value) {
				return r.arithVar(e.Pos(), l.Value)
			}
		}
		r.level++
		s := r.literal(e)
		r.level--
		if r.err != nil {
			return 0, false
		}
		if validName(strings.TrimSpace(s)) {
			return r.arithVar(e.Pos(), strings.TrimSpace(s))
		}
		return r.arithNum(e.Pos(), s, s)
	case *syntax.ParenArithm:
		return r.arith(e.X)
	case *syntax.UnaryArithm:
		x, ok := r.arith(e.X)
		if !ok {
			return 0, false
		}
		switch e.Op {
		case syntax.Not:
			return b2i(x == 0), true
		case syntax.BitNegation:
			return ^x, true
		case syntax.Plus:
			return x, true
		case syntax.Minus:
			return -x, true
		}
	case *syntax.BinaryArithm:
		if e.Op == syntax.TernQuest {
			c, ok := r.arith(e.X)
			if !ok {
				return 0, false
			}
			col, isCol := e.Y.(*syntax.BinaryArithm)
			if !isCol || col.Op != syntax.TernColon {
				break
			}
			if c != 0 {
				return r.arith(col.X)
			}
			return r.arith(col.Y)
		}
		if e.Op == syntax.AndArit || e.Op == syntax.OrArit {
			x, ok := r.arith(e.X)
			if !ok {
				return 0, false
			}
			if (x != 0) == (e.Op == syntax.OrArit) {
				return b2i(x != 0), true
			}
			y, ok := r.arith(e.Y)
			return b2i(y != 0), ok
		}
		if op, isAssign := assignOps[e.Op]; isAssign {
			w, ok := e.X.(*syntax.Word)
			name := ""
			if ok && len(w.Parts) == 1 {
				if l, ok := w.Parts[0].(*syntax.Lit); ok {
					name = l.Value
				}
			}
			if !validName(name) {
				r.unsup(e.Pos(), "arithmetic: assignment to a non-variable")
				return 0, false
			}
			y, ok := r.arith(e.Y)
			if !ok {
				return 0, false
			}
			v := y
			if op != syntax.Assgn {
				x, ok := r.arithVar(e.Pos(), name)
				if !ok {
					return 0, false
				}
				if v, ok = r.binop(e.Pos(), op, x, y); !ok {
					return 0, false
				}
			}
			if !r.setVar(name, strconv.FormatInt(v, 10), r.cur) {
				return 0, false
			}
			return v, true
		}
		x, ok := r.arith(e.X)
		if !ok {
			return 0, false
		}
		y, ok := r.arith(e.Y)
		if !ok {
			return 0, false
		}
		return r.binop(e.Pos(), e.Op, x, y)
	}
	r.unsup(e.Pos(), "arithmetic: expression not supported")
	return 0, false
}

var assignOps = map[syntax.BinAritOperator]syntax.BinAritOperator{
	syntax.Assgn: syntax.Assgn, syntax.AddAssgn: syntax.Add, syntax.SubAssgn: syntax.Sub,
	syntax.MulAssgn: syntax.Mul, syntax.QuoAssgn: syntax.Quo, syntax.RemAssgn: syntax.Rem,
	syntax.AndAssgn: syntax.And, syntax.OrAssgn: syntax.Or, syntax.XorAssgn: syntax.Xor,
	syntax.ShlAssgn: syntax.Shl, syntax.ShrAssgn: syntax.Shr,
}

func (r *runner) binop(pos syntax.Pos, op syntax.BinAritOperator, x, y int64) (int64, bool) {
	switch op {
	case syntax.Add:
		return x + y, true
	case syntax.Sub:
		return x - y, true
	case syntax.Mul:
		return x * y, true
	case syntax.Quo, syntax.Rem:
		if y == 0 {
			r.fail(pos, nil, "arithmetic: division by zero (/bin/sh exits here)")
			return 0, false
		}
		if op == syntax.Quo {
			return x / y, true
		}
		return x % y, true
	case syntax.Shl:
		return x << uint64(y&63), true
	case syntax.Shr:
		return x >> uint64(y&63), true
	case syntax.Lss:
		return b2i(x < y), true
	case syntax.Gtr:
		return b2i(x > y), true
	case syntax.Leq:
		return b2i(x <= y), true
	case syntax.Geq:
		return b2i(x >= y), true
	case syntax.Eql:
		return b2i(x == y), true
	case syntax.Neq:
		return b2i(x != y), true
	case syntax.And:
		return x & y, true
	case syntax.Or:
		return x | y, true
	case syntax.Xor:
		return x ^ y, true
	}
	r.unsup(pos, "arithmetic operator %s is not /bin/sh", op)
	return 0, false
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (r *runner) arithVar(pos syntax.Pos, name string) (int64, bool) {
	v, ok := r.vars[name]
	if !ok && r.poison != nil {
		r.noteTaint(r.poison)
	}
	if v.unk != nil {
		r.noteTaint(v.unk)
		return 0, true
	}
	if !ok {
		if r.nounset {
			r.fail(pos, nil, "%s: parameter not set (/bin/sh exits here)", name)
			return 0, false
		}
		return 0, true
	}
	if v.value == "" {
		return 0, true
	}
	return r.arithNum(pos, v.value, name)
}

// arithNum parses a number as strtoimax with base 0 does in dash: leading
// blanks, a sign, then decimal, 0x hex or 0 octal, and nothing after.
func (r *runner) arithNum(pos syntax.Pos, s, what string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	base := 10
	digits := t
	switch {
	case len(t) > 2 && (t[:2] == "0x" || t[:2] == "0X"):
		base, digits = 16, t[2:]
	case len(t) > 1 && t[0] == '0':
		base, digits = 8, t[1:]
	}
	n, err := strconv.ParseUint(digits, base, 64)
	if err != nil || digits == "" {
		r.fail(pos, nil, "arithmetic: %s: illegal number %q (/bin/sh exits here)", what, s)
		return 0, false
	}
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}
