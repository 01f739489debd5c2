package rcconf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNoProgramRuns: a command that is neither a builtin nor a function is
// refused wherever it appears, with FILE:LINE:COL, and nothing is started.
func TestNoProgramRuns(t *testing.T) {
	c := newCanary(t)
	c.selfTest(t)
	p := c.prog
	for _, tc := range []struct {
		name   string
		files  map[string]string
		prefix string
	}{
		{"plain", map[string]string{"etc/rc.conf": "a=1\n" + p + " x\n"}, "/etc/rc.conf:2:1: external command \"" + p + "\" refused"},
		{"cmdsubst", map[string]string{"etc/rc.conf": "x=$(" + p + ")\ny=2\n"}, "/etc/rc.conf:1:5: external command \"" + p + "\" refused"},
		{"backquote", map[string]string{"etc/rc.conf": "x=`" + p + "`\n"}, "/etc/rc.conf:1:4: external command \"" + p + "\" refused"},
		{"nested-subst", map[string]string{"etc/rc.conf": "x=\"$(echo $(" + p + "))\"\n"}, "/etc/rc.conf:1:13: external command"},
		{"in-word-default", map[string]string{"etc/rc.conf": "x=${unset:-$(" + p + ")}\n"}, "/etc/rc.conf:1:14: external command"},
		{"function-called-from-another-file", map[string]string{
			"etc/rc.conf":        "f() {\n\t: ok\n\t" + p + "\n}\n",
			"etc/rc.conf.d/jail": "f\n",
		}, "/etc/rc.conf:3:2: external command \"" + p + "\" refused"},
		{"eval", map[string]string{"etc/rc.conf": "\neval \"" + p + "\"\n"}, "/etc/rc.conf:2:1: external command"},
		{"command", map[string]string{"etc/rc.conf": "command " + p + "\n"}, "/etc/rc.conf:1:1: external command"},
		{"exec", map[string]string{"etc/rc.conf": "exec " + p + "\n"}, "/etc/rc.conf:1:1: builtin \"exec\" refused"},
		{"subshell", map[string]string{"etc/rc.conf": "(" + p + ")\n"}, "/etc/rc.conf:1:2: external command"},
		{"by-name", map[string]string{"etc/rc.conf": "h=$(hostname)\n"}, "/etc/rc.conf:1:5: external command \"hostname\" refused"},
		{"if-condition", map[string]string{"etc/rc.conf": "if " + p + "; then :; fi\n"}, "/etc/rc.conf:1:4: external command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := loadRoot(t, tree(t, tc.files), []string{"PATH=" + filepath.Dir(p)})
			wantErr(t, v, err, tc.prefix)
			c.check(t)
		})
	}
}

// TestPathAndTmpdirClosed: host PATH and TMPDIR are only variables: type and
// command -v find functions and builtins only (the attack stopped: probing
// or resolving names on the host), and TMPDIR opens no side door to host
// files (mvdan-sh.md §6.1).
func TestPathAndTmpdirClosed(t *testing.T) {
	c := newCanary(t)
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "sh-interp-x"), []byte("leak=LEAKED\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + filepath.Dir(c.prog), "TMPDIR=" + tmp}
	rc := `f() { :; }
if type rcconf-canary >/dev/null 2>&1; then t=found; else t=no; fi
if command -v rcconf-canary >/dev/null; then cv=found; else cv=no; fi
if type f >/dev/null; then tf=found; fi
if command -v echo >/dev/null; then ce=found; fi
`
	v, err := loadRoot(t, rcTree(t, rc), env)
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]string{"t": "no", "cv": "no", "tf": "found", "ce": "found", "PATH": filepath.Dir(c.prog), "TMPDIR": tmp} {
		if got := getOr(v, n); got != want {
			t.Errorf("%s = %q, want %q", n, got, want)
		}
	}
	v, err = loadRoot(t, rcTree(t, "rcconf-canary\n"), env)
	wantErr(t, v, err, `/etc/rc.conf:1:1: external command "rcconf-canary" refused`)
	v, err = loadRoot(t, rcTree(t, ". $TMPDIR/sh-interp-x\n"), env)
	e := wantErr(t, v, err, "/etc/rc.conf:1:1: . "+tmp+"/sh-interp-x: cannot open")
	if e != nil && strings.Contains(e.Error(), "LEAKED") {
		t.Errorf("host file content leaked: %v", e)
	}
	v, err = loadRoot(t, rcTree(t, "echo x > $TMPDIR/sh-interp-y\n"), env)
	wantErr(t, v, err, "/etc/rc.conf:1:8: redirection to \""+tmp+"/sh-interp-y\" refused")
	if _, err := os.Stat(filepath.Join(tmp, "sh-interp-y")); err == nil {
		t.Errorf("a host file was written")
	}
	c.check(t)
}

