package rcconf

import (
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// The fast path evaluates the commonest rc.conf line without the parser:
//
//	[blanks] NAME=VALUE [blanks [# comment]]
//
// where VALUE is a run of
//   - bare characters from [A-Za-z0-9_./:,@%+=-],
//   - '…' single-quoted text on the line,
//   - "…" double-quoted text on the line without \ or `,
//   - $NAME, ${NAME}, ${NAME[:]-word}, ${NAME[:]+word} and ${NAME#word},
//     ##, %, %% (quoted or not), where word has only the characters
//     [A-Za-z0-9_./:,@%+=# -] and, in # and % patterns, *.
//
// Every such line means the same to /bin/sh whatever the context: an
// assignment value is neither split nor globbed, none of these forms can
// run a command or fail, and a * pattern matches the same bytes in any
// locale. Anything else (and any line while set -u is on) goes to the
// parser. The confirm suite runs every fixture through both paths.

// fastLine tries the line of s at off. With run, it also performs the
// assignment. It returns the bytes the line takes, newline included.
func (r *runner) fastLine(s string, off, line int, run bool) (int, bool) {
	if r.nounset {
		return 0, false
	}
	if run {
		r.expanded = 0
		r.taint = nil
	}
	i := off
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i >= len(s) || s[i] == '\n' || s[i] == '#' {
		// A blank or comment line.
		for i < len(s) && s[i] != '\n' {
			i++
		}
		if i < len(s) {
			i++
		}
		return i - off, true
	}
	nameStart := i
	if !nameStartChar(s[i]) {
		return 0, false
	}
	for i < len(s) && nameChar(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != '=' {
		return 0, false
	}
	name := s[nameStart:i]
	i++
	if run {
		// Cleared by sourceText once the line is done.
		r.fastAt = srcPos{file: r.file, line: line, col: nameStart - off + 1}
	}
	var partsArr [8]string
	parts := partsArr[:0]
	// selfFirst: the value starts with $NAME of the variable assigned, the
	// x="$x more" idiom that appends to a list.
	selfFirst := false
	add := func(p string) {
		if run {
			parts = append(parts, p)
		}
	}
	isSelf := func(i int) bool {
		n := len(name)
		return len(parts) == 0 && (strings.HasPrefix(s[i:], "$"+name) && (i+1+n >= len(s) || !nameChar(s[i+1+n])) ||
			strings.HasPrefix(s[i:], "${"+name+"}"))
	}
	// param takes the expansion starting with the $ at s[i], quoted or not,
	// and returns how many bytes it spans; false when the fast path cannot.
	param := func(i int) (int, bool) {
		if isSelf(i) {
			selfFirst = true
		}
		v, n, ok := r.fastParam(s, i, run)
		if ok {
			add(v)
		}
		return n, ok
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			goto end
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 || strings.IndexByte(s[i+1:i+1+j], '\n') >= 0 {
				return 0, false
			}
			add(s[i+1 : i+1+j])
			i += j + 2
		case c == '"':
			i++
			for {
				if i >= len(s) {
					return 0, false
				}
				c := s[i]
				if c == '"' {
					i++
					break
				}
				if c == '$' {
					n, ok := param(i)
					if !ok {
						return 0, false
					}
					i += n
					continue
				}
				if c == '\\' || c == '`' || c == '\n' {
					return 0, false
				}
				j := i
				for j < len(s) && s[j] != '"' && s[j] != '$' && s[j] != '\\' && s[j] != '`' && s[j] != '\n' {
					j++
				}
				add(s[i:j])
				i = j
			}
		case c == '$':
			n, ok := param(i)
			if !ok {
				return 0, false
			}
			i += n
		case bareChar(c):
			j := i
			for j < len(s) && bareChar(s[j]) {
				j++
			}
			add(s[i:j])
			i = j
		default:
			return 0, false
		}
	}
end:
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i < len(s) && s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
		for i < len(s) && s[i] != '\n' {
			i++
		}
	}
	if i < len(s) {
		if s[i] != '\n' {
			return 0, false
		}
		i++
	}
	if run {
		var val string
		switch {
		case len(parts) == 1:
			val = parts[0]
		case selfFirst && len(parts) > 1:
			val = r.appendTo(name, parts[0], parts[1:])
		case len(parts) > 1:
			val = strings.Join(parts, "")
		}
		col := nameStart - off + 1
		taint := r.taint
		if !r.tickAt(r.file, line, col) {
			return 0, false
		}
		r.taint = taint
		if !r.setVarAt(name, val, r.file, line, col) {
			return 0, false
		}
		r.status, r.statusUnk = 0, nil
	}
	return i - off, true
}

func nameStartChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func nameChar(c byte) bool { return nameStartChar(c) || c >= '0' && c <= '9' }

func bareChar(c byte) bool {
	return nameChar(c) || strings.IndexByte("./:,@%+=-", c) >= 0
}

