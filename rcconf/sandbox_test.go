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
		name  string
		files map[string]string
		unk   string // the variable that must be unknown
		why   string // what its reason must name
	}{
		{"plain", map[string]string{"etc/rc.conf": "a=1\n" + p + " x\nif [ $? = 0 ]; then ok=1; fi\n"}, "ok", "/etc/rc.conf:2"},
		{"cmdsubst", map[string]string{"etc/rc.conf": "x=$(" + p + ")\ny=2\n"}, "x", "/etc/rc.conf:1"},
		{"backquote", map[string]string{"etc/rc.conf": "x=`" + p + "`\n"}, "x", "/etc/rc.conf:1"},
		{"nested-subst", map[string]string{"etc/rc.conf": "x=\"$(echo $(" + p + "))\"\n"}, "x", "/etc/rc.conf:1"},
		{"in-word-default", map[string]string{"etc/rc.conf": "x=${unset:-$(" + p + ")}\n"}, "x", "/etc/rc.conf:1"},
		{"function-called-from-another-file", map[string]string{
			"etc/rc.conf":        "f() {\n\t: ok\n\tx=$(" + p + ")\n}\n",
			"etc/rc.conf.d/jail": "f\n",
		}, "x", "/etc/rc.conf:3"},
		{"eval", map[string]string{"etc/rc.conf": "\neval \"x=\\$(" + p + ")\"\n"}, "x", "/etc/rc.conf:2"},
		{"command", map[string]string{"etc/rc.conf": "command " + p + " && x=1\n"}, "x", "/etc/rc.conf:1"},
		{"exec", map[string]string{"etc/rc.conf": "x=1\nexec " + p + "\n"}, "x", "exec"},
		{"subshell", map[string]string{"etc/rc.conf": "x=$(" + p + ")\n"}, "x", "/etc/rc.conf:1"},
		{"by-name", map[string]string{"etc/rc.conf": "h=$(hostname)\n"}, "h", "hostname"},
		{"if-condition", map[string]string{"etc/rc.conf": "if " + p + "; then x=1; fi\n"}, "x", "/etc/rc.conf:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := loadRoot(t, tree(t, tc.files), []string{"PATH=" + filepath.Dir(p)})
			wantUnknown(t, v, err, tc.unk, tc.why)
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
x=$(type rcconf-canary)
if type f >/dev/null; then tf=found; fi
if command -v echo >/dev/null; then ce=found; fi
`
	v, err := loadRoot(t, rcTree(t, rc), env)
	if err != nil {
		t.Fatal(err)
	}
	// Whether a program is in PATH is the host's business: unknown, never
	// looked up.
	wantUnknown(t, v, err, "t", "rcconf-canary")
	wantUnknown(t, v, err, "cv", "rcconf-canary")
	wantUnknown(t, v, err, "x", "rcconf-canary")
	for n, want := range map[string]string{"tf": "found", "ce": "found", "PATH": filepath.Dir(c.prog), "TMPDIR": tmp} {
		if got := getOr(v, n); got != want {
			t.Errorf("%s = %q, want %q", n, got, want)
		}
	}
	v, err = loadRoot(t, rcTree(t, "rcconf-canary\nif [ $? = 0 ]; then y=1; fi\n"), env)
	wantUnknown(t, v, err, "y", `command "rcconf-canary" at /etc/rc.conf:1`)
	v, err = loadRoot(t, rcTree(t, ". $TMPDIR/sh-interp-x\n"), env)
	e := wantErr(t, v, err, "/etc/rc.conf:1:1: . "+tmp+"/sh-interp-x: cannot open")
	if e != nil && strings.Contains(e.Error(), "LEAKED") {
		t.Errorf("host file content leaked: %v", e)
	}
	v, err = loadRoot(t, rcTree(t, "echo x > $TMPDIR/sh-interp-y\nw=$(echo x > $TMPDIR/sh-interp-y)\n"), env)
	wantUnknown(t, v, err, "w", "command substitution", "/etc/rc.conf:2")
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
	v, err = loadRoot(t, rcTree(t, "read x < "+secret+"\n"), nil)
	if e := wantSoft(t, v, err, "/etc/rc.conf:1:", "cannot open"); e != nil && strings.Contains(e.Error(), "LEAKED") {
		t.Errorf("host file content leaked: %v", e)
	}
	for _, rc := range []string{
		". " + secret + "\n",
		". ../../../../../../../.." + secret + "\n",
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
	// The output of a command redirected to a file is dropped (live mode
	// hands such a chain to /bin/sh, which writes it); what reads it back
	// is unknown.
	for _, tc := range []struct{ rc, why string }{
		{"echo hi > " + target + "\n", ""},
		{"echo hi >> " + target + "\n", ""},
		{"echo hi >| " + target + "\n", ""},
		{": <> " + target + "\n", ""},
		{"x=$(echo hi > " + target + ")\n", "/etc/rc.conf:1"},
		{"exec 3> " + target + "\n", ""},
		{"x=$(echo hi 3> " + target + ")\n", "/etc/rc.conf:1"},
	} {
		v, err := loadRoot(t, rcTree(t, tc.rc), nil)
		if tc.why != "" {
			wantUnknown(t, v, err, "x", tc.why)
		} else if err != nil {
			t.Errorf("%q: %v", tc.rc, err)
		}
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

// TestRefusedConstructs: constructs that start processes, or that the
// evaluator does not reproduce exactly, make unknown what they assign
// (naming the construct and file:line) and evaluation goes on; what /bin/sh
// itself stops on stays an error.
func TestRefusedConstructs(t *testing.T) {
	for _, tc := range []struct{ rc, unk, why string }{
		{"x=$(echo a | cat)\n", "x", "pipeline"},
		{". <(echo x=1)\n", "x", "process substitution"},
		{"[[ a = a ]] && x=1\n", "x", "[[ … ]] is not /bin/sh at /etc/rc.conf:1"},
		{"((x=1))\n", "x", "((…))"},
		{"a=(1 2)\n", "a", "array assignment"},
		{"x=${y/a/b}\n", "x", "${x/a/b}"},
		{"x=$((2**3))\n", "x", "**"},
		{"function f { :; }\n", "x", "function keyword"},
		{"x=$$\n", "x", "$$"},
		{"x=\"line $LINENO\"\n", "x", "$LINENO"},
		{"x=${PPID}\n", "x", "$PPID"},
		{"x=~root\n", "x", "tilde expansion"},
		{"alias ll=ls\n", "x", "alias"},
		{"x=$'a'\n", "x", "$'…' quoting"},
		{"x=$(echo -e x)\n", "x", "echo -e"},
		{"[ a == a ] && x=1\n", "x", "test: =="},
		{"x=$(printf '%*d' 3 4)\n", "x", "printf: format"},
		{"set -e\n", "x", "set -e"},
		{"count() { :; }; count ${x:-\"a b\"}\n", "x", "unquoted ${x:-…} with a quoted word"},
	} {
		t.Run(tc.rc, func(t *testing.T) {
			v, err := loadRoot(t, rcTree(t, tc.rc), nil)
			wantUnknown(t, v, err, tc.unk, tc.why, "/etc/rc.conf:1")
		})
	}
	// A pipeline and a background job run in subshells: they change no
	// variable.
	v := mustLoad(t, "x=1\nsleep 1 &\necho a | read b\nb=$b.\n")
	for n, want := range map[string]string{"x": "1", "b": "."} {
		if got := getOr(v, n); got != want {
			t.Errorf("%s = %q, want %q", n, got, want)
		}
	}
	for _, tc := range []struct{ rc, prefix string }{
		{"exit 3\n", "/etc/rc.conf:1:1: exit 3"},
		{"x=${u?must be set}\n", "/etc/rc.conf:1:3: u: must be set"},
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
