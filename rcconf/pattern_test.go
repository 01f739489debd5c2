package rcconf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/pattern"
)

// globCases are values and patterns whose trims and case match must come
// out as dash gives them. val is shell text for the value (it may use
// $(printf …) for bytes that are not valid UTF-8); pat is the pattern as
// written in rc.conf.
var globCases = []struct{ val, pat string }{
	// Non-ASCII values with ? and [...]: one byte per ?, not one character.
	{"é", "?"},
	{"é", "??"},
	{"café", "*?"},
	{"café", "?*"},
	{"ünï", "[!a-z]"},
	{"ünï", "[!a-z]*"},
	{"xé", "x[!x]"},
	{"éa", "[[:alpha:]]"},
	{"éa", "*[[:alpha:]]"},
	{"éa", "[![:alpha:]]*"},
	{"a–b", "*[!a-z]"}, // en dash: three bytes
	{"a–b", "?[!a-z]"},
	// Non-ASCII bytes in the pattern itself.
	{"éé", "é"},
	{"aéb", "*é"},
	{"aéb", "a[é]"},
	{"aéb", "a[é][é]"},
	{"aéb", "a[!é]"},
	{"é", "\\é"},
	{"éx", "'é'?"},
	{"éx", "\"é\"*"},
	// * and literals only: per byte and per character agree on valid UTF-8.
	{"ünïcode.txt", "*.*"},
	{"ünïcode.txt", "*ï*"},
	{"a/b/ç/d", "*/"},
	{"a/b/ç/d", "/*"},
	// Not valid UTF-8 at all.
	{`$(printf 'a\377b')`, "a?"},
	{`$(printf 'a\377b')`, "?b"},
	{`$(printf '\303')`, "?"},
	{`$(printf '\303x')`, "[!x]"},
	{`$(printf 'x\303\251\251')`, "*é"},
	// ASCII brackets, escapes and odd corners, which expand got wrong or
	// which the byte matcher must keep right.
	{"[abc", "[a"},
	{"a]b", "[]]*"},
	{"a]b", "*[!]a]"},
	{"a-b", "?[a-]"},
	{"a-b", "[!-]*"},
	{`a\b`, `*\\`},
	{`a\`, `'a\'`},
	{"a*b?", `*\?`},
	{"a*b?", `\**`},
	{"a.b.c", "*[.]*"},
	{"x1y2", "*[[:digit:]]"},
	{"x1y2", "[[:lower:]]*"},
	{"X1y2", "[[:upper:][:digit:]]?"},
	{"a b", "*[[:space:]]"},
	{"abc", "[[:alpha:]"},
	{"[:x", "[[:x"},
	{"", "*"},
	{"", "?"},
	{"abc", ""},
	{"aaa", "a*a"},
	{"ab", "a**b"},
	// Quoted characters inside a bracket are plain members: "-" is no
	// range, "!" no negation, "]" does not close it; likewise escaped ones.
	{"abc-", `*["a-z"]`},
	{"abc-", `*[a"-"z]`},
	{"b", `["a-z"]`},
	{"abd", `*['!'c]`},
	{"ab!", `*["!"c]`},
	{"ab]", `*[a"]"]`},
	{"ab]", `*[a']']`},
	{"ab-", `*[a\-c]`},
	{"a", `[\!a]`},
	{"ab-", `*[a-"c"]`},
	{"x^", `*["^"x]`},
	{"a:", `*[[":alpha:"]]`},
}

// TestGlobAgainstDash evaluates every trim operator and a case statement on
// each glob case through Load and through dash, and wants the same values.
func TestGlobAgainstDash(t *testing.T) {
	for i, c := range globCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			val := c.val
			if !strings.HasPrefix(val, "$(") {
				val = "'" + val + "'"
			}
			src := fmt.Sprintf("v=%s\na=${v#%s}; b=${v##%s}; c=${v%%%s}; d=${v%%%%%s}\ncase \"$v\" in %s) e=match;; *) e=no;; esac\n",
				val, c.pat, c.pat, c.pat, c.pat, c.pat)
			if c.pat == "" {
				src = strings.Replace(src, "in ) e=", "in \"\") e=", 1)
			}
			names := []string{"v", "a", "b", "c", "d", "e"}
			v := mustLoad(t, src)
			d := dashValues(t, src, names...)
			for _, n := range names {
				if got := getOr(v, n); got != d[n] {
					t.Errorf("%s = %q, dash gives %q\nsource:\n%s", n, got, d[n], src)
				}
			}
		})
	}
}

