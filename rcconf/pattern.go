package rcconf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Pattern matching for ${x#pat}, ${x##pat}, ${x%pat}, ${x%%pat} and case.
//
// mvdan.cc/sh/v3/expand (and its pattern package) match per character (per
// UTF-8 rune), while /bin/sh at boot (rc runs in the C locale) and dash
// match per byte: x=é; ${x#?} removes one byte in /bin/sh and the whole é
// in expand, and ? matches é in a case pattern in expand but not in
// /bin/sh. So rcconf matches these patterns itself, byte by byte, with
// dash's bracket rules. What dash and FreeBSD's /bin/sh do differently is
// refused rather than guessed, naming the pattern:
//
//   - [^…]: negation in FreeBSD sh, a literal ^ in dash;
//   - a range with an endpoint byte over 0x7f: dash compares signed chars,
//     FreeBSD sh unsigned ones;
//   - [=x=], [.x.] and unknown [:name:] classes inside a bracket.
//
// The pattern strings come from expand (expand.Literal of a trim word, or
// expand.Pattern of a case pattern, each rewritten by check so that no
// quoted part is left for expand to escape its own way): a backslash makes
// the next byte literal, and quoted text arrives with every byte escaped.

// globKind is what one pattern element matches.
type globKind uint8

const (
	globByte globKind = iota // one given byte
	globAny                  // ? : any one byte
	globStar                 // * : any run of bytes
	globSet                  // [...] : one byte of a set
)

type globItem struct {
	kind globKind
	b    byte
	set  *[4]uint64 // globSet: bit c set when byte c matches
}

func (it *globItem) matches(c byte) bool {
	switch it.kind {
	case globByte:
		return c == it.b
	case globAny:
		return true
	case globSet:
		return it.set[c>>6]&(1<<(c&63)) != 0
	}
	return false
}

// glob is a compiled pattern. A pattern without *, ? or [...] is kept as
// its literal text (lit) and compared directly.
type glob struct {
	items []globItem
	lit   string
	isLit bool
	// spend, when set, is told the work a scan does (pattern items times
	// value bytes), at least every pollWork of it and at its end; when it
	// returns true the scan gives up. A long pattern over a long value
	// costs their product, and many short scans (a case with 100,000
	// patterns) add up: the time limit must stop either.
	spend func(work int) bool
}

// pollWork is how much work (pattern items times bytes in a scan, bytes
// looked at in a compile) passes between two calls of spend.
const pollWork = 1 << 16

// errStopped is compileGlob's error when spend cut it short.
var errStopped = errors.New("pattern compile stopped")

// patternError is a pattern construct rcconf refuses; its text names it.
type patternError struct{ msg string }

func (e *patternError) Error() string { return e.msg }

// compileGlob compiles a pattern string as expand produces it. spend (nil
// for none) is told the bytes looked at, as for a scan: a pattern of many
// brackets that never close costs its length for each of them.
func compileGlob(pat string, spend func(int) bool) (*glob, error) {
	g := &glob{}
	var lit strings.Builder
	isLit := true
	work := 0
	var cls classEnds
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch c {
		case '\\':
			// A trailing backslash is a literal backslash (as in dash).
			if i+1 < len(pat) {
				i++
			}
			g.items = append(g.items, globItem{kind: globByte, b: pat[i]})
			lit.WriteByte(pat[i])
		case '?':
			isLit = false
			g.items = append(g.items, globItem{kind: globAny})
		case '*':
			isLit = false
			if n := len(g.items); n > 0 && g.items[n-1].kind == globStar {
				continue // ** is *
			}
			g.items = append(g.items, globItem{kind: globStar})
		case '[':
			set, end, err := bracket(pat, i, &cls)
			if err != nil {
				return nil, err
			}
			scanned := end - i
			if set == nil {
				scanned = len(pat) - i // looked at to its end
			}
			if work += scanned; work >= pollWork {
				if spend != nil && spend(work) {
					return nil, errStopped
				}
				work = 0
			}
			if set == nil {
				// No closing ]: the [ is a literal character.
				g.items = append(g.items, globItem{kind: globByte, b: '['})
				lit.WriteByte('[')
				continue
			}
			isLit = false
			g.items = append(g.items, globItem{kind: globSet, set: set})
			i = end
		default:
			g.items = append(g.items, globItem{kind: globByte, b: c})
			lit.WriteByte(c)
		}
	}
	if isLit {
		g.isLit, g.lit, g.items = true, lit.String(), nil
	}
	return g, nil
}

