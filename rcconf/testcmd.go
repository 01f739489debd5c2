package rcconf

import (
	"io/fs"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// test implements test(1) / [ with dash's grammar. File tests go through the
// root (the attack stopped: [ -r /etc/master.passwd ] probing the host).
func (r *runner) test(pos syntax.Pos, a []string) int {
	t := &tester{r: r, pos: pos, args: a}
	var v bool
	switch len(a) {
	case 0:
		return 1
	case 1:
		v = a[0] != ""
	case 2:
		if a[0] == "!" {
			v = a[1] == ""
			break
		}
		v = t.unary(a[0], a[1])
	case 3:
		if isBinary(a[1]) {
			v = t.binary(a[0], a[1], a[2])
		} else if a[0] == "!" {
			v = !t.eval2(a[1], a[2])
		} else if a[0] == "(" && a[2] == ")" {
			v = a[1] != ""
		} else {
			t.errf("%s: unexpected operator", a[1])
		}
	case 4:
		if a[0] == "!" && isBinary(a[2]) {
			v = !t.binary(a[1], a[2], a[3])
			break
		}
		if a[0] == "(" && a[3] == ")" {
			v = t.eval2(a[1], a[2])
			break
		}
		fallthrough
	default:
		v = t.orExpr()
		if t.i < len(a) && !t.bad {
			t.errf("%s: unexpected operator", a[t.i])
		}
	}
	if t.bad {
		return 2
	}
	if v {
		return 0
	}
	return 1
}

type tester struct {
	r    *runner
	pos  syntax.Pos
	args []string
	i    int
	bad  bool
}

func (t *tester) errf(format string, a ...any) {
	if t.bad {
		return
	}
	t.bad = true
	_ = format
	_ = a
	// /bin/sh prints the message and test returns 2; the run continues.
}

func (t *tester) eval2(a, b string) bool {
	if a == "!" {
		return b == ""
	}
	return t.unary(a, b)
}

func isBinary(op string) bool {
	switch op {
	case "=", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef", "==":
		return true
	}
	return false
}

func isUnary(op string) bool {
	return len(op) == 2 && op[0] == '-' && strings.IndexByte("nzefdrwxsLhbcpSugkt", op[1]) >= 0
}

func (t *tester) next() (string, bool) {
	if t.i >= len(t.args) {
		t.errf("argument expected")
		return "", false
	}
	s := t.args[t.i]
	t.i++
	return s, true
}

func (t *tester) orExpr() bool {
	v := t.andExpr()
	for !t.bad && t.i < len(t.args) && t.args[t.i] == "-o" {
		t.i++
		w := t.andExpr()
		v = v || w
	}
	return v
}

func (t *tester) andExpr() bool {
	v := t.notExpr()
	for !t.bad && t.i < len(t.args) && t.args[t.i] == "-a" {
		t.i++
		w := t.notExpr()
		v = v && w
	}
	return v
}

func (t *tester) notExpr() bool {
	if t.i < len(t.args) && t.args[t.i] == "!" {
		t.i++
		return !t.notExpr()
	}
	return t.primary()
}

func (t *tester) primary() bool {
	s, ok := t.next()
	if !ok {
		return false
	}
	if s == "(" {
		v := t.orExpr()
		if c, ok := t.next(); !ok || c != ")" {
			t.errf("closing paren expected")
		}
		return v
	}
	if t.i+1 < len(t.args) && isBinary(t.args[t.i]) {
		op := t.args[t.i]
		b := t.args[t.i+1]
		t.i += 2
		return t.binary(s, op, b)
	}
	if isUnary(s) && t.i < len(t.args) {
		x, _ := t.next()
		return t.unary(s, x)
	}
	return s != ""
}

func (t *tester) unary(op, x string) bool {
	switch op {
	case "-n":
		return x != ""
	case "-z":
		return x == ""
	case "-t":
		return false // no terminal
	}
	if !isUnary(op) {
		t.errf("%s: unexpected operator", op)
		return false
	}
	if x == devNull {
		switch op {
		case "-e", "-r", "-w", "-c":
			return true
		}
		return false
	}
	info, err := t.r.fs.stat(x, op != "-L" && op != "-h")
	if err != nil {
		return false
	}
	m := info.Mode()
	switch op {
	case "-e":
		return true
	case "-f":
		return m.IsRegular()
	case "-d":
		return m.IsDir()
	case "-r", "-w":
		// The rc scripts run as root, for whom an existing file is
		// readable and writable.
		return true
	case "-x":
		return m.IsDir() || m.Perm()&0o111 != 0
	case "-s":
		return info.Size() > 0
	case "-L", "-h":
		return m&fs.ModeSymlink != 0
	case "-b":
		return m&fs.ModeDevice != 0 && m&fs.ModeCharDevice == 0
	case "-c":
		return m&fs.ModeCharDevice != 0
	case "-p":
		return m&fs.ModeNamedPipe != 0
	case "-S":
		return m&fs.ModeSocket != 0
	case "-u":
		return m&fs.ModeSetuid != 0
	case "-g":
		return m&fs.ModeSetgid != 0
	case "-k":
		return m&fs.ModeSticky != 0
	}
	return false
}

func (t *tester) binary(a, op, b string) bool {
	switch op {
	case "=":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case ">":
		return a > b
	case "==":
		t.r.unsup(t.pos, "test: == is not in dash's test; use =")
		t.bad = true
		return false
	case "-nt", "-ot", "-ef":
		t.r.unsup(t.pos, "test: %s is not supported", op)
		t.bad = true
		return false
	}
	x, ok1 := testNum(a)
	y, ok2 := testNum(b)
	if !ok1 || !ok2 {
		t.errf("illegal number")
		return false
	}
	switch op {
	case "-eq":
		return x == y
	case "-ne":
		return x != y
	case "-lt":
		return x < y
	case "-le":
		return x <= y
	case "-gt":
		return x > y
	case "-ge":
		return x >= y
	}
	return false
}

func testNum(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t")
	n, err := strconv.ParseInt(t, 10, 64)
	return n, err == nil
}