// TestGlobNonASCIIDiffers proves the dash test above can fail: on these
// cases a per-character matcher (mvdan.cc/sh/v3/pattern, which expand and
// the previous case matcher use) gives another answer than dash, and the
// byte matcher gives dash's.
func TestGlobNonASCIIDiffers(t *testing.T) {
	for _, c := range []struct {
		val, pat string
		want     bool
	}{
		{"é", "?", false},
		{"é", "??", true},
		{"xé", "x[!x]", false},
		{"ü", "[!a]", false},
	} {
		m := runeMatcher(t, c.pat)
		if m(c.val) == c.want {
			t.Errorf("per-character matcher agrees with dash on %q ~ %q: the case proves nothing", c.val, c.pat)
		}
		g, err := compileGlob(c.pat, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.matchAll(c.val); got != c.want {
			t.Errorf("byte matcher: %q ~ %q = %v, want %v", c.val, c.pat, got, c.want)
		}
	}
}

// TestGlobMatchesASCII: on ASCII text, where per byte and per character are
// the same thing, the byte matcher agrees with mvdan.cc/sh/v3/pattern on
// every string over a small alphabet and a set of patterns, for case and
// for all four trims (compared with the trims of a brute-force search).
func TestGlobMatchesASCII(t *testing.T) {
	pats := []string{"a", "?", "*", "a*", "*a", "a?b", "*a*b", "[ab]*", "[!a]?", "*[a-b]", "a**", `\*`, `*\?`, "[]a]", "[!]b]*", "??*", "*?*a"}
	var strs []string
	var gen func(prefix string)
	gen = func(prefix string) {
		strs = append(strs, prefix)
		if len(prefix) == 4 {
			return
		}
		for _, c := range []string{"a", "b", "*", "]"} {
			gen(prefix + c)
		}
	}
	gen("")
	for _, p := range pats {
		m := runeMatcher(t, p)
		g, err := compileGlob(p, nil)
		if err != nil {
			t.Fatalf("compileGlob(%q): %v", p, err)
		}
		for _, s := range strs {
			if got, want := g.matchAll(s), m(s); got != want {
				t.Errorf("%q ~ %q: byte matcher %v, pattern package %v", s, p, got, want)
			}
			// Brute force trims from the reference matcher.
			var pre, suf []int
			for n := 0; n <= len(s); n++ {
				if m(s[:n]) {
					pre = append(pre, n)
				}
				if m(s[len(s)-n:]) {
					suf = append(suf, n)
				}
			}
			want := [4]string{s, s, s, s}
			if len(pre) > 0 {
				want[0], want[1] = s[pre[0]:], s[pre[len(pre)-1]:]
			}
			if len(suf) > 0 {
				want[2], want[3] = s[:len(s)-suf[0]], s[:len(s)-suf[len(suf)-1]]
			}
			got := [4]string{g.trim(s, false, false), g.trim(s, false, true), g.trim(s, true, false), g.trim(s, true, true)}
			if got != want {
				t.Errorf("trims of %q by %q: got %q, want %q", s, p, got, want)
			}
		}
	}
}

// TestGlobRefusals: bracket forms that dash and FreeBSD sh read
// differently are refused at the expansion (or case pattern), naming the
// pattern, the construct and why; dash's reading is checked too, so the
// refusal is known to be about a real difference or an unknown.
func TestGlobRefusals(t *testing.T) {
	for _, c := range []struct {
		src, want string
	}{
		{"v=abc\nx=${v#[^a]}\n",
			`/etc/rc.conf:2:3: pattern "[^a]" in ${v#…}: bracket expression "[^a]": [^…] negates in FreeBSD sh but is a literal ^ in dash (write [!…])`},
		{"v=abc\ncase $v in\n  [^a]*) x=1;;\nesac\n",
			`/etc/rc.conf:3:3: pattern "[^a]*" in case pattern: bracket expression "[^a]": [^…] negates in FreeBSD sh but is a literal ^ in dash (write [!…])`},
		{"v=é\nx=${v%%[a-é]}\n",
			`/etc/rc.conf:2:3: pattern "[a-é]" in ${v%%…}: bracket expression "[a-é]": a range with a non-ASCII byte is not supported (dash compares signed bytes, FreeBSD sh unsigned ones)`},
		{"v=abc\nx=\"${u:-${v##*[[:word:]]}}\"\n",
			`/etc/rc.conf:2:9: pattern "*[[:word:]]" in ${v##…}: bracket expression "[[:word:]]": [:word:] is not supported (dash and FreeBSD sh differ)`},
		{"v=abc\nf() { x=${v%[[=a=]]}; }\nf\n",
			`/etc/rc.conf:2:9: pattern "[[=a=]]" in ${v%…}: bracket expression "[[=a=]]": [=a=] is not supported (dash and FreeBSD sh differ)`},
		{"v=abc\neval 'x=${v%[[.a.]]}'\n",
			`/etc/rc.conf:2:1: pattern "[[.a.]]" in ${v%…}: bracket expression "[[.a.]]": [.a.] is not supported (dash and FreeBSD sh differ)`},
	} {
		v, err := loadRoot(t, rcTree(t, c.src), nil)
		e := wantSoft(t, v, err, c.want)
		if e != nil && e.Error() != c.want {
			t.Errorf("error\n %q, want\n %q", e.Error(), c.want)
		}
	}
	// A [ without a closing ] is a literal in dash, so nothing is refused.
	v := mustLoad(t, "v='[^a'\nx=${v#[^}\ncase $v in [^a) y=1;; esac\n")
	if x, y := getOr(v, "x"), getOr(v, "y"); x != "a" || y != "1" {
		t.Errorf("unterminated [^: x=%q y=%q, want \"a\" and \"1\"", x, y)
	}
	// dash's reading of [^a]: a literal ^, not negation.
	if d := dashValues(t, "case b in [^a]) x=neg;; *) x=lit;; esac", "x"); d["x"] != "lit" {
		t.Errorf("dash reads [^a] as %s; the refusal's reason is out of date", d["x"])
	}
	// dash's reading of a range up to a high byte: signed, so it is empty.
	if d := dashValues(t, `h=$(printf '\303'); case "$h" in [a-$h]) x=in;; *) x=out;; esac`, "x"); d["x"] != "out" {
		t.Errorf("dash puts byte 0xc3 in [a-\\303] (%s); the refusal's reason is out of date", d["x"])
	}
}

// TestPathnameNonASCII: pathname expansion over a directory with a file
// name that is not ASCII works for * (the same names per byte and per
// character) and is refused, naming the directory and the file, when the
// pattern has or may get ? or [...] (expand would match é as one
// character, /bin/sh as two bytes).
func TestPathnameNonASCII(t *testing.T) {
	files := map[string]string{"etc/d/é": "", "etc/d/ab": "", "etc/e/x": ""}
	v, err := loadRoot(t, tree(t, mergeFiles(files, "etc/rc.conf",
		"for f in /etc/d/*; do n=\"$n $f\"; done\nfor g in /etc/e/?; do m=\"$m $g\"; done\nq='/etc/d/\\?'; for h in \"$q\"; do k=$h; done\n")), nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for name, want := range map[string]string{"n": " /etc/d/ab /etc/d/é", "m": " /etc/e/x", "k": `/etc/d/\?`} {
		if got := getOr(v, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, c := range []struct{ src, want string }{
		{"for f in /etc/d/?; do :; done\n", `/etc/rc.conf:1:1: pathname expansion in /etc/d: file name "é" is not ASCII and the pattern may hold ? or [...], which /bin/sh matches byte by byte: not supported`},
		{"x=1\nset -- /etc/d/[!a]*\n", `/etc/rc.conf:2:1: pathname expansion in /etc/d: file name "é" is not ASCII and the pattern may hold ? or [...], which /bin/sh matches byte by byte: not supported`},
		// An unquoted expansion may bring ? into the pattern: refused even
		// when, as here, it brings only *.
		{"p='*'\nset -- /etc/d/$p\n", `/etc/rc.conf:2:1: pathname expansion in /etc/d: file name "é" is not ASCII and the pattern may hold ? or [...], which /bin/sh matches byte by byte: not supported`},
		// The pattern comes out of a command substitution, whose own
		// expansion of echo's words is done before the outer word is
		// globbed (dash leaves /etc/d/? unmatched: ? is one byte).
		{"p='/etc/d/?'\nfor f in $(echo \"$p\"); do :; done\n", `/etc/rc.conf:2:1: pathname expansion in /etc/d: file name "é" is not ASCII and the pattern may hold ? or [...], which /bin/sh matches byte by byte: not supported`},
	} {
		v, err := loadRoot(t, tree(t, mergeFiles(files, "etc/rc.conf", c.src)), nil)
		e := wantSoft(t, v, err, c.want)
		if e != nil && e.Error() != c.want {
			t.Errorf("error\n %q, want\n %q", e.Error(), c.want)
		}
	}
}

func mergeFiles(m map[string]string, name, content string) map[string]string {
	out := map[string]string{name: content}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestQuotedPatternBytes: a quoted "$p" in a pattern matches its value
// literally even when the value is not valid UTF-8 (pattern.QuoteMeta
// would turn such bytes into U+FFFD and the pattern would never match),
// in a trim and in a case pattern alike.
func TestQuotedPatternBytes(t *testing.T) {
	src := `v=$(printf 'a\377*?'); p=$(printf '\377*'); a=${v%"$v"}; b=${v#"a"}; c=${v%"$p"?}; d=${v#*"$p"}; e=${v%%"?"}
case $v in "$v") f=1;; esac; case $v in *"$p"?) g=1;; esac; case $v in "$p") h=1;; esac`
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	v := mustLoad(t, src+"\n")
	d := dashValues(t, src, names...)
	for _, n := range names {
		if got := getOr(v, n); got != d[n] {
			t.Errorf("%s = %q, dash gives %q", n, got, d[n])
		}
	}
	if d["a"] != "" || d["c"] != "a" || d["f"] != "1" || d["g"] != "1" {
		t.Errorf("dash gives a=%q c=%q f=%q g=%q: the case no longer tests a literal match", d["a"], d["c"], d["f"], d["g"])
	}
}

// TestTrimNounset: under set -u a trim of an unset variable stops, as
// /bin/sh exits there; without set -u it is empty, and a set variable is
// trimmed as usual.
func TestTrimNounset(t *testing.T) {
	want := `/etc/rc.conf:2:3: nope: parameter not set (/bin/sh exits here)`
	v, err := loadRoot(t, rcTree(t, "set -u\nx=${nope#a}\n"), nil)
	if e := wantErr(t, v, err, want); e != nil && e.Error() != want {
		t.Errorf("error\n %q, want\n %q", e.Error(), want)
	}
	v = mustLoad(t, "x=${nope#a}; set -u; s=abc; y=${s#?}; z=${s:+${s%?}}\n")
	for n, w := range map[string]string{"x": "", "y": "bc", "z": "ab"} {
		if got := getOr(v, n); got != w {
			t.Errorf("%s = %q, want %q", n, got, w)
		}
	}
}

// TestTrimStopsAtDeadline: a pattern scan over a long value polls the
// deadline, so the time limit stops it inside one expansion. The context
// is cancelled before Load starts; the statement budget's own poll comes
// only every 256 commands, so the stop comes from the scan. (Each pattern
// keeps a state alive over the whole value: a scan that ends early is not
// stopped, and its result stands.)
func TestTrimStopsAtDeadline(t *testing.T) {
	long := strings.Repeat("a", 1<<17)
	for _, line := range []string{"x=${v##?*b}", "x=${v%%b*?}", "case $v in *b) x=1;; esac"} {
		root := rcTree(t, "v="+long+"\n"+line+"\n")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		v, err := Load(ctx, Options{Root: root, Env: []string{}})
		want := "/etc/rc.conf:2:"
		e := wantErr(t, v, err, want, "evaluation stopped: context canceled")
		if e != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("error %v does not wrap context.Canceled", err)
		}
	}
}

// TestGlobScanPolls: a long scan polls stop (every pollWork of value bytes
// times pattern items) and gives up when it says so
// (TestTrimStopsAtDeadline sees the error that follows).
func TestGlobScanPolls(t *testing.T) {
	v := strings.Repeat("a", 1<<17) + "b"
	g, err := compileGlob("?*b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.trim(v, true, true); got != "" {
		t.Fatalf("without stop: %d bytes left, want 0", len(got))
	}
	polls := 0
	g.spend = func(int) bool { polls++; return true }
	if got := g.trim(v, false, true); got != v || polls != 1 {
		t.Errorf("with stop: %d bytes left after %d polls, want the value untouched after 1", len(got), polls)
	}
}

// runeMatcher is the reference the byte matcher is held against: a whole-
// string match of pat by mvdan.cc/sh/v3/pattern (per character), as expand
// and rcconf's former case matcher do it.
func runeMatcher(t *testing.T, pat string) func(string) bool {
	t.Helper()
	expr, err := pattern.Regexp(pat, pattern.EntireString)
	if err != nil {
		t.Fatalf("pattern.Regexp(%q): %v", pat, err)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		t.Fatalf("regexp.Compile(%q): %v", expr, err)
	}
	return re.MatchString
}

// TestPatternQuotedWordRefused: an unquoted ${u:-word} in a pattern whose
// word is quoted gives pattern text whose quoted characters /bin/sh keeps
// literal, which expand cannot tell apart: refused, naming it. dash's values
// show a plain evaluation would differ (the quoted * and ? are literal).
func TestPatternQuotedWordRefused(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"x=abc\ny=${x#${u:-\"?\"}}\n", `/etc/rc.conf:2:3: ${u:-…} with a quoted word inside a ${v%pattern} pattern is not supported`},
		{"x=abc\ny=${x#${u:-${w:-'?'}}}\n", `/etc/rc.conf:2:3: ${u:-…} with a quoted word inside a ${v%pattern} pattern is not supported`},
		{"case a in ${u:-\\*}) y=1;; esac\n", `/etc/rc.conf:1:11: ${u:-…} with a quoted word inside a case pattern is not supported`},
		{"case a in \"${u:-a}\") y=1;; esac\n", `/etc/rc.conf:1:11: a quoted ${…} operator inside a case pattern is not supported`},
	} {
		v, err := loadRoot(t, rcTree(t, c.src), nil)
		if e := wantSoft(t, v, err, c.want); e != nil && e.Error() != c.want {
			t.Errorf("error\n %q, want\n %q", e.Error(), c.want)
		}
	}
	d := dashValues(t, "x=abc; y=${x#${u:-\"?\"}}; case a in ${u:-\\*}) z=1;; *) z=0;; esac", "y", "z")
	if d["y"] != "abc" || d["z"] != "0" {
		t.Errorf("dash gives y=%q z=%q: the quoted word is no longer literal there", d["y"], d["z"])
	}
	// Unquoted words stay pattern text, and "$1" is a plain quoted value.
	v := mustLoad(t, "x=abc\ny=${x#${u:-?}}\nf() { case a:b in *\":$1\") z=1;; esac; }\nf b\n")
	if getOr(v, "y") != "bc" || getOr(v, "z") != "1" {
		t.Errorf("y = %q, z = %q; want bc, 1", getOr(v, "y"), getOr(v, "z"))
	}
}

// TestQuotedSpecialParams: "$*", "$?", "$#" and "$1" quoted in a case or
// trim pattern are their values, matched literally, as in dash; "$@" is
// refused by name.
func TestQuotedSpecialParams(t *testing.T) {
	src := `set -- a b '*'
case "a b *" in "$*") a=y;; *) a=n;; esac
case "a b c" in "$*") b=y;; *) b=n;; esac
x="a b *x"; c=${x#"$*"}; d=${x%"$#"?}
IFS=; case "ab*" in "$*") e=y;; *) e=n;; esac
IFS='	'; case "a	b	*" in "$*") f=y;; *) f=n;; esac
unset IFS
false; case 1 in "$?") g=y;; *) g=n;; esac
case "*" in "$3") h=y;; *) h=n;; esac; case "z" in "$3") i=y;; *) i=n;; esac
set --; case "" in "$*") j=y;; *) j=n;; esac`
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	v := mustLoad(t, src+"\n")
	d := dashValues(t, src, names...)
	for _, n := range names {
		if got := getOr(v, n); got != d[n] {
			t.Errorf("%s = %q, dash gives %q", n, got, d[n])
		}
	}
	want := `/etc/rc.conf:1:11: a quoted $@ inside a case pattern is not supported`
	v, err := loadRoot(t, rcTree(t, "case a in \"$@\") y=1;; esac\n"), nil)
	if e := wantSoft(t, v, err, want); e != nil && e.Error() != want {
		t.Errorf("error\n %q, want\n %q", e.Error(), want)
	}
}

// TestPathnameQuotedBracket: a quoted part that may stand inside a bracket
// of a pathname pattern is refused (expand would read a quoted - as a
// range: /etc/jp/["a-z"]* lists b2 where dash lists -x), and so is [^…]
// (dash: a literal ^; expand: a negation); quoted parts
// outside any bracket, and brackets without quoted parts, list what dash
// lists.
func TestPathnameQuotedBracket(t *testing.T) {
	files := map[string]string{"etc/jp/a1": "", "etc/jp/-x": "", "etc/jp/b2": ""}
	want := `/etc/rc.conf:2:1: pathname expansion: [^…], or a quoted part that may stand inside [...], is not supported (expand would read ^, or a quoted - ] or !, as a negation, a range or an end)`
	for _, src := range []string{
		"x=1\nfor f in /etc/jp/[^a]*; do :; done\n",
		"x=1\nfor f in /etc/jp/[\"a-z\"]*; do :; done\n",
		"x=1\nfor f in /etc/jp/[\\!a]*; do :; done\n",
		"p=a-z\nfor f in /etc/jp/[\"$p\"]*; do :; done\n",
		"d=/etc/jp\nfor f in $d/[\"a\"]*; do :; done\n",
	} {
		v, err := loadRoot(t, tree(t, mergeFiles(files, "etc/rc.conf", src)), nil)
		if e := wantSoft(t, v, err, want); e != nil && e.Error() != want {
			t.Errorf("error\n %q, want\n %q", e.Error(), want)
		}
	}
	// dash's answer for the first: the quoted - is a member, not a range.
	dir := t.TempDir()
	for n := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(n)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := dashValues(t, "cd "+dir+"; for f in etc/jp/[\"a-z\"]*; do a=\"$a ${f##*/}\"; done; for f in etc/jp/[^a]*; do b=\"$b ${f##*/}\"; done", "a", "b")
	if d["a"] != " -x a1" || d["b"] != " a1" {
		t.Errorf("dash lists %q: the refusal's reason is out of date", d["a"])
	}
	v, err := loadRoot(t, tree(t, mergeFiles(files, "etc/rc.conf",
		"for f in \"/etc/jp\"/*; do a=\"$a ${f##*/}\"; done\nfor f in /etc/jp/[!a]*; do b=\"$b ${f##*/}\"; done\n")), nil)
	if err != nil || getOr(v, "a") != " -x a1 b2" || getOr(v, "b") != " -x b2" {
		t.Errorf("a = %q, b = %q, %v", getOr(v, "a"), getOr(v, "b"), err)
	}
}