// charClasses are the [:name:] classes of the C locale: ASCII only, so no
// byte over 0x7f is in any of them.
var charClasses = map[string]func(c byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"cntrl":  func(c byte) bool { return c < 0x20 || c == 0x7f },
	"digit":  isDigit,
	"graph":  func(c byte) bool { return c > 0x20 && c < 0x7f },
	"lower":  func(c byte) bool { return c >= 'a' && c <= 'z' },
	"print":  func(c byte) bool { return c >= 0x20 && c < 0x7f },
	"punct":  func(c byte) bool { return c > 0x20 && c < 0x7f && !isAlpha(c) && !isDigit(c) },
	"space":  func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' },
	"upper":  func(c byte) bool { return c >= 'A' && c <= 'Z' },
	"xdigit": func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' },
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// classEnds remembers, for each of ':' '=' '.', where the last search for
// the end of a [:name:] (":]", "=]", ".]") started and what it found (-1:
// none), so that a pattern with many "[:" but no ":]" is not searched to
// its end from each of them.
type classEnds struct {
	from, at [3]int
	valid    [3]bool
}

// end is the index of the first kind+"]" in pat at or after i, or -1.
func (c *classEnds) end(pat string, i int, kind byte) int {
	k := strings.IndexByte(":=.", kind)
	if c.valid[k] && c.from[k] <= i && (c.at[k] < 0 || c.at[k] >= i) {
		return c.at[k]
	}
	at := strings.Index(pat[i:], string(kind)+"]")
	if at >= 0 {
		at += i
	}
	c.from[k], c.at[k], c.valid[k] = i, at, true
	return at
}

// bracket parses the bracket expression that starts at pat[open] == '['.
// It returns the set and the index of the closing ], or a nil set when
// there is no closing ] (the [ is then literal, as in dash). A ] right
// after [ or [! is a member, a backslash makes the next byte a member, and
// a - between two members is a range.
func bracket(pat string, open int, cls *classEnds) (*[4]uint64, int, error) {
	refuse := ""
	var set [4]uint64
	add := func(c byte) { set[c>>6] |= 1 << (c & 63) }
	i := open + 1
	invert, caret := false, false
	if i < len(pat) && (pat[i] == '!' || pat[i] == '^') {
		invert, caret = true, pat[i] == '^'
		i++
	}
	first := true
	for {
		if i >= len(pat) {
			return nil, 0, nil
		}
		c := pat[i]
		if c == ']' && !first {
			break
		}
		first = false
		i++
		if c == '[' && i < len(pat) && (pat[i] == ':' || pat[i] == '=' || pat[i] == '.') {
			kind := pat[i]
			if e := cls.end(pat, i+1, kind); e >= 0 {
				end := e - (i + 1)
				name := pat[i+1 : i+1+end]
				fn, ok := charClasses[name]
				if kind != ':' || !ok {
					if refuse == "" {
						refuse = fmt.Sprintf("[%c%s%c] is not supported (dash and FreeBSD sh differ)", kind, name, kind)
					}
				} else {
					for b := 0; b < 256; b++ {
						if fn(byte(b)) {
							add(byte(b))
						}
					}
				}
				i += end + 3
				continue
			}
		}
		if c == '\\' && i < len(pat) {
			c = pat[i]
			i++
		}
		if i+1 < len(pat) && pat[i] == '-' && pat[i+1] != ']' {
			hi := pat[i+1]
			i += 2
			if hi == '\\' && i < len(pat) {
				hi = pat[i]
				i++
			}
			if (c > 0x7f || hi > 0x7f) && refuse == "" {
				refuse = "a range with a non-ASCII byte is not supported (dash compares signed bytes, FreeBSD sh unsigned ones)"
			}
			for b := int(c); b <= int(hi); b++ {
				add(byte(b))
			}
			continue
		}
		add(c)
	}
	if caret && refuse == "" {
		refuse = "[^…] negates in FreeBSD sh but is a literal ^ in dash (write [!…])"
	}
	if refuse != "" {
		// Refused only now: without a closing ] the [ is a plain literal.
		return nil, 0, &patternError{fmt.Sprintf("bracket expression %q: %s", pat[open:i+1], refuse)}
	}
	if invert {
		for k := range set {
			set[k] = ^set[k]
		}
	}
	return &set, i, nil
}

// scan runs the pattern over s (both read backwards when back is set, for
// suffix matching) and reports the lengths n for which the first n bytes
// scanned match the whole pattern: the smallest such n, the largest, and
// whether there is any. With firstOnly it stops at the smallest. The
// pattern is run as a set of states (an NFA), so the cost is len(s) times
// the pattern length, never exponential; spend is told that cost, and when
// it says so the scan gives up as if nothing matched (the caller must then
// fail: scanDone).
func (g *glob) scan(s string, back, firstOnly bool) (smallest, largest int, ok bool) {
	work := 0
	smallest, largest = g.run(s, back, firstOnly, &work)
	if g.spend != nil && work > 0 && g.spend(work) {
		return -1, -1, false
	}
	return smallest, largest, smallest >= 0
}

// run is scan's loop; it adds to *work what it has not handed to spend,
// and gives -1, -1 when spend stopped it.
func (g *glob) run(s string, back, firstOnly bool, work *int) (smallest, largest int) {
	m := len(g.items)
	cur := make([]bool, m+1)
	next := make([]bool, m+1)
	item := func(p int) *globItem {
		if back {
			return &g.items[m-1-p]
		}
		return &g.items[p]
	}
	closure := func(set []bool) {
		for p := 0; p < m; p++ {
			if set[p] && item(p).kind == globStar {
				set[p+1] = true
			}
		}
	}
	cur[0] = true
	closure(cur)
	smallest, largest = -1, -1
	for n := 0; ; n++ {
		if cur[m] {
			if smallest < 0 {
				smallest = n
				if firstOnly {
					return smallest, smallest
				}
			}
			largest = n
		}
		if n == len(s) {
			break
		}
		if *work += m + 1; *work >= pollWork {
			if g.spend != nil && g.spend(*work) {
				*work = 0
				return -1, -1
			}
			*work = 0
		}
		c := s[n]
		if back {
			c = s[len(s)-1-n]
		}
		alive := false
		for p := 0; p <= m; p++ {
			next[p] = false
		}
		for p := 0; p < m; p++ {
			if !cur[p] {
				continue
			}
			it := item(p)
			if it.kind == globStar {
				next[p] = true
				alive = true
			} else if it.matches(c) {
				next[p+1] = true
				alive = true
			}
		}
		if !alive {
			break
		}
		closure(next)
		cur, next = next, cur
	}
	return smallest, largest
}

// matchAll reports whether the whole of s matches (case).
func (g *glob) matchAll(s string) bool {
	if g.isLit {
		return s == g.lit
	}
	_, largest, ok := g.scan(s, false, false)
	return ok && largest == len(s)
}

// trim applies ${v#pat} (prefix, shortest), ${v##pat} (prefix, longest),
// ${v%pat} (suffix, shortest) or ${v%%pat} (suffix, longest) byte-wise.
func (g *glob) trim(v string, suffix, longest bool) string {
	if g.isLit {
		if suffix {
			return strings.TrimSuffix(v, g.lit)
		}
		return strings.TrimPrefix(v, g.lit)
	}
	small, large, ok := g.scan(v, suffix, !longest)
	if !ok {
		return v
	}
	n := small
	if longest {
		n = large
	}
	if suffix {
		return v[:len(v)-n]
	}
	return v[n:]
}

// mangleTrim names a ${p#word} (and ##, %, %%) expansion that pattern.go
// evaluates: expand would match it per rune.
const mangleTrim = "\x01t"

// trimExp is a trim expansion taken out of the syntax tree (by check's
// rewrites, after the quoted parts of its pattern were escaped).
type trimExp struct {
	pe *syntax.ParamExp
}

// evalTrim evaluates trim expansion number id.
func (r *runner) evalTrim(id string) (string, bool) {
	i, err := strconv.Atoi(id)
	if err != nil || i >= len(r.trims) {
		return "", false
	}
	pe := r.trims[i].pe
	name := pe.Param.Value
	v := r.Get(name)
	if !v.IsSet() && r.nounset {
		r.fail(pe.Pos(), nil, "%s: parameter not set (/bin/sh exits here)", name)
		return "", false
	}
	// A nested expansion: expand's Config is not reentrant.
	r.level++
	pat := r.literal(pe.Exp.Word)
	r.level--
	if r.err != nil {
		return "", false
	}
	g, ok := r.glob(pe.Pos(), pat, func() string { return fmt.Sprintf("${%s%s…}", name, pe.Exp.Op) })
	if !ok {
		return "", false
	}
	op := pe.Exp.Op
	out := g.trim(v.Str, op == syntax.RemSmallSuffix || op == syntax.RemLargeSuffix,
		op == syntax.RemLargePrefix || op == syntax.RemLargeSuffix)
	return out, r.scanDone(pe.Pos())
}

// scanDone reports whether the last pattern scan ran to its end, failing at
// pos when the time limit cut it short (its result is then wrong).
func (r *runner) scanDone(pos syntax.Pos) bool {
	if !r.scanCut {
		return true
	}
	r.scanCut = false
	r.stopAt(pos)
	return false
}

// stopAt fails at pos with the time limit's error.
func (r *runner) stopAt(pos syntax.Pos) {
	err := r.ctx.Err()
	r.fail(pos, err, "evaluation stopped: %v (time limit %v)", err, r.opts.Timeout)
}

// scanSpend is the spend function of every compiled pattern: it adds up
// the work of all scans and compiles, polls the deadline every pollWork of
// it, and records that a scan was cut short.
func (r *runner) scanSpend(work int) bool {
	if r.scanWork += work; r.scanWork < pollWork {
		return false
	}
	r.scanWork = 0
	if r.ctx.Err() != nil {
		r.scanCut = true
		return true
	}
	return false
}

// glob compiles pat (cached: the same few patterns recur for every jail,
// and recompiling them cost about 1.1x the CPU time of a whole run at 1000
// jails; BENCHMARKS.md); a refused construct fails at pos, naming the
// pattern and where it is used (what).
func (r *runner) glob(pos syntax.Pos, pat string, what func() string) (*glob, bool) {
	if g, ok := r.globCache[pat]; ok {
		return g, true
	}
	if r.spendGlob == nil {
		r.spendGlob = r.scanSpend
	}
	g, err := compileGlob(pat, r.spendGlob)
	if err == errStopped {
		r.scanCut = false
		r.stopAt(pos)
		return nil, false
	}
	if err != nil {
		r.unsup(pos, "pattern %q in %s: %v", pat, what(), err)
		return nil, false
	}
	g.spend = r.spendGlob
	if r.globCache == nil {
		r.globCache = map[string]*glob{}
	}
	if len(r.globCache) < 4096 {
		r.globCache[pat] = g
	}
	return g, true
}