// TestReadsStayInRoot: every read resolves inside the root: absolute and
// relative symlinks and ".." cannot reach a host file (the attack stopped:
// an rc.conf or a planted link sourcing or probing host files).
func TestReadsStayInRoot(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.conf")
	if err := os.WriteFile(secret, []byte("leak=LEAKED\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defaults := "rc_conf_files=\"/etc/rc.conf /etc/rc.conf.local /etc/rc.conf.rel\"\n" +
		"source_rc_confs() { for f in $rc_conf_files; do if [ -r $f ]; then . $f; fi; done; }\n"
	root := tree(t, map[string]string{
		"etc/defaults/rc.conf": defaults,
		"etc/rc.conf": "[ -r " + secret + " ] && seen=yes\n[ -e " + outside + " ] && seen_dir=yes\n" +
			"list=$(for f in /*; do printf '%s ' \"$f\"; done)\n",
	})
	if err := os.Symlink(secret, filepath.Join(root, "etc/rc.conf.local")); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(filepath.Join(root, "etc"), secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rel, filepath.Join(root, "etc/rc.conf.rel")); err != nil {
		t.Fatal(err)
	}
	v, err := loadRoot(t, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"leak", "seen", "seen_dir"} {
		if got, ok := v.Get(n); ok {
			t.Errorf("%s = %q: a host file was read or probed", n, got)
		}
	}
	if got := getOr(v, "list"); got != "/etc " {
		t.Errorf("glob /* = %q, want the root's entries only", got)
	}
	for _, rc := range []string{
		". " + secret + "\n",
		". ../../../../../../../.." + secret + "\n",
		"read x < " + secret + "\n",
	} {
		v, err := loadRoot(t, rcTree(t, rc), nil)
		e := wantErr(t, v, err, "/etc/rc.conf:1:", "cannot open")
		if e != nil && strings.Contains(e.Error(), "LEAKED") {
			t.Errorf("host file content leaked: %v", e)
		}
	}
}

// TestNothingWritten: output redirections to files are refused (the attack
// stopped: rc.conf text overwriting host files); /dev/null and the standard
// streams work.
func TestNothingWritten(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "written")
	for _, tc := range []struct{ rc, prefix string }{
		{"echo hi > " + target + "\n", "/etc/rc.conf:1:9: redirection to \"" + target + "\" refused"},
		{"echo hi >> " + target + "\n", "/etc/rc.conf:1:9: redirection to"},
		{"echo hi >| " + target + "\n", "/etc/rc.conf:1:9: redirection to"},
		{": <> " + target + "\n", "/etc/rc.conf:1:3: redirection to"},
		{"x=$(echo hi > " + target + ")\n", "/etc/rc.conf:1:13: redirection to"},
		{"exec 3> " + target + "\n", "/etc/rc.conf:1:6: redirection of file descriptor 3 refused"},
	} {
		v, err := loadRoot(t, rcTree(t, tc.rc), nil)
		wantErr(t, v, err, tc.prefix)
		if _, err := os.Stat(target); err == nil {
			t.Fatalf("%q wrote a host file", tc.rc)
		}
	}
	v := mustLoad(t, "echo hi >/dev/null\nx=$(echo out; echo err >&2)\ny=$(echo both 2>&1)\nz=$(echo gone >/dev/null)\n")
	for n, want := range map[string]string{"x": "out", "y": "both", "z": ""} {
		if got := getOr(v, n); got != want {
			t.Errorf("%s = %q, want %q", n, got, want)
		}
	}
}

// TestRefusedConstructs: constructs that would start processes or that are
// not /bin/sh are refused by name.
func TestRefusedConstructs(t *testing.T) {
	for _, tc := range []struct{ rc, prefix string }{
		{"x=1\nsleep 1 &\n", "/etc/rc.conf:2:1: background job (&) refused"},
		{"echo a | read b\n", "/etc/rc.conf:1:1: pipeline (|) refused"},
		{"x=$(echo a | cat)\n", "/etc/rc.conf:1:5: pipeline (|) refused"},
		{". <(echo x=1)\n", "/etc/rc.conf:1:3: process substitution refused"},
		{"[[ a = a ]]\n", "/etc/rc.conf:1:1: [[ … ]] is not /bin/sh"},
		{"((x=1))\n", "/etc/rc.conf:1:1: ((…)) arithmetic command is not /bin/sh"},
		{"a=(1 2)\n", "/etc/rc.conf:1:1: array assignment is not /bin/sh"},
		{"x=${y/a/b}\n", "/etc/rc.conf:1:3: ${x/a/b} is not /bin/sh"},
		{"x=$((2**3))\n", "/etc/rc.conf:1:3: arithmetic ** is not /bin/sh"},
		{"function f { :; }\n", "/etc/rc.conf:1:1: function keyword is not /bin/sh"},
		{"x=$$\n", "/etc/rc.conf:1:3: $$ refused"},
		{"x=\"line $LINENO\"\n", "/etc/rc.conf:1:9: $LINENO refused"},
		{"x=${PPID}\n", "/etc/rc.conf:1:3: $PPID refused"},
		{"x=~root\n", "/etc/rc.conf:1:1: tilde expansion refused"},
		{"alias ll=ls\n", "/etc/rc.conf:1:1: builtin \"alias\" refused: aliases are not supported"},
		{"x=$'a'\n", "/etc/rc.conf:1:3: $'…' quoting"},
		{"echo -e x\n", "/etc/rc.conf:1:1: echo -e"},
		{"[ a == a ]\n", "/etc/rc.conf:1:1: test: =="},
		{"printf '%*d' 3 4\n", "/etc/rc.conf:1:1: printf: format"},
		{"exit 3\n", "/etc/rc.conf:1:1: exit 3"},
		{"x=${u?must be set}\n", "/etc/rc.conf:1:3: u: must be set"},
		{"set -e\n", "/etc/rc.conf:1:1: set -e: option not supported"},
		{"count() { :; }; count ${x:-\"a b\"}\n", "/etc/rc.conf:1:23: unquoted ${x:-…} with a quoted word"},
	} {
		v, err := loadRoot(t, rcTree(t, tc.rc), nil)
		wantErr(t, v, err, tc.prefix)
	}
}

// TestLimits: the deadline, the command budget, the nesting cap, the file
// size cap and the value size cap each stop runaway input with FILE:LINE.
func TestLimits(t *testing.T) {
	run := func(rc string, o Options) (*Vars, error) {
		o.Root, o.Env = rcTree(t, rc), []string{}
		return Load(context.Background(), o)
	}
	start := time.Now()
	v, err := run("a=1\n\nwhile :; do :; done\n", Options{Timeout: 200 * time.Millisecond, MaxCommands: 1 << 40})
	wantErr(t, v, err, "/etc/rc.conf:3:", "time limit")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the deadline took %v to stop the loop", d)
	}
	v, err = run("while x=1; do y=2; done\n", Options{Timeout: 200 * time.Millisecond, MaxCommands: 1 << 40})
	wantErr(t, v, err, "/etc/rc.conf:1:", "time limit")
	v, err = run("\nwhile :; do :; done\n", Options{MaxCommands: 1000})
	wantErr(t, v, err, "/etc/rc.conf:2:", "command budget of 1000 exceeded")
	v, err = run("f() {\n\tf\n}\nf\n", Options{})
	wantErr(t, v, err, "/etc/rc.conf:2:2: evaluation stopped: function \"f\" nested deeper than 1000")
	v, err = run("x=1\n. /etc/rc.conf\n", Options{MaxDepth: 50})
	wantErr(t, v, err, "/etc/rc.conf:2:1: evaluation stopped: . /etc/rc.conf nested deeper than 50")
	v, err = run("x=$(echo $(echo $(echo $(echo a))))\n", Options{MaxDepth: 3})
	wantErr(t, v, err, "/etc/rc.conf:1:", "nesting deeper than 3")
	v, err = run("x=a\nwhile :; do\n\tx=$x$x\ndone\n", Options{MaxValueLen: 1 << 16})
	wantErr(t, v, err, "/etc/rc.conf:3:2: value of \"x\" is 131072 bytes, over the 65536-byte limit")
	// Many references to a large value in one command, on the fast path and
	// on the parser path; many large values; a command substitution that
	// prints forever.
	big := "x=a\nwhile [ ${#x} -lt 60000 ]; do x=$x$x; done\n"
	v, err = run(big+"y=\"$x$x$x$x$x\"\n", Options{MaxValueLen: 1 << 16})
	wantErr(t, v, err, "/etc/rc.conf:3:1: one command expands over 262144 bytes of variables")
	v, err = run(big+": ; y=$x$x$x$x$x\n", Options{MaxValueLen: 1 << 16})
	wantErr(t, v, err, "/etc/rc.conf:3:5: one command expands over 262144 bytes")
	v, err = run(big+"i=0\nwhile :; do i=$((i+1)); eval \"v$i=\\$x\"; done\n", Options{MaxValueLen: 1 << 16})
	wantErr(t, v, err, "/etc/rc.conf:4:", "variables would hold over 4194304 bytes in total")
	v, err = run(big+"y=$(while :; do echo $x; done)\n", Options{MaxValueLen: 1 << 16})
	wantErr(t, v, err, "/etc/rc.conf:3:", "command substitution output over the value size limit")
	v, err = run(strings.Repeat("# padding\n", 30), Options{MaxFileSize: 100})
	// The error is at the "." that reads it, and names the file.
	wantErr(t, v, err, "/etc/rc.d/jail:", ". /etc/rc.conf: cannot open", "over the 100-byte limit")
	v, err = run("x=1\n", Options{MaxFileSize: 100})
	if err != nil || getOr(v, "x") != "1" {
		t.Errorf("a small file under the cap: %v", err)
	}
}