func wordChar(c byte) bool {
	return nameChar(c) || strings.IndexByte("./:,@%+=# -", c) >= 0
}

// fastParam reads $NAME or one of the ${…} forms at s[i] ('$'); it returns
// the value, the bytes taken and whether the form is one the fast path
// handles.
func (r *runner) fastParam(s string, i int, run bool) (string, int, bool) {
	start := i
	i++
	if i >= len(s) {
		return "", 0, false
	}
	if s[i] == '(' && i+1 < len(s) && s[i+1] == '(' {
		return r.fastArith(s, start, run)
	}
	if s[i] != '{' {
		if !nameStartChar(s[i]) {
			return "", 0, false
		}
		j := i
		for j < len(s) && nameChar(s[j]) {
			j++
		}
		if shellMaintained(s[i:j]) {
			return "", 0, false
		}
		v := ""
		if run {
			x, _ := r.fastGet(s[i:j])
			v = x.value
			if !r.countExpansion(len(v)) {
				return "", 0, false
			}
		}
		return v, j - start, true
	}
	i++
	j := i
	if j >= len(s) || !nameStartChar(s[j]) {
		return "", 0, false
	}
	for j < len(s) && nameChar(s[j]) {
		j++
	}
	name := s[i:j]
	if j >= len(s) || shellMaintained(name) {
		return "", 0, false
	}
	if s[j] == '}' {
		v := ""
		if run {
			x, _ := r.fastGet(name)
			v = x.value
			if !r.countExpansion(len(v)) {
				return "", 0, false
			}
		}
		return v, j + 1 - start, true
	}
	colon := false
	if s[j] == ':' {
		colon = true
		j++
		if j >= len(s) || (s[j] != '-' && s[j] != '+') {
			return "", 0, false
		}
	}
	op := s[j]
	double := false
	switch op {
	case '-', '+':
	case '#', '%':
		if colon {
			return "", 0, false
		}
		if j+1 < len(s) && s[j+1] == op {
			double = true
			j++
		}
	default:
		return "", 0, false
	}
	j++
	w := j
	for j < len(s) && s[j] != '}' {
		if !wordChar(s[j]) && !(s[j] == '*' && (op == '#' || op == '%')) {
			return "", 0, false
		}
		j++
	}
	if j >= len(s) {
		return "", 0, false
	}
	word := s[w:j]
	n := j + 1 - start
	if !run {
		return "", n, true
	}
	v, set := r.fastGet(name)
	val := v.value
	if !r.countExpansion(len(val)) {
		return "", 0, false
	}
	switch op {
	case '-':
		if !set || colon && val == "" {
			return word, n, true
		}
		return val, n, true
	case '+':
		if set && !(colon && val == "") {
			return word, n, true
		}
		return "", n, true
	}
	// A # or % trim: pattern.go's matcher, whose cost is the value's length
	// times the pattern's and which polls the deadline. When the time limit
	// cuts it short the line goes to the parser, whose first poll fails it
	// with its position.
	g, ok := r.glob(syntax.Pos{}, word, func() string { return "${" + name + string(op) + "…}" })
	if !ok {
		return "", 0, false
	}
	out := g.trim(val, op == '%', double)
	if r.scanCut {
		r.scanCut = false
		return "", 0, false
	}
	return out, n, true
}

// fastArith reads $((EXPR)) at s[start] where EXPR holds only numbers,
// names, blanks, parentheses and operators other than assignments, ",",
// "**", "++" and "--"; it is evaluated by arith.go with dash's rules.
func (r *runner) fastArith(s string, start int, run bool) (string, int, bool) {
	i := start + 3
	depth := 0
	j := i
	for ; j < len(s); j++ {
		c := s[j]
		if c == '(' {
			depth++
			continue
		}
		if c == ')' {
			if depth == 0 {
				break
			}
			depth--
			continue
		}
		if !nameChar(c) && strings.IndexByte(" \t+-*/%<>!&|^~?:", c) < 0 {
			return "", 0, false
		}
	}
	if j+1 >= len(s) || s[j] != ')' || s[j+1] != ')' {
		return "", 0, false
	}
	body := s[i:j]
	if strings.Contains(body, "**") || strings.Contains(body, "++") || strings.Contains(body, "--") {
		return "", 0, false
	}
	n := j + 2 - start
	if !run {
		return "", n, true
	}
	expr, ok := simpleArith(body)
	if !ok {
		if r.arithParser == nil {
			r.arithParser = syntax.NewParser(syntax.Variant(syntax.LangBash))
		}
		var err error
		expr, err = r.arithParser.Arithmetic(strings.NewReader(body))
		if err != nil || expr == nil || checkArith(expr) != "" ||
			int(expr.End().Offset()) != len(strings.TrimRight(body, " \t")) {
			// Arithmetic stops after one expression: "0 0" must not pass.
			// Not for the fast path; the parser reports it properly.
			return "", 0, false
		}
	}
	at := r.fastAt
	fixed := r.fixed
	r.fixed = &at // errors inside name the assignment line
	v, ok := r.arith(expr)
	r.fixed = fixed
	if !ok {
		return "", 0, false
	}
	return strconv.FormatInt(v, 10), n, true
}