// TestNestingCap: absurdly deep nesting is refused before the parser's
// recursion can overflow the stack (a fatal error, not a panic).
func TestNestingCap(t *testing.T) {
	n := maxNesting + 10
	v, err := loadRoot(t, rcTree(t, "a=1\n"+strings.Repeat("(", n)+strings.Repeat(")", n)+"\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:2:1: nesting deeper than 10000 levels refused")
	v, err = loadRoot(t, rcTree(t, strings.Repeat("if true; then\n", n)+strings.Repeat("fi\n", n)), nil)
	wantErr(t, v, err, "/etc/rc.conf:10001:1: nesting deeper than 10000 levels refused")
	v, err = loadRoot(t, rcTree(t, "s=; i=0\nwhile [ $i -lt 10010 ]; do s=\"$s( \"; i=$((i+1)); done\neval \"$s\"\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:3:1: eval: nesting deeper than 10000 levels refused")
	// Arithmetic: a chain of binary operators parses into a tree as deep
	// as it is long (the walks over it recursed until a 4 MB one overflowed
	// the stack, a crash); runs of prefix operators and the ?s of one
	// expression make the parser itself recurse once per operator (a 10 MB
	// run of "- " crashed it).
	v, err = loadRoot(t, rcTree(t, "x=$(("+strings.Repeat("1+", n)+"1))\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:1:1: nesting deeper than 10000 levels refused")
	v, err = loadRoot(t, rcTree(t, ": ; x=$(("+strings.Repeat("a=", n)+"1))\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:1:1: nesting deeper than 10000 levels refused")
	v, err = loadRoot(t, rcTree(t, "x=$(("+strings.Repeat("- ", n)+"1))\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:1:1: nesting deeper than 10000 levels refused")
	v, err = loadRoot(t, rcTree(t, "x=1\ny=$(("+strings.Repeat("!", n)+"1))\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:2:1: nesting deeper than 10000 levels refused")
	v, err = loadRoot(t, rcTree(t, "x=$(("+strings.Repeat("1?", n)+"1"+strings.Repeat(":1", n)+"))\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:1:1: nesting deeper than 10000 levels refused")
	// Long but shallow: many arithmetic expansions with a ? each, many
	// operators in a value, many ? in a pattern.
	v, err = loadRoot(t, rcTree(t, "x="+strings.Repeat("$((0?1:2))", n)+"\ny=\"-"+strings.Repeat(" -a", n)+
		"\"\ncase ab in "+strings.Repeat("?", n)+"|??) z=1;; esac\n"), nil)
	if err != nil {
		t.Errorf("%d shallow operators: %v", n, err)
	} else if getOr(v, "x") != strings.Repeat("2", n) || getOr(v, "z") != "1" {
		t.Errorf("x is %d bytes, z = %q", len(getOr(v, "x")), getOr(v, "z"))
	}
	// Deep but sane nesting still works.
	v, err = loadRoot(t, rcTree(t, "x="+strings.Repeat("$(echo ", 200)+"y"+strings.Repeat(")", 200)+"\n"), nil)
	if err != nil || getOr(v, "x") != "y" {
		t.Errorf("200 nested substitutions: %v", err)
	}
}

// TestSyntaxErrors: a syntax error anywhere in the chain, also in a sourced
// file after good lines, fails the whole load (interp would skip the file
// and go on).
func TestSyntaxErrors(t *testing.T) {
	root := tree(t, map[string]string{
		"etc/defaults/rc.conf": "rc_conf_files=\"/etc/rc.conf.local\"\nsource_rc_confs() { . /etc/rc.conf.local; }\n",
		"etc/rc.conf.local":    "good=1\n\nif then fi\n",
	})
	v, err := loadRoot(t, root, nil)
	wantErr(t, v, err, "/etc/rc.conf.local:3:", "syntax error")
	v, err = loadRoot(t, rcTree(t, "a=1\nb=2\nc=\"unclosed\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:3:3: syntax error")
	v, err = loadRoot(t, rcTree(t, "x=1\neval 'if'\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:2:1: eval: syntax error")
	v, err = loadRoot(t, rcTree(t, "f() {\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:1:", "syntax error")
}

// TestMissingFilesSkipped: files the shell's [ -r ] would skip are skipped.
func TestMissingFilesSkipped(t *testing.T) {
	root := tree(t, map[string]string{
		"etc/defaults/rc.conf": "rc_conf_files=\"/etc/rc.conf /etc/nope /etc/rc.conf.local\"\n" +
			"source_rc_confs() { for f in $rc_conf_files; do [ -r $f ] && . $f; done; }\n",
		"etc/rc.conf.local": "here=yes\n",
	})
	if err := os.Mkdir(filepath.Join(root, "etc/rc.conf.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	v, err := loadRoot(t, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if getOr(v, "here") != "yes" {
		t.Errorf("rc.conf.local not read")
	}
}

// TestDeadlineStopsScans: the time limit stops a pattern whose cost is in
// one expansion rather than in many commands: a long * trim over a long
// value on the fast path, a long pattern over a value shorter than a poll
// interval, a case of many patterns each scanned within one, and patterns
// of many brackets or classes that never close (each one scanned to the
// end). Each ran for seconds to minutes past the limit.
func TestDeadlineStopsScans(t *testing.T) {
	long := "x=a\nwhile [ ${#x} -lt 200000 ]; do x=$x$x; done\n"
	for _, tc := range []struct{ name, rc, want string }{
		{"fast-path-trim", long + "y=${x#*" + strings.Repeat("b", 100000) + "}\n", "/etc/rc.conf:3:3:"},
		{"fast-path-suffix", long + "y=${x%" + strings.Repeat("b", 100000) + "*}\n", "/etc/rc.conf:3:3:"},
		{"long-pattern", "x=" + strings.Repeat("a", 60000) + "\ny=${x#*" + strings.Repeat("b", 200000) + "?}\n", "/etc/rc.conf:2:3:"},
		{"long-case-pattern", "x=" + strings.Repeat("a", 60000) + "\ncase $x in *" + strings.Repeat("b", 200000) + "?) y=1;; esac\n", "/etc/rc.conf:2:"},
		// Each scan is under a poll interval; together they are not.
		{"many-case-patterns", "x=" + strings.Repeat("a", 20000) + "\ncase $x in " + strings.Repeat("*b|", 100000) + "*b) y=1;; esac\n", "/etc/rc.conf:2:"},
		{"unclosed-brackets", "x=a\ny=${x#" + strings.Repeat(`[\]`, 60000) + "}\n", "/etc/rc.conf:2:3:"},
		{"unclosed-classes", "x=a\ny=${x#[" + strings.Repeat(`[:`, 100000) + "]}\n", "/etc/rc.conf:2:3:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			v, err := Load(context.Background(), Options{Root: rcTree(t, tc.rc), Env: []string{}, Timeout: 300 * time.Millisecond})
			wantErr(t, v, err, tc.want, "time limit")
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the deadline took %v to stop it", d)
			}
		})
	}
}

// TestDeadlineStopsGlob: pathname expansion polls the deadline at each
// directory it lists, so one word listing a large tree stops at the time
// limit. The context is cancelled before Load starts and the loader runs
// fewer than 256 commands, so the stop can only come from the listing.
func TestDeadlineStopsGlob(t *testing.T) {
	root := rcTree(t, "\nfor f in /d/*/*; do x=$f; done\n")
	for _, d := range []string{"d/a/1", "d/b/2"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v, err := Load(ctx, Options{Root: root, Env: []string{}})
	wantErr(t, v, err, "/etc/rc.conf:2:", "evaluation stopped: context canceled")
	v, err = loadRoot(t, root, nil)
	if err != nil || getOr(v, "x") != "/d/b/2" {
		t.Errorf("without a deadline: x = %q, %v", getOr(v, "x"), err)
	}
}

// TestManyQuotedPatternParts: a pattern of many quoted parts is rewritten
// in one pass (a splice per part took the square of their number: about 45
// seconds for this one, before any deadline poll).
func TestManyQuotedPatternParts(t *testing.T) {
	parts := strings.Repeat(`""`, 60000)
	start := time.Now()
	v, err := loadRoot(t, rcTree(t, "x=ab\ny=${x#"+parts+"a}\ncase b in "+parts+"b) z=1;; esac\n"), nil)
	if err != nil || getOr(v, "y") != "b" || getOr(v, "z") != "1" {
		t.Errorf("y = %q, z = %q, %v; want b, 1", getOr(v, "y"), getOr(v, "z"), err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}