// arithTree is the syntax tree of OPERAND [OP OPERAND] in one allocation.
type arithTree struct {
	bin    syntax.BinaryArithm
	x, y   syntax.Word
	xl, yl syntax.Lit
	xp, yp [1]syntax.WordPart
}

// simpleArith builds, without the parser, the tree the parser builds for
// the commonest arithmetic in rc.conf files: one operand, or two around one
// binary operator ("i % 4", "n + 1"), where an operand is a decimal number
// or a variable name. The parser allocates fresh node batches on every call
// (a few KiB for "1 % 4"), which dominated a short evaluation's garbage.
// Anything else (unary operators, parentheses, a second operator, whose
// precedence the parser settles) is left to the parser. arith.go evaluates
// the tree either way, so the value and errors cannot differ.
func simpleArith(body string) (syntax.ArithmExpr, bool) {
	i := 0
	blanks := func() {
		for i < len(body) && (body[i] == ' ' || body[i] == '\t') {
			i++
		}
	}
	operand := func() (string, bool) {
		j := i
		for i < len(body) && nameChar(body[i]) {
			i++
		}
		w := body[j:i]
		if w == "" {
			return "", false
		}
		if nameStartChar(w[0]) {
			return w, true
		}
		for k := 0; k < len(w); k++ {
			if w[k] < '0' || w[k] > '9' {
				return "", false // 0x1f, 2#10 and the like: the parser's
			}
		}
		return w, true
	}
	t := new(arithTree)
	blanks()
	x, ok := operand()
	if !ok {
		return nil, false
	}
	t.xl.Value = x
	t.xp[0] = &t.xl
	t.x.Parts = t.xp[:]
	blanks()
	if i == len(body) {
		return &t.x, true
	}
	var op syntax.BinAritOperator
	two := ""
	if i+1 < len(body) {
		two = body[i : i+2]
	}
	switch two { // no "<=", "==" …: fastArith leaves any '=' to the parser
	case "<<":
		op = syntax.Shl
	case ">>":
		op = syntax.Shr
	}
	if op != 0 {
		i += 2
	} else {
		switch body[i] {
		case '+':
			op = syntax.Add
		case '-':
			op = syntax.Sub
		case '*':
			op = syntax.Mul
		case '/':
			op = syntax.Quo
		case '%':
			op = syntax.Rem
		case '<':
			op = syntax.Lss
		case '>':
			op = syntax.Gtr
		case '&':
			op = syntax.And
		case '|':
			op = syntax.Or
		case '^':
			op = syntax.Xor
		default:
			return nil, false
		}
		i++
	}
	blanks()
	y, ok := operand()
	if !ok {
		return nil, false
	}
	blanks()
	if i != len(body) {
		return nil, false
	}
	t.yl.Value = y
	t.yp[0] = &t.yl
	t.y.Parts = t.yp[:]
	t.bin.Op, t.bin.X, t.bin.Y = op, &t.x, &t.y
	return &t.bin, true
}

// appendTo returns cur with rest appended, growing name's append buffer in
// place when cur is what it holds: x="$x more" is then amortised
// O(len(more)) instead of a copy of the whole list, which is quadratic over
// a large jail_list (without it a whole "rcjail -R … vars" took about 1.3×
// the CPU time at 1000 and 5000 jails; BENCHMARKS.md). A strings.Builder
// never rewrites bytes it has handed out, so every value already returned
// stays unchanged; cur == b.String() costs nothing when the two share their
// bytes (the usual case: cur is the value appendTo returned last time).
func (r *runner) appendTo(name, cur string, rest []string) string {
	b := r.appends[name]
	if b == nil || cur != b.String() {
		n := len(cur)
		for _, p := range rest {
			n += len(p)
		}
		b = new(strings.Builder)
		b.Grow(max(2*n, 64))
		b.WriteString(cur)
		if r.appends == nil {
			r.appends = map[string]*strings.Builder{}
		}
		r.appends[name] = b
	}
	for _, p := range rest {
		b.WriteString(p)
	}
	return b.String()
}

// shellMaintained names the variables check refuses to expand.
func shellMaintained(name string) bool {
	return name == "LINENO" || name == "PPID" || name == "OPTIND"
}

// fastGet looks a variable up for the fast path, noting an unknown value
// (its value reads empty) or a lookup after poisonAll; set is whether name
// is set, so that the caller needs no second lookup.
func (r *runner) fastGet(name string) (v variable, set bool) {
	v, set = r.vars[name]
	switch {
	case v.unk != nil:
		r.noteTaint(v.unk)
	case !set && r.poison != nil:
		r.noteTaint(r.poison)
	}
	return v, set
}
